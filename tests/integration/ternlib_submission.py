"""Shared helpers for the submission / relay / sender-login / throttle / alias+queue tests (issue 3).

Builds on ternlib: `SubServer` is a TernServer that also writes the top-level `mynetworks` key
and waits for the `submission` / `submissions` listeners; `connect()` opens a raw SMTPConn from a
chosen loopback source address (127.0.0.2 etc. are "outside" a mynetworks of 127.0.0.1/32).
"""
from __future__ import annotations

import base64
import imaplib
import re
import smtplib
import socket
import subprocess
import time
from pathlib import Path

import pytest

import ternlib
from ternlib import DOMAIN, HOST, HOSTNAME, TIMEOUT, SMTPConn, TernServer, insecure_context, toml_value

ALL_LISTEN_RE = re.compile(r"listening (smtp|imap|imaps|submission|submissions|pop3|pop3s) on (\S+):(\d+)")

ALL_ROLES = ("smtp", "submission", "submissions", "imap")

MSG = (b"From: Bob <bob@example.test>\r\nTo: someone\r\nSubject: submission test\r\n"
       b"Message-ID: <sub-test@example.test>\r\n\r\nhello over submission\r\n")


def b64(s: str | bytes) -> str:
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def plain(user: str, password: str, authzid: str = "") -> str:
    return b64(f"{authzid}\0{user}\0{password}")


class SubServer(TernServer):
    def __init__(self, workdir: Path, sections: dict | None = None, roles=ALL_ROLES,
                 mynetworks: list[str] | None = None, **kw):
        self.mynetworks = mynetworks
        super().__init__(workdir, sections=sections, roles=roles, **kw)

    def config_text(self) -> str:
        text = super().config_text()
        if self.mynetworks is None:
            return text
        # top-level keys must precede the first [table]
        head, sep, rest = text.partition("\n\n")
        return f"{head}\nmynetworks = {toml_value(self.mynetworks)}{sep}{rest}"

    def start(self, timeout: float = 30.0):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        err = open(self.log_path, "ab")
        out = open(self.out_path, "ab")
        self.proc = subprocess.Popen([str(ternlib.tern_binary()), *ternlib.SERVE, "--config", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.workdir)
        err.close()
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
            ports = {m.group(1): int(m.group(3)) for m in ALL_LISTEN_RE.finditer(text)}
            if all(r in ports for r in self.roles):
                self.ports = ports
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"tern serve exited with {self.proc.returncode}:\n{text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no listening lines for {self.roles} in {timeout}s:\n{text}")
            time.sleep(0.05)

    # ---- clients
    def conn(self, role: str, src: str = HOST, **kw) -> SMTPConn:
        return connect(self.ports[role], src=src, tls=(role == "submissions"), **kw)

    def session(self, role: str, src: str = HOST, user: str | None = None, password: str | None = None,
                helo: str = "client.remote.test") -> SMTPConn:
        """Connected, greeted, EHLO'd; STARTTLS on `submission`; AUTH PLAIN when `user` is given."""
        c = self.conn(role, src=src)
        c.expect("220 ")
        c.ehlo(helo)
        if role == "submission":
            assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
            c.starttls()
            c.ehlo(helo)
        if user is not None:
            r = c.cmd(f"AUTH PLAIN {plain(user, password or self.users[user])}")
            assert r == ["235 2.7.0 Authentication successful"], r
        return c

    def smtplib(self, role: str, src: str = HOST) -> smtplib.SMTP:
        kw = dict(local_hostname="client.remote.test", timeout=TIMEOUT, source_address=(src, 0))
        if role == "submissions":
            s = smtplib.SMTP_SSL(HOST, self.ports[role], context=insecure_context(), **kw)
        else:
            s = smtplib.SMTP(HOST, self.ports[role], **kw)
        s.ehlo()
        if role == "submission":
            s.starttls(context=insecure_context())
            s.ehlo()
        return s

    def imap_from(self, src: str) -> imaplib.IMAP4:
        m = imaplib.IMAP4.__new__(imaplib.IMAP4)
        # imaplib has no source_address: give it our own socket via _create_socket
        m._create_socket = lambda timeout: socket.create_connection(
            (HOST, self.ports["imap"]), timeout=timeout, source_address=(src, 0))
        imaplib.IMAP4.__init__(m, HOST, self.ports["imap"], timeout=TIMEOUT)
        return m

    def queue_list(self) -> str:
        r = self.cli("queue", "list")
        assert r.returncode == 0, f"tern queue list: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def wait_log(self, pattern: str, timeout: float = 5.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log())
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError(f"log never matched {pattern!r}:\n{self.log()[-3000:]}")
            time.sleep(0.05)


def connect(port: int, src: str = HOST, tls: bool = False, timeout: float = TIMEOUT) -> SMTPConn:
    c = SMTPConn.__new__(SMTPConn)
    sock = socket.create_connection((HOST, port), timeout=timeout, source_address=(src, 0))
    if tls:
        sock = insecure_context().wrap_socket(sock, server_hostname=HOSTNAME)
    c.sock = sock
    c.buf = b""
    c.timeout = timeout
    return c


def loopback_alias_available(addr: str = "127.0.0.2") -> bool:
    try:
        s = socket.socket()
        s.bind((addr, 0))
        s.close()
        return True
    except OSError:
        return False


def make_factory(tmp_path_factory, request):
    if not loopback_alias_available():
        pytest.skip("cannot bind 127.0.0.2 (needed as a source outside mynetworks)")
    return ternlib.server_factory(SubServer, tmp_path_factory, request, prefix="tern-sub", default_roles=ALL_ROLES)


def queue_rows(listing: str) -> list[str]:
    return [l for l in listing.splitlines() if l.strip()]
