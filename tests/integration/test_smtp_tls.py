"""SMTP STARTTLS: smtplib, raw sockets (pipelining discard), openssl s_client, swaks, configured cert."""
from __future__ import annotations

import queue
import re
import smtplib
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ternlib import EHLO_PLAIN, EHLO_TLS, HOST, HOSTNAME, IMAPConn, insecure_context, split_trace

BODY = (b"From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: over TLS\r\n\r\n"
        b"secret body\r\n.dot line\r\n\xc3\xa9t\xc3\xa9\r\n")


def test_starttls_reply_and_ehlo_after_tls(server):
    with server.smtp() as c:
        c.expect("220 ")
        assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN
        assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
        c.starttls()
        assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
        assert c.cmd("EHLO client.remote.test") == EHLO_TLS
        # a second STARTTLS inside TLS is an error, not a new handshake
        r = c.cmd("STARTTLS")
        assert r[0][0] == "5", r
        assert c.cmd("NOOP") == ["250 2.0.0 Ok"]


def test_starttls_resets_session_state(server):
    with server.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        assert c.cmd("MAIL FROM:<alice@remote.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
        c.starttls()
        # RFC 3207 §4.2: the server forgets everything, including EHLO and the MAIL command
        assert c.cmd("MAIL FROM:<alice@remote.test>") == ["503 5.5.1 Error: send HELO/EHLO first"]


def test_smtplib_starttls_delivery_records_tls(server, user):
    addr, _ = user
    with smtplib.SMTP(HOST, server.ports["smtp"], local_hostname="tls.remote.test", timeout=10) as s:
        s.ehlo()
        assert s.has_extn("starttls")
        code, msg = s.starttls(context=insecure_context())
        assert (code, msg) == (220, b"2.0.0 Ready to start TLS")
        s.ehlo()
        assert not s.has_extn("starttls")
        version = s.sock.version()
        assert s.sendmail("alice@remote.test", [addr], BODY) == {}
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("proto") == b"ESMTPS"
    assert m.group("tls").decode() == version
    assert body == BODY


def test_pipelined_commands_before_tls_handshake_are_discarded(server, user):
    addr, _ = user
    with server.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        # everything after STARTTLS in this packet must be thrown away (RFC 3207 §4.2)
        c.send(f"STARTTLS\r\nMAIL FROM:<evil@remote.test>\r\nRCPT TO:<{addr}>\r\nNOOP\r\n".encode())
        assert c.readline() == b"220 2.0.0 Ready to start TLS\r\n"
        c.starttls()  # fails if the server wrote plaintext replies to the injected commands
        # the first reply inside TLS answers the first TLS command
        assert c.cmd("EHLO after.remote.test") == EHLO_TLS
        assert c.cmd("RCPT TO:<bob@example.test>") == ["503 5.5.1 Error: need MAIL command"]
        assert c.nothing_pending() == b""
        assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
    assert server.count(addr) == 0


def test_tls_versions_and_no_legacy_protocols(server):
    ctx = insecure_context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with server.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        assert c.cmd("STARTTLS")[0].startswith("220 ")
        c.starttls(ctx)
        assert c.sock.version() == "TLSv1.2"
        cipher = c.sock.cipher()[0]
        assert "GCM" in cipher or "CHACHA20" in cipher, cipher
        c.ehlo()


def test_served_certificate_is_the_generated_one(server):
    cert_pem = (server.data_dir / "tls" / "cert.pem").read_text()
    assert (server.data_dir / "tls" / "key.pem").exists()
    first = ssl.PEM_cert_to_DER_cert(cert_pem[: cert_pem.index("-----END CERTIFICATE-----") + 25])
    with server.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        c.cmd("STARTTLS")
        c.starttls()
        assert c.sock.getpeercert(binary_form=True) == first


class SClient:
    """openssl s_client driven line by line (waits for each reply before the next command)."""

    def __init__(self, port: int, *extra: str):
        self.p = subprocess.Popen(
            ["openssl", "s_client", "-starttls", "smtp", "-connect", f"{HOST}:{port}", "-crlf", "-quiet",
             "-ign_eof", "-servername", HOSTNAME, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.seen: list[str] = []

    def _pump(self):
        for raw in self.p.stdout:
            self.lines.put(raw.decode(errors="replace").rstrip("\r\n"))
        self.lines.put(None)

    def reply(self, timeout=10) -> list[str]:
        out = []
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"s_client ended; seen {self.seen + out}")
            out.append(line)
            if re.match(r"^\d{3} ", line):
                self.seen += out
                return out

    def cmd(self, text: str) -> list[str]:
        self.p.stdin.write(text.encode() + b"\n")
        self.p.stdin.flush()
        return self.reply()

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.stderr.read().decode(errors="replace")


def test_openssl_s_client_starttls_smtp(server, user):
    addr, _ = user
    sc = SClient(server.ports["smtp"])
    try:
        # s_client already sent EHLO and STARTTLS; we talk inside TLS
        assert sc.cmd("EHLO sclient.remote.test") == EHLO_TLS
        assert sc.cmd("MAIL FROM:<sclient@remote.test>") == ["250 2.1.0 Ok"]
        assert sc.cmd(f"RCPT TO:<{addr}>") == ["250 2.1.5 Ok"]
        assert sc.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]
        for line in ["Subject: via s_client", "", "hello from openssl", ".."]:
            sc.p.stdin.write(line.encode() + b"\n")
        r = sc.cmd(".")
        assert re.fullmatch(r"250 2\.0\.0 Ok: queued as \w+", r[0]), r
        assert sc.cmd("QUIT") == ["221 2.0.0 Bye"]
    finally:
        err = sc.close()
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("proto") == b"ESMTPS" and m.group("tls") == b"TLSv1.3"
    assert body == b"Subject: via s_client\r\n\r\nhello from openssl\r\n.\r\n"


def test_openssl_s_client_brief_handshake(server):
    r = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect", f"{HOST}:{server.ports['smtp']}",
                        "-brief", "-ign_eof", "-servername", HOSTNAME],
                       input=b"QUIT\r\n", capture_output=True, timeout=20)
    err = r.stderr.decode(errors="replace")
    assert "CONNECTION ESTABLISHED" in err, err
    assert "Protocol version: TLSv1.3" in err, err
    assert b"221 2.0.0 Bye" in r.stdout, r.stdout


def test_swaks_tls(server, user):
    addr, _ = user
    r = subprocess.run(["swaks", "--server", HOST, "--port", str(server.ports["smtp"]), "--tls",
                        "--from", "swaks@remote.test", "--to", addr, "--helo", "swaks.remote.test",
                        "--header", "Subject: swaks tls", "--body", "tls body"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "<-  220 2.0.0 Ready to start TLS" in r.stdout, r.stdout
    assert re.search(r"<~  250 2\.0\.0 Ok: queued as \w+", r.stdout), r.stdout
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("proto") == b"ESMTPS"
    assert b"\r\n\r\ntls body\r\n" in body


# ----------------------------------------------------------------- configured certificate


def make_ca_and_leaf(d: Path) -> tuple[Path, Path, Path]:
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=Tern Test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={HOSTNAME}",
        "-keyout", "leaf.key", "-out", "leaf.csr")
    (d / "ext.cnf").write_text(f"subjectAltName=DNS:{HOSTNAME}\nextendedKeyUsage=serverAuth\n"
                               "keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "leaf.pem", "-extfile", "ext.cnf")
    (d / "chain.pem").write_text((d / "leaf.pem").read_text() + (d / "ca.pem").read_text())
    return d / "ca.pem", d / "chain.pem", d / "leaf.key"


def test_configured_certificate_verifies(make_server, tmp_path):
    ca, chain, key = make_ca_and_leaf(tmp_path)
    srv = make_server(sections={"tls": {"cert": str(chain), "key": str(key)}}, users=("bob",))
    ctx = ssl.create_default_context(cafile=str(ca))
    addr = "bob@example.test"
    with smtplib.SMTP(HOST, srv.ports["smtp"], local_hostname="v.remote.test", timeout=10) as s:
        s._host = HOSTNAME  # smtplib checks the certificate against the name it connected to
        s.starttls(context=ctx)  # verifies the chain and the name mail.example.test
        assert s.sendmail("alice@remote.test", [addr], BODY) == {}
    assert split_trace(srv.fetch_all(addr)[0])[1] == BODY
    # the IMAPS listener serves the same certificate
    with IMAPConn(HOST, srv.ports["imaps"], ssl_context=ctx) as c:  # SNI/check: mail.example.test
        assert c.readline().startswith(b"* OK ")
        c.login(addr, srv.users[addr])
    assert not (srv.data_dir / "tls" / "cert.pem").exists(), "a configured cert must not be replaced"
