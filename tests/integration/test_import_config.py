"""`tern import-config` (issue 7 item 8) on the guide's Postfix + Dovecot files
(tests/integration/data/guide, from shared/bench/baseline): the written tern.toml passes
`tern check`, the users keep their passwords, aliases arrive, and every setting that could not
be carried over is reported with its reason. Nothing here listens off loopback: the written
config is only checked; the accounts are exercised through a loopback server on its data_dir.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import ternlib
from ternlib import TernServer

GUIDE = Path(__file__).parent / "data" / "guide"


def setup_guide(tmp_path: Path) -> tuple[Path, Path]:
    postfix, dovecot = tmp_path / "postfix", tmp_path / "dovecot"
    postfix.mkdir()
    dovecot.mkdir()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=mail.example.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    main = (GUIDE / "main.cf").read_text()
    main = main.replace("/etc/ssl/mail.example.test/cert.pem", str(cert)).replace("/etc/ssl/mail.example.test/key.pem", str(key))
    main = main.replace("hash:/etc/postfix/sender_login_maps", f"hash:{postfix}/sender_login_maps")
    main += f"virtual_alias_maps = hash:{postfix}/virtual\n"
    (postfix / "main.cf").write_text(main)
    (postfix / "master.cf").write_text((GUIDE / "master.cf").read_text())
    (postfix / "sender_login_maps").write_text((GUIDE / "sender_login_maps").read_text())
    (postfix / "virtual").write_text("postmaster@example.test bob\nabuse@example.test bob@example.test, alice@example.test\n")
    hash6 = subprocess.run(["openssl", "passwd", "-6", "bobpass123"], capture_output=True, text=True, check=True).stdout.strip()
    conf = (GUIDE / "dovecot.conf").read_text().replace(
        "ssl_cert = </etc/ssl/mail.example.test/cert.pem", f"ssl_cert = <{cert}").replace(
        "ssl_key = </etc/ssl/mail.example.test/key.pem", f"ssl_key = <{key}")
    # The guide authenticates system users through PAM; a passwd-file keeps this test hermetic.
    conf += f"passdb {{\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT {dovecot}/users\n}}\n"
    (dovecot / "dovecot.conf").write_text(conf)
    (dovecot / "users").write_text(f"bob:{{SHA512-CRYPT}}{hash6}:1000:1000::/home/bob::\n")
    return postfix, dovecot


def run(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(ternlib.tern_binary()), *args], capture_output=True, text=True, timeout=60, **kw)


def test_dry_run_prints_config_and_report(tmp_path):
    postfix, dovecot = setup_guide(tmp_path)
    r = run("import-config", "--postfix", str(postfix), "--dovecot", str(dovecot), "--data-dir", str(tmp_path / "data"))
    assert r.returncode == 0, r.stderr
    toml = r.stdout
    assert 'hostname = "mail.example.test"\n' in toml
    assert 'domains = ["example.test"]\n' in toml
    assert 'mynetworks = ["127.0.0.1/32", "::1/128"]\n' in toml
    assert 'relay_restrictions = ["permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"]\n' in toml
    assert 'sender_restrictions = ["reject_sender_login_mismatch"]\n' in toml
    assert f'sender_login_maps = "{postfix}/sender_login_maps"\n' in toml
    assert 'submission = ["0.0.0.0:587", "[::]:587"]\nsubmissions = ["0.0.0.0:465", "[::]:465"]\n' in toml
    assert 'imaps = ["0.0.0.0:993", "[::]:993"]\npop3 = ["0.0.0.0:110", "[::]:110"]\n' in toml
    assert 'username_format = "%n"\n' in toml
    assert 'relayhost = "127.0.0.1:10025"\n' in toml
    assert 'message_size_limit = 52428800\n' in toml
    report = r.stderr
    assert "Not carried over:\n" in report
    assert "inet_interfaces = loopback-only: listeners were written for all interfaces" in report
    assert "dovecot disable_plaintext_auth = no: Tern never accepts passwords without TLS, except from loopback" in report
    assert "Accounts found: 1 (bob@example.test)" in report
    assert "Nothing was written" in report
    assert not (tmp_path / "data").exists()


def test_written_config_checks_and_accounts_keep_passwords(tmp_path, make_server):
    postfix, dovecot = setup_guide(tmp_path)
    out = tmp_path / "tern.toml"
    data = tmp_path / "data"
    r = run("import-config", "--postfix", str(postfix), "--dovecot", str(dovecot), "-o", str(out), "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}\n" in r.stdout
    assert "account bob@example.test: created with its existing password hash\n" in r.stdout
    assert "alias postmaster@example.test → bob@example.test\n" in r.stdout
    assert "alias abuse@example.test → alice@example.test\n" in r.stdout
    assert "tern check finds problems" not in r.stdout, r.stdout
    check = run("check", "--config", str(out))
    assert check.returncode == 0, check.stdout
    assert "config OK" in check.stdout

    # A second run never overwrites the config.
    before = out.read_text()
    again = run("import-config", "--postfix", str(postfix), "--dovecot", str(dovecot), "-o", str(out), "--data-dir", str(data))
    assert again.returncode == 1
    assert f"{out} exists; pass --force to overwrite it" in again.stderr
    assert out.read_text() == before

    # The imported hash logs in over IMAP (loopback server on the same data_dir).
    server = TernServer(tmp_path / "srv", roles=("imap",))
    server.data_dir = data
    server.write_config()
    server.start()
    try:
        m = server.imap("bob@example.test", "bobpass123")
        m.logout()
        aliases = server.cli("alias", "list").stdout
        assert "postmaster@example.test" in aliases
    finally:
        server.stop()
