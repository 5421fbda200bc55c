"""Helpers for Tern's integration tests: start the built `tern` binary on ephemeral
loopback ports with a temporary config, and speak SMTP/IMAP to it byte for byte.

Only the standard library is used, so the tests run wherever python3 + pytest exist.
"""
from __future__ import annotations

import email.utils
import imaplib
import itertools
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TERN = Path(os.environ.get("TERN_BIN", REPO / ".build" / "debug" / "tern"))

HOSTNAME = "mail.example.test"
DOMAIN = "example.test"
HOST = "127.0.0.1"
TIMEOUT = 10.0
LISTEN_RE = re.compile(r"listening (smtp|imap|imaps) on (\S+):(\d+)")

# Return-Path + Received as Tern writes them (see README "Headers added at delivery").
TRACE_RE = re.compile(
    rb"\AReturn-Path: <(?P<sender>[^>\r\n]*)>\r\n"
    rb"Received: from (?P<helo>[^ \r\n]+) \(\[127\.0\.0\.1\]\)\r\n"
    rb"(?:\t\(using (?P<tls>TLSv1\.[23])\)\r\n)?"
    rb"\tby mail\.example\.test \(Tern\) with (?P<proto>SMTP|ESMTP|ESMTPS) id (?P<id>[A-Za-z0-9]+)\r\n"
    rb"\t(?:for <(?P<rcpt>[^>\r\n]+)>)?; (?P<date>[^\r\n]+)\r\n"
)

EHLO_PLAIN = [
    f"250-{HOSTNAME}",
    "250-PIPELINING",
    "250-SIZE 52428800",
    "250-STARTTLS",
    "250-ENHANCEDSTATUSCODES",
    "250-8BITMIME",
    "250-DSN",
    "250 SMTPUTF8",
]
EHLO_TLS = [line for line in EHLO_PLAIN if "STARTTLS" not in line]

_user_counter = itertools.count(1)

# `tern serve` refuses to run as root without --allow-root; CI and dev machines run the tests as root.
SERVE = ["serve", "--allow-root"] if os.geteuid() == 0 else ["serve"]


def tern_binary() -> Path:
    if not TERN.exists():
        raise RuntimeError(f"tern binary not found at {TERN}: run `swift build` first (or set TERN_BIN)")
    return TERN


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot render {v!r} as TOML")


def insecure_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def new_password() -> str:
    return "pw-" + secrets.token_hex(8)


# --------------------------------------------------------------------------- server


class TernServer:
    """One `tern serve` process with its own temp config and data dir.

    `sections` maps a TOML table name (smtp, imap, auth, limits, tls) to overrides.
    Ports are always 0: the real ones are read from the `listening ROLE on HOST:PORT` log lines.
    """

    def __init__(self, workdir: Path, sections: dict | None = None,
                 roles=("smtp", "imap", "imaps"), hostname: str = HOSTNAME,
                 domains=(DOMAIN,)):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.workdir / "data"
        self.config_path = self.workdir / "tern.toml"
        self.log_path = self.workdir / "tern.stderr.log"
        self.out_path = self.workdir / "tern.stdout.log"
        self.roles = tuple(roles)
        self.hostname = hostname
        self.domains = list(domains)
        self.sections = {k: dict(v) for k, v in (sections or {}).items()}
        # Email authentication (issue 6) is on by default in tern; tests of other features turn it off so that
        # port-25 deliveries make no SPF/DMARC lookups (no network here) and stored bytes stay as sent.
        # tests/integration/test_email_auth*.py configure it explicitly.
        self.sections.setdefault("inbound", {"verify": False})
        self.sections.setdefault("dkim", {"sign": False})
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}
        self.listen_hosts: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.last_exit: int | None = None
        self.write_config()

    # ---- config and CLI
    def config_text(self) -> str:
        lines = [
            f"hostname = {toml_value(self.hostname)}",
            f"domains = {toml_value(self.domains)}",
            f"data_dir = {toml_value(str(self.data_dir))}",
            "",
        ]
        if "tls" in self.sections:
            lines.append("[tls]")
            lines += [f"{k} = {toml_value(v)}" for k, v in self.sections["tls"].items()]
            lines.append("")
        lines.append("[listen]")
        for role in self.roles:
            lines.append(f"{role} = [\"{HOST}:0\"]")
        lines.append("")
        for name, values in self.sections.items():
            if name == "tls":
                continue
            lines.append(f"[{name}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
            lines.append("")
        return "\n".join(lines)

    def write_config(self):
        self.config_path.write_text(self.config_text())

    def cli(self, *args, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(tern_binary()), *args, "--config", str(self.config_path)],
                              input=input, capture_output=True, text=True, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def add_user(self, address: str, password: str | None = None) -> str:
        password = password or new_password()
        r = self.cli("user", "add", address, "--password-stdin", input=password + "\n")
        if r.returncode != 0:
            raise AssertionError(f"tern user add {address} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        self.users[address] = password
        return password

    def new_user(self, prefix: str = "u") -> tuple[str, str]:
        """A fresh account (its own empty mailboxes) for one test."""
        address = f"{prefix}{next(_user_counter)}x{secrets.token_hex(2)}@{DOMAIN}"
        return address, self.add_user(address)

    # ---- process
    def start(self, timeout: float = 30.0):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        err = open(self.log_path, "ab")
        out = open(self.out_path, "ab")
        self.proc = subprocess.Popen([str(tern_binary()), *SERVE, "--config", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.workdir)
        err.close()
        out.close()
        self.ports, self.listen_hosts = wait_for_listeners(self.proc, self.log_path, offset, self.roles, timeout)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM by PID, SIGKILL if it does not exit in `timeout` seconds. Returns the exit code."""
        if self.proc is None:
            return self.last_exit
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.last_exit = self.proc.returncode
        self.proc = None
        return self.last_exit

    def kill9(self):
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.last_exit = self.proc.returncode
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # ---- clients
    def smtp(self, **kw) -> "SMTPConn":
        return SMTPConn(HOST, self.ports["smtp"], **kw)

    def imap_raw(self, **kw) -> "IMAPConn":
        return IMAPConn(HOST, self.ports["imap"], **kw)

    def imaps_raw(self, **kw) -> "IMAPConn":
        return IMAPConn(HOST, self.ports["imaps"], ssl_context=insecure_context(), **kw)

    def imap(self, user: str | None = None, password: str | None = None) -> imaplib.IMAP4:
        m = imaplib.IMAP4(HOST, self.ports["imap"], timeout=TIMEOUT)
        if user:
            m.login(user, password or self.users[user])
        return m

    def imaps(self, user: str | None = None, password: str | None = None) -> imaplib.IMAP4_SSL:
        m = imaplib.IMAP4_SSL(HOST, self.ports["imaps"], ssl_context=insecure_context(), timeout=TIMEOUT)
        if user:
            m.login(user, password or self.users[user])
        return m

    # ---- convenience
    def deliver(self, rcpts, data: bytes, sender: str = "alice@remote.test", helo: str = "client.remote.test") -> str:
        """Sends one message over raw SMTP (EHLO, no TLS); returns the queue id."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        with self.smtp() as c:
            c.expect("220 ")
            c.ehlo(helo)
            c.expect_cmd(f"MAIL FROM:<{sender}>", ["250 2.1.0 Ok"])
            for r in rcpts:
                c.expect_cmd(f"RCPT TO:<{r}>", ["250 2.1.5 Ok"])
            qid = c.send_data(data)
            c.expect_cmd("QUIT", ["221 2.0.0 Bye"])
        return qid

    def fetch_all(self, user: str, mailbox: str = "INBOX") -> list[bytes]:
        """BODY.PEEK[] of every message in `mailbox`, in UID order."""
        m = self.imap(user)
        try:
            typ, _ = m.select(mailbox)
            assert typ == "OK"
            typ, data = m.uid("SEARCH", "ALL")
            assert typ == "OK", data
            uids = data[0].split()
            return [fetch_uid(m, u) for u in uids]
        finally:
            m.logout()

    def count(self, user: str, mailbox: str = "INBOX") -> int:
        m = self.imap(user)
        try:
            typ, data = m.select(mailbox, readonly=True)
            assert typ == "OK", data
            return int(data[0])
        finally:
            m.logout()


def server_factory(cls, tmp_path_factory, request, prefix: str = "tern", default_roles=("smtp", "imap", "imaps")):
    """A `make(...)` that builds servers of `cls` in fresh temp dirs with users (default bob and
    alice), starts them, and stops every one by PID at teardown."""
    servers = []

    def make(sections=None, roles=default_roles, users=("bob", "alice"), start=True, **kw):
        s = cls(tmp_path_factory.mktemp(prefix), sections=sections, roles=roles, **kw)
        servers.append(s)
        for u in users:
            s.add_user(f"{u}@{DOMAIN}")
        if start:
            s.start()
        return s

    def finish():
        for s in servers:
            s.stop()

    request.addfinalizer(finish)
    return make


def wait_for_listeners(proc: subprocess.Popen, log_path: Path, offset: int, roles, timeout: float):
    deadline = time.monotonic() + timeout
    ports: dict[str, int] = {}
    hosts: dict[str, str] = {}
    while True:
        text = ""
        if log_path.exists():
            with open(log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
        for m in LISTEN_RE.finditer(text):
            ports[m.group(1)] = int(m.group(3))
            hosts[m.group(1)] = m.group(2)
        if all(r in ports for r in roles):
            return ports, hosts
        if proc.poll() is not None:
            raise AssertionError(f"tern serve exited with {proc.returncode} before listening:\n{text}")
        if time.monotonic() > deadline:
            raise AssertionError(f"tern serve did not log listening lines for {roles} in {timeout}s:\n{text}")
        time.sleep(0.05)


def fetch_uid(m: imaplib.IMAP4, uid) -> bytes:
    typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
    assert typ == "OK", data
    parts = [d for d in data if isinstance(d, tuple)]
    assert len(parts) == 1, data
    return parts[0][1]


def split_trace(stored: bytes) -> tuple[re.Match, bytes]:
    """Checks the Return-Path + Received prefix and returns (match, the rest)."""
    m = TRACE_RE.match(stored)
    assert m is not None, f"stored message does not start with Tern's trace headers:\n{stored[:600]!r}"
    when = email.utils.parsedate_to_datetime(m.group("date").decode())
    assert when.tzinfo is not None
    assert abs(time.time() - when.timestamp()) < 3600, m.group("date")
    return m, stored[m.end():]


# --------------------------------------------------------------------------- raw line connections


class LineConn:
    def __init__(self, host: str, port: int, timeout: float = TIMEOUT, ssl_context: ssl.SSLContext | None = None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if ssl_context is not None:
            self.sock = ssl_context.wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.buf = b""
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed by server (buffered: {self.buf!r})")
        self.buf += chunk

    def readline(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def wait_closed(self, timeout: float) -> bytes:
        """Reads until EOF; returns what arrived. Fails if the server keeps it open past `timeout`."""
        self.sock.settimeout(timeout)
        got = self.buf
        self.buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return got
                got += chunk
        except (ConnectionResetError, BrokenPipeError):
            return got
        except socket.timeout:
            raise AssertionError(f"server did not close the connection within {timeout}s (got {got!r})")
        finally:
            self.sock.settimeout(self.timeout)

    def starttls(self, ctx: ssl.SSLContext | None = None):
        assert self.buf == b"", f"plaintext bytes after the STARTTLS reply: {self.buf!r}"
        self.sock = (ctx or insecure_context()).wrap_socket(self.sock, server_hostname=HOSTNAME)

    def nothing_pending(self, wait: float = 0.3) -> bytes:
        """Returns any bytes that arrive within `wait` seconds (expected: none)."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
            got = self.buf + chunk
        except (socket.timeout, ssl.SSLWantReadError):
            got = self.buf
        finally:
            self.sock.settimeout(self.timeout)
        self.buf = b""
        return got


class SMTPConn(LineConn):
    def reply(self) -> list[str]:
        lines = []
        while True:
            line = self.readline().decode("utf-8", errors="replace")[:-2]
            lines.append(line)
            if not re.match(r"^\d{3}[ -]", line):
                raise AssertionError(f"malformed SMTP reply line {line!r}")
            if line[3] == " ":
                return lines

    def cmd(self, line: str | bytes) -> list[str]:
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def expect(self, prefix: str) -> list[str]:
        r = self.reply()
        assert r[-1].startswith(prefix), f"expected {prefix!r}, got {r}"
        return r

    def expect_cmd(self, line: str, exact: list[str]) -> list[str]:
        r = self.cmd(line)
        assert r == exact, f"{line!r}: expected {exact}, got {r}"
        return r

    def ehlo(self, name: str = "client.remote.test") -> list[str]:
        r = self.cmd(f"EHLO {name}")
        assert r[-1].startswith("250 "), r
        return r

    def send_data(self, data: bytes) -> str:
        """DATA + dot-stuffed `data` (which must end in CRLF); returns the queue id."""
        r = self.cmd("DATA")
        assert r == ["354 End data with <CR><LF>.<CR><LF>"], r
        self.send(dot_stuff(data) + b".\r\n")
        r = self.reply()
        m = re.fullmatch(r"250 2\.0\.0 Ok: queued as ([A-Za-z0-9]+)", r[-1])
        assert m and len(r) == 1, f"end of data: {r}"
        return m.group(1)


def dot_stuff(data: bytes) -> bytes:
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    return b"\r\n".join((b"." + l) if l.startswith(b".") else l for l in lines)


class IMAPConn(LineConn):
    """Raw IMAP: commands with our own tags, responses as lines (literals inlined)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.tags = itertools.count(1)

    def response_line(self) -> bytes:
        line = self.readline()
        while True:
            m = re.search(rb"\{(\d+)\}\r\n\Z", line)
            if not m:
                return line
            line += self.read_exact(int(m.group(1)))
            line += self.readline()

    def command(self, cmd: str | bytes, tag: str | None = None) -> tuple[list[bytes], bytes]:
        tag = tag or f"t{next(self.tags)}"
        if isinstance(cmd, str):
            cmd = cmd.encode()
        self.send(tag.encode() + b" " + cmd + b"\r\n")
        return self.until_tagged(tag)

    def until_tagged(self, tag: str) -> tuple[list[bytes], bytes]:
        untagged = []
        while True:
            line = self.response_line()
            if line.startswith(tag.encode() + b" "):
                return untagged, line
            untagged.append(line)

    def ok(self, cmd: str) -> list[bytes]:
        untagged, tagged = self.command(cmd)
        assert re.match(rb"^t\d+ OK", tagged), f"{cmd!r}: {tagged!r} (untagged {untagged!r})"
        return untagged

    def login(self, user: str, password: str):
        self.ok(f'LOGIN "{user}" "{password}"')
