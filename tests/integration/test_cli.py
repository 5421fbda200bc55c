"""`tern check`, `tern user …`, and refusal of bad configs at start."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from ternlib import DOMAIN, SERVE, TernServer, tern_binary


def tern(*args, input=None, cwd=None, timeout=60):
    return subprocess.run([str(tern_binary()), *args], input=input, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, stdin=None if input is not None else subprocess.DEVNULL)


def write(tmp_path: Path, text: str, name="tern.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def base_config(tmp_path: Path, extra_top: str = "", sections: str = "") -> str:
    return (f"# tern test config\n"
            f'hostname = "mail.example.test"\n'
            f'domains = ["example.test"]\n'
            f'data_dir = "{tmp_path / "data"}"\n'
            f"{extra_top}"
            f'[listen]\nsmtp = ["127.0.0.1:0"]\nimap = ["127.0.0.1:0"]\nimaps = ["127.0.0.1:0"]\n'
            f"{sections}")


def assert_refused(r: subprocess.CompletedProcess, *needles: str):
    out = r.stdout + r.stderr
    assert r.returncode == 1, f"exit {r.returncode}, expected 1:\n{out}"
    for n in needles:
        assert n in out, f"{n!r} not in:\n{out}"


def test_check_accepts_a_valid_config(tmp_path):
    cfg = write(tmp_path, base_config(tmp_path, sections=(
        "[smtp]\nmessage_size_limit = 1000000\nrecipient_limit = 200\nline_length_limit = 1000\n"
        "command_line_limit = 512\nbare_newline = \"reject\"\ntimeout = 300\nhard_error_limit = 20\n"
        "[imap]\nliteral_size_limit = 1000000\ncommand_line_limit = 8192\ntimeout = 1800\n"
        "[auth]\nloopback_plaintext = false\n"
        "[limits]\nmax_connections = 100\nmax_connections_per_ip = 10\n")))
    r = tern("check", "--config", str(cfg))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "config OK" in r.stdout


def test_unknown_top_level_key_names_key_and_line(tmp_path):
    text = base_config(tmp_path)
    lines = text.splitlines()
    lines.insert(4, "bogus = 1")  # line 5, before [listen]: a top-level key
    cfg = write(tmp_path, "\n".join(lines) + "\n")
    r = tern("check", "--config", str(cfg))
    assert_refused(r, "line 5", "bogus")
    assert any("line 5" in l and "bogus" in l for l in (r.stdout + r.stderr).splitlines())


def test_unknown_key_in_section_names_key_and_line(tmp_path):
    cfg = write(tmp_path, base_config(tmp_path, sections="[smtp]\nrecipient_limit = 10\nmessage_size_limt = 5\n"))
    lineno = cfg.read_text().splitlines().index("message_size_limt = 5") + 1
    r = tern("check", "--config", str(cfg))
    assert_refused(r, f"line {lineno}", "message_size_limt")


def test_unknown_section_is_refused(tmp_path):
    cfg = write(tmp_path, base_config(tmp_path, sections="[smpt]\ntimeout = 10\n"))
    r = tern("check", "--config", str(cfg))
    assert_refused(r, "smpt")


@pytest.mark.parametrize("value", ['["127.0.0.1"]', '["127.0.0.1:99999"]', '["127.0.0.1:abc"]', "25"])
def test_malformed_listen_value(tmp_path, value):
    text = base_config(tmp_path).replace('smtp = ["127.0.0.1:0"]', f"smtp = {value}")
    cfg = write(tmp_path, text)
    lineno = text.splitlines().index(f"smtp = {value}") + 1
    r = tern("check", "--config", str(cfg))
    assert_refused(r, "smtp", f"line {lineno}")


@pytest.mark.parametrize("section,line,needle", [
    ("smtp", 'bare_newline = "sometimes"', "bare_newline"),
    ("smtp", 'recipient_limit = "many"', "recipient_limit"),
    ("auth", 'loopback_plaintext = "yes"', "loopback_plaintext"),
])
def test_wrong_value_type(tmp_path, section, line, needle):
    cfg = write(tmp_path, base_config(tmp_path, sections=f"[{section}]\n{line}\n"))
    lineno = cfg.read_text().splitlines().index(line) + 1
    r = tern("check", "--config", str(cfg))
    assert_refused(r, needle, f"line {lineno}")


def test_toml_syntax_error(tmp_path):
    cfg = write(tmp_path, base_config(tmp_path) + "[smtp\ntimeout = 1\n")
    r = tern("check", "--config", str(cfg))
    assert r.returncode == 1, r.stdout + r.stderr
    assert str(cfg) in r.stdout + r.stderr or "line" in r.stdout + r.stderr


def test_missing_config_file(tmp_path):
    r = tern("check", "--config", str(tmp_path / "nope.toml"))
    assert r.returncode != 0
    assert "nope.toml" in r.stdout + r.stderr


def make_key(path: Path) -> Path:
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(path)], check=True, capture_output=True)
    return path


def test_unreadable_cert_names_the_file(tmp_path):
    missing = tmp_path / "missing-cert.pem"
    key = make_key(tmp_path / "key.pem")
    cfg = write(tmp_path, base_config(tmp_path, extra_top=f'[tls]\ncert = "{missing}"\nkey = "{key}"\n'))
    r = tern("check", "--config", str(cfg))
    assert_refused(r, str(missing))
    # serve refuses to start with the same message
    r = tern(*SERVE, "--config", str(cfg), timeout=30)
    assert r.returncode != 0
    assert str(missing) in r.stdout + r.stderr
    assert "listening" not in r.stderr


def test_garbage_cert_names_the_file(tmp_path):
    cert = tmp_path / "garbage-cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    key = make_key(tmp_path / "key.pem")
    cfg = write(tmp_path, base_config(tmp_path, extra_top=f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'))
    r = tern("check", "--config", str(cfg))
    assert_refused(r, "garbage-cert.pem")


@pytest.mark.parametrize("content", [None, "", "// comments only, no rules\n"], ids=["missing", "empty", "comments-only"])
def test_public_suffix_list_missing_or_empty_is_refused(tmp_path, content):
    # DMARC must not fail open: without the list, relaxed alignment would treat a.co.uk and b.co.uk as one
    # organization. check and serve both refuse, naming the file.
    psl = tmp_path / "public_suffix_list.dat"
    if content is not None:
        psl.write_text(content)
    cfg = write(tmp_path, base_config(tmp_path, sections=f'[inbound]\npublic_suffix_list = "{psl}"\n'))
    r = tern("check", "--config", str(cfg))
    assert_refused(r, "public_suffix_list", str(psl))
    r = tern(*SERVE, "--config", str(cfg), timeout=30)
    assert r.returncode == 1, r.stdout + r.stderr
    assert str(psl) in r.stdout + r.stderr
    assert "listening" not in r.stderr


def test_public_suffix_list_setting_is_used(tmp_path):
    psl = tmp_path / "list.dat"
    psl.write_text("// test list\ntest\nco.uk\n")
    cfg = write(tmp_path, base_config(tmp_path, sections=f'[inbound]\npublic_suffix_list = "{psl.name}"\n'))
    r = tern("check", "--config", str(cfg))
    assert r.returncode == 0, r.stdout + r.stderr
    # the debug command reads the same setting
    msg = tmp_path / "msg.eml"
    msg.write_text("From: a@victim.co.uk\r\nSubject: x\r\n\r\nbody\r\n")
    zone = tmp_path / "zone.txt"
    zone.write_text('_dmarc.victim.co.uk. 300 IN TXT "v=DMARC1; p=reject"\n')
    r = tern("dmarc", "check", str(msg), "--config", str(cfg), "--dns-file", str(zone))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dmarc=fail" in r.stdout
    psl.unlink()
    r = tern("dmarc", "check", str(msg), "--config", str(cfg), "--dns-file", str(zone))
    assert r.returncode != 0
    assert str(psl) in r.stdout + r.stderr


def test_serve_refuses_bad_config_naming_key_and_line(tmp_path):
    text = base_config(tmp_path)
    lines = text.splitlines()
    lines.insert(4, "bogus = 1")
    cfg = write(tmp_path, "\n".join(lines) + "\n")
    r = tern(*SERVE, "--config", str(cfg), timeout=30)
    assert r.returncode != 0
    assert "bogus" in r.stdout + r.stderr and "line 5" in r.stdout + r.stderr
    assert "listening" not in r.stderr


def test_user_add_list_passwd_delete_offline(tmp_path):
    srv = TernServer(tmp_path)  # never started: the CLI works on the data dir alone
    r = srv.cli("user", "list")
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr
    srv.add_user("zed@example.test", "password-one")
    srv.add_user("amy@example.test", "password-two")
    r = srv.cli("user", "list")
    assert r.returncode == 0
    assert sorted(r.stdout.split()) == ["amy@example.test", "zed@example.test"], r.stdout
    assert "password-one" not in r.stdout + r.stderr
    r = srv.cli("user", "passwd", "zed@example.test", "--password-stdin", input="password-three\n")
    assert r.returncode == 0, r.stdout + r.stderr
    r = srv.cli("user", "delete", "amy@example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    r = srv.cli("user", "list")
    assert r.stdout.split() == ["zed@example.test"], r.stdout
    srv.start()
    try:
        with pytest.raises(Exception):
            srv.imap("zed@example.test", "password-one")
        srv.imap("zed@example.test", "password-three").logout()
        with pytest.raises(Exception):
            srv.imap("amy@example.test", "password-two")
    finally:
        srv.stop()


def test_user_add_refusals(tmp_path):
    srv = TernServer(tmp_path)
    r = srv.cli("user", "add", "x@other.test", "--password-stdin", input="long-enough-pw\n")
    assert_refused(r, "not in a local domain")
    r = srv.cli("user", "add", "short@example.test", "--password-stdin", input="short\n")
    assert r.returncode != 0, r.stdout + r.stderr
    r = srv.cli("user", "add", "not-an-address", "--password-stdin", input="long-enough-pw\n")
    assert r.returncode != 0, r.stdout + r.stderr
    srv.add_user("dup@example.test", "long-enough-pw")
    r = srv.cli("user", "add", "dup@example.test", "--password-stdin", input="other-password\n")
    assert r.returncode != 0, "adding an existing user must fail"
    r = srv.cli("user", "list")
    assert r.stdout.split() == ["dup@example.test"], r.stdout
    r = srv.cli("user", "delete", "ghost@example.test")
    assert r.returncode != 0
    r = srv.cli("user", "passwd", "ghost@example.test", "--password-stdin", input="long-enough-pw\n")
    assert r.returncode != 0


def test_user_changes_apply_to_running_server(make_server):
    srv = make_server(users=())
    addr = f"late@{DOMAIN}"
    with srv.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        c.cmd("MAIL FROM:<a@remote.test>")
        assert c.cmd(f"RCPT TO:<{addr}>")[0].startswith("550 5.1.1 ")
    pw = srv.add_user(addr)
    srv.deliver(addr, b"Subject: hi\r\n\r\nwelcome\r\n")
    assert srv.count(addr) == 1
    r = srv.cli("user", "passwd", addr, "--password-stdin", input="brand-new-password\n")
    assert r.returncode == 0, r.stdout + r.stderr
    with pytest.raises(Exception):
        srv.imap(addr, pw)
    srv.imap(addr, "brand-new-password").logout()
    r = srv.cli("user", "delete", addr)
    assert r.returncode == 0, r.stdout + r.stderr
    with srv.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        c.cmd("MAIL FROM:<a@remote.test>")
        assert c.cmd(f"RCPT TO:<{addr}>") == [
            f"550 5.1.1 <{addr}>: Recipient address rejected: User unknown in local recipient table"]
    with pytest.raises(Exception):
        srv.imap(addr, "brand-new-password")


def test_sigterm_exits_zero(make_server):
    srv = make_server(users=())
    time.sleep(0.2)
    assert srv.stop() == 0
