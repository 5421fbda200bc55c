"""Reload (SIGHUP and `tern reload`): the configuration and the certificate are re-read; new
connections get the new certificate while an IMAP session in IDLE opened before keeps working;
a broken configuration or certificate is refused with a logged reason and the old one stays."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

import ternlib
from ternlib import DOMAIN, HOST, HOSTNAME, IMAPConn

RELOADED = "reload: configuration "


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2", "-subj", f"/CN={HOSTNAME}", "-addext", f"subjectAltName=DNS:{HOSTNAME}",
                        "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return cert, key


def fingerprint_of_file(cert: Path) -> str:
    r = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().split("=", 1)[1]


def served_fingerprint(port: int) -> str:
    """The SHA-256 fingerprint of the certificate a new `openssl s_client` connection sees."""
    s = subprocess.run(["openssl", "s_client", "-connect", f"{HOST}:{port}", "-servername", HOSTNAME],
                       input="", capture_output=True, text=True, timeout=30)
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", s.stdout, re.S)
    assert pem, f"s_client got no certificate:\n{s.stdout}\n{s.stderr}"
    r = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem.group(0),
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip().split("=", 1)[1]


def wait_log(srv, needle: str, after: int, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = srv.log()[after:]
        if needle in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} not logged:\n{srv.log()[after:]}")


def sighup(srv, needle: str) -> str:
    offset = len(srv.log())
    os.kill(srv.pid, signal.SIGHUP)
    return wait_log(srv, needle, offset)


@pytest.fixture()
def tls_server(make_server, tmp_path):
    cert, key = make_cert(tmp_path / "live", "server")
    srv = make_server(roles=("smtp", "imap", "imaps"), sections={"tls": {"cert": str(cert), "key": str(key)}})
    srv.cert, srv.key = cert, key
    return srv


def test_new_certificate_for_new_connections_idle_session_survives(tls_server, tmp_path):
    srv = tls_server
    old = fingerprint_of_file(srv.cert)
    assert served_fingerprint(srv.ports["imaps"]) == old
    bob = "bob@example.test"
    idle = IMAPConn(HOST, srv.ports["imaps"], ssl_context=ternlib.insecure_context())
    assert idle.readline().startswith(b"* OK")
    idle.login(bob, srv.users[bob])
    idle.ok("SELECT INBOX")
    idle.send(b"i1 IDLE\r\n")
    assert idle.readline() == b"+ idling\r\n"

    new_cert, new_key = make_cert(tmp_path / "next", "server")
    new = fingerprint_of_file(new_cert)
    assert new != old
    srv.cert.write_bytes(new_cert.read_bytes())  # same paths, new contents (like certbot renewing)
    srv.key.write_bytes(new_key.read_bytes())
    text = sighup(srv, RELOADED)
    assert "reload failed" not in text
    assert served_fingerprint(srv.ports["imaps"]) == new

    # the session opened before the reload is still served: new mail arrives in IDLE
    srv.deliver(bob, b"Subject: after reload\r\n\r\nhello\r\n")
    assert idle.readline() == b"* 1 EXISTS\r\n"
    idle.send(b"DONE\r\n")
    untagged, tagged = idle.until_tagged("i1")
    assert tagged == b"i1 OK IDLE terminated\r\n", (untagged, tagged)
    idle.ok("NOOP")
    idle.command("LOGOUT")
    idle.close()


def test_broken_config_is_refused_and_old_one_stays(tls_server):
    srv = tls_server
    fp = served_fingerprint(srv.ports["imaps"])
    good = srv.config_path.read_text()
    lines = good.splitlines()
    lines.insert(3, "bogus_key = 1")  # line 4
    srv.config_path.write_text("\n".join(lines) + "\n")
    text = sighup(srv, "reload failed")
    assert re.search(r"error tern: reload failed: \S+tern\.toml: line 4: bogus_key is not a known key .*"
                     r"the running configuration stays in force", text), text
    # still serving, with the old certificate and settings
    with srv.smtp() as c:
        assert c.reply() == [f"220 {HOSTNAME} ESMTP Tern"]
    m = srv.imap("bob@example.test")
    m.logout()
    assert served_fingerprint(srv.ports["imaps"]) == fp
    # `tern reload` checks the file first and does not signal the server
    offset = len(srv.log())
    r = srv.cli("reload")
    assert r.returncode == 1
    assert "config refused" in r.stdout and "line 4: bogus_key" in r.stdout, r.stdout
    time.sleep(0.5)
    assert "SIGHUP" not in srv.log()[offset:]
    # fixed again: `tern reload` reports success
    srv.config_path.write_text(good)
    r = srv.cli("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(RELOADED), r.stdout


def test_broken_certificate_is_refused(tls_server):
    srv = tls_server
    fp = served_fingerprint(srv.ports["imaps"])
    srv.cert.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    text = sighup(srv, "reload failed")
    assert f"[tls] cert: {srv.cert} is not a readable PEM certificate chain" in text, text
    assert served_fingerprint(srv.ports["imaps"]) == fp
    r = srv.cli("reload")
    assert r.returncode == 1 and "reload failed" in r.stdout, r.stdout


def test_settings_apply_to_new_connections_and_restart_keys_are_named(make_server):
    srv = make_server(roles=("smtp",))
    with srv.smtp() as early:
        early.expect("220 ")
        srv.sections["smtp"] = {"message_size_limit": 2048}
        srv.sections.setdefault("limits", {})["shutdown_timeout"] = 1
        srv.write_config()
        text = srv.config_path.read_text().replace(f'smtp = ["{HOST}:0"]', f'smtp = ["{HOST}:0", "{HOST}:0"]')
        srv.config_path.write_text(text)
        log = sighup(srv, RELOADED)
        assert "reload: [listen] changed; it takes effect at the next restart" in log, log
        # the connection opened before keeps its settings; a new one gets the new ones
        assert "250-SIZE 52428800" in early.ehlo()
    with srv.smtp() as late:
        late.expect("220 ")
        assert "250-SIZE 2048" in late.ehlo()


def test_reload_without_running_server(make_server):
    srv = make_server(roles=("smtp",), start=False)
    r = srv.cli("reload")
    assert r.returncode == 1
    assert "no running server" in r.stderr + r.stdout


def test_outbound_settings_reloaded(tmp_path_factory, request):
    """A message deferred because [outbound] port points nowhere is delivered after the port is
    fixed in the file, a reload and `tern queue flush`."""
    outbound = pytest.importorskip("ternlib_outbound")
    from ternlib_submission import SubServer
    dead = outbound.free_port()
    make = ternlib.server_factory(SubServer, tmp_path_factory, request, prefix="tern-reload-out", default_roles=("smtp",))
    srv = make(mynetworks=["127.0.0.1/32"], sections={"outbound": {"port": dead}, "dns": {"local_data": outbound.LOCAL_DATA}})
    sink = outbound.Sink().start()
    request.addfinalizer(sink.stop)
    srv.deliver("x@remote.test", b"Subject: later\r\n\r\nhello\r\n", sender="bob@example.test")
    srv.wait_log(r"to=<x@remote\.test>, relay=\S+, .*status=deferred", timeout=15)
    srv.sections["outbound"]["port"] = sink.port
    srv.write_config()
    r = srv.cli("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "changed; it takes effect at the next restart" not in srv.log()
    r = srv.cli("queue", "flush")
    assert r.returncode == 0, r.stdout + r.stderr
    got = sink.wait_deliveries(1, timeout=15)
    assert got[0].rcpt_tos == ["x@remote.test"]
    srv.wait_log(rf"to=<x@remote\.test>, relay=mx\.remote\.test\[127\.0\.0\.1\]:{sink.port}, .*status=sent", timeout=10)
