"""Helpers for the outbound delivery tests (issue 4): an independent MX (aiosmtpd) on a loopback
port, certificates made with `openssl`, and a Tern server whose `[outbound] port` points at it and
whose `[dns] local_data` (embedded libunbound) maps test domains to 127.0.0.1.

`Sink` records every DATA it receives (envelope, raw content, TLS version) and answers per
recipient / per message as a test's `script` says; `OutServer` is a SubServer (mynetworks,
submission listeners) with `submit()`, `wait_log()` and `log_lines_for()`.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd", reason="pip install aiosmtpd (scripts/install-deps)")
from aiosmtpd.controller import Controller  # noqa: E402

import ternlib  # noqa: E402
from ternlib import DOMAIN, HOST  # noqa: E402

# aiosmtpd logs every failed STARTTLS handshake (which several tests cause on purpose) with a traceback
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
from ternlib_submission import SubServer, connect  # noqa: E402

MX_HOST = "mx.remote.test"

# DNS for the tests (libunbound local data; topmost owners become static zones, so anything
# not listed under them is NXDOMAIN).
LOCAL_DATA = [
    "remote.test. 300 IN MX 10 mx.remote.test.",
    "mx.remote.test. 300 IN A 127.0.0.1",
    "other.test. 300 IN MX 10 mx.remote.test.",        # a second domain on the same MX
    "slow.test. 300 IN MX 10 mx.remote.test.",
    "implicit.test. 300 IN A 127.0.0.1",                # no MX: implicit MX (RFC 5321 §5.1)
    "nullmx.test. 300 IN MX 0 .",                       # RFC 7505
    "loop.test. 300 IN MX 10 mail.example.test.",       # MX is our own hostname
    "mail.example.test. 300 IN A 127.0.0.1",
]

MSG_TEMPLATE = ("From: Bob <bob@example.test>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n"
                "Message-ID: <{tag}@example.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
                "outbound body {tag}\r\n.leading dot line\r\nlast line\r\n")


def message(rcpt: str, tag: str, subject: str = "outbound test") -> bytes:
    return MSG_TEMPLATE.format(rcpt=rcpt, tag=tag, subject=subject).encode()


def free_port() -> int:
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------- certificates


def openssl(*args, cwd: Path):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr}"


def self_signed(directory: Path, cn: str = MX_HOST) -> tuple[Path, Path]:
    """A self-signed cert for `cn` (with SAN); returns (cert, key)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "self.crt", directory / "self.key"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={cn}",
            "-addext", f"subjectAltName=DNS:{cn}", "-keyout", str(key), "-out", str(cert), cwd=directory)
    return cert, key


def ca_signed(directory: Path, cn: str = MX_HOST) -> tuple[Path, Path, Path]:
    """A small CA and a leaf for `cn` signed by it; returns (ca cert, leaf cert, leaf key)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "leaf.key", directory / "leaf.csr", directory / "leaf.crt"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Tern Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", str(ca_key), "-out", str(ca_crt), cwd=directory)
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}", "-keyout", str(key),
            "-out", str(csr), cwd=directory)
    ext = directory / "leaf.ext"
    ext.write_text(f"subjectAltName=DNS:{cn}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
            "-days", "2", "-extfile", str(ext), "-out", str(crt), cwd=directory)
    return ca_crt, crt, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


# --------------------------------------------------------------------------- the independent MX


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: str | None            # negotiated TLS version, None for plaintext
    ehlo: str | None
    mail_options: list[str] = field(default_factory=list)
    answered: str = ""         # the reply the handler returned to DATA


class Handler:
    """aiosmtpd handler. `rcpt_reply(address) -> str|None` and `data_reply(envelope, n) -> str|None`
    (n = how many DATAs arrived before this one, 0-based) override the default 250s;
    `data_delay(envelope, n) -> seconds` sleeps before answering DATA."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []      # every DATA, recorded on arrival (before answering)
        self.rcpt_reply = lambda address: None
        self.data_reply = lambda envelope, n: None
        self.data_delay = lambda envelope, n: 0
        self.release = threading.Event()        # ends every data_delay early (teardown)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_reply(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        tls = None
        if session.ssl is not None:
            obj = server.transport.get_extra_info("ssl_object")
            tls = obj.version() if obj is not None else "unknown"
        rec = Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                       content=bytes(envelope.original_content), tls=tls, ehlo=session.host_name,
                       mail_options=list(envelope.mail_options))
        with self.lock:
            n = len(self.received)
            self.received.append(rec)
        delay = self.data_delay(envelope, n)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self.release.is_set():
            await asyncio.sleep(0.05)
        reply = self.data_reply(envelope, n) or "250 2.0.0 Ok: sunk"
        rec.answered = reply
        return reply

    def deliveries(self, rcpt: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if rcpt is None or rcpt in r.rcpt_tos]


class Sink:
    """An aiosmtpd MX on 127.0.0.1:<free port>, optionally offering STARTTLS."""

    def __init__(self, tls_context: ssl.SSLContext | None = None, ident: str = "aiosmtpd-sink", utf8: bool = True):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, ident=ident,
                                     tls_context=tls_context, require_starttls=False, decode_data=False,
                                     enable_SMTPUTF8=utf8, server_hostname=MX_HOST, ready_timeout=10)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.handler.release.set()
        try:
            self.controller.stop()
        except Exception:
            pass

    def wait_deliveries(self, count: int, timeout: float = 10.0, rcpt: str | None = None) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.handler.deliveries(rcpt)
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} deliveries (rcpt={rcpt}) within {timeout}s, got {len(got)}: {got}")
            time.sleep(0.05)


# --------------------------------------------------------------------------- Tern with [outbound]


def outbound_sections(port: int, level: str = "may", extra: dict | None = None, local_data=None,
                      policies: dict | None = None, smtp: dict | None = None) -> dict:
    outbound = {"port": port, "tls_security_level": level, "minimal_backoff_time": 1,
                "maximal_backoff_time": 2, "connect_timeout": 5, "command_timeout": 20}
    outbound.update(extra or {})
    sections = {"smtp": dict(smtp or {}), "outbound": outbound, "dns": {"local_data": list(local_data or LOCAL_DATA)}}
    for domain, values in (policies or {}).items():
        sections[f'outbound.policy."{domain}"'] = dict(values)
    return sections


class OutServer(SubServer):
    def submit(self, rcpts, data: bytes, sender: str = f"bob@{DOMAIN}", role: str = "smtp",
               user: str | None = None) -> str:
        """One transaction from 127.0.0.1 (in mynetworks) or authenticated on `role`; returns the queue id."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        c = self.session(role, user=user) if user or role != "smtp" else connect(self.ports[role])
        try:
            if not (user or role != "smtp"):
                c.expect("220 ")
                c.ehlo("client.example.test")
            assert c.cmd(f"MAIL FROM:<{sender}>") == ["250 2.1.0 Ok"]
            for r in rcpts:
                assert c.cmd(f"RCPT TO:<{r}>") == ["250 2.1.5 Ok"], r
            qid = c.send_data(data)
            assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
            return qid
        finally:
            c.close()

    def log_lines_for(self, qid: str, pattern: str = "") -> list[str]:
        return [l for l in self.log().splitlines() if f"{qid}: " in l and re.search(pattern, l)]

    def wait_log_for(self, qid: str, pattern: str, count: int = 1, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log_lines_for(qid, pattern)
            if len(lines) >= count:
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} log line(s) for {qid} matching {pattern!r} not seen in {timeout}s:\n"
                                     + "\n".join(self.log().splitlines()[-40:]))
            time.sleep(0.05)

    def queue_list(self) -> str:
        r = self.cli("queue", "list")
        assert r.returncode == 0, f"tern queue list: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def wait_queue_empty(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            q = self.queue_list()
            if q.strip() == "Mail queue is empty":
                return q
            if time.monotonic() > deadline:
                raise AssertionError(f"queue not empty after {timeout}s:\n{q}")
            time.sleep(0.1)


def make_out_factory(tmp_path_factory, request):
    base = ternlib.server_factory(OutServer, tmp_path_factory, request, prefix="tern-out", default_roles=("smtp", "imap"))

    def make(mynetworks=("127.0.0.1/32",), **kw) -> OutServer:
        return base(mynetworks=list(mynetworks) if mynetworks is not None else None, **kw)

    return make


def sent_line_re(rcpt: str, relay_port: int, tls: str | None = None) -> str:
    tls_part = rf", tls={re.escape(tls)}" if tls else ""
    return (rf"to=<{re.escape(rcpt)}>, relay={re.escape(MX_HOST)}\[127\.0\.0\.1\]:{relay_port}, delay=\d+, delays=\d+\.\d\d/\d+\.\d\d"
            rf"{tls_part}, dsn=2\.\d+\.\d+, status=sent \(250 ")


# --------------------------------------------------------------------------- content checks

OUT_TRACE_RE = re.compile(
    rb"\AReceived: from (?P<helo>[^ \r\n]+) \(\[127\.0\.0\.1\]\)\r\n"
    rb"(?:\t\(using (?P<tls>TLSv1\.[23])\)\r\n)?"
    rb"(?:\t\(Authenticated sender: (?P<auth>[^)\r\n]+)\)\r\n)?"
    rb"\tby mail\.example\.test \(Tern\) with (?P<proto>E?SMTPS?A?) id (?P<id>[A-Za-z0-9]+)\r\n"
    rb"\t(?:for <(?P<rcpt>[^>\r\n]+)>)?; (?P<date>[^\r\n]+)\r\n"
)


def split_out_trace(content: bytes) -> tuple[re.Match, bytes]:
    """A relayed message must start with exactly one Received: of ours (and no Return-Path:,
    which only the final delivery adds, RFC 5321 §4.4); returns (match, the rest)."""
    m = OUT_TRACE_RE.match(content)
    assert m is not None, f"relayed message does not start with Tern's Received: header:\n{content[:600]!r}"
    return m, content[m.end():]


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)
