"""COMPRESS=DEFLATE (RFC 4978): raw deflate both ways after the tagged OK, checked with Python's
zlib (wbits=-15) over a raw socket and through an imaplib subclass; NO [COMPRESSIONACTIVE]."""
from __future__ import annotations

import imaplib
import socket
import zlib

from ternlib import HOST, HOSTNAME, TIMEOUT, insecure_context

MSG = b"From: a@remote.test\r\nTo: bob@example.test\r\nSubject: squeeze\r\n\r\n" + b"hello compressed world\r\n" * 200


class Deflated:
    """A raw IMAP connection that compresses after COMPRESS DEFLATE."""

    def __init__(self, port: int, tls: bool = False):
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        if tls:
            self.sock = insecure_context().wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.buf = b""
        self.c = self.d = None
        self.raw_chunks: list[bytes] = []

    def send(self, data: bytes):
        if self.c:
            data = self.c.compress(data) + self.c.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            if self.d:
                self.raw_chunks.append(chunk)
                chunk = self.d.decompress(chunk)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def command(self, tag: str, cmd: bytes) -> tuple[list[bytes], bytes]:
        self.send(tag.encode() + b" " + cmd + b"\r\n")
        lines = []
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b" "):
                return lines, line
            lines.append(line)


def test_compress_raw_socket(server):
    addr, pw = server.new_user()
    server.deliver(addr, MSG)
    c = Deflated(server.ports["imap"])
    assert c.line().startswith(b"* OK ")
    caps, _ = c.command("a0", b"CAPABILITY")
    assert b"COMPRESS=DEFLATE" not in caps[0], "COMPRESS is offered only after authentication"
    c.command("a1", f'LOGIN "{addr}" "{pw}"'.encode())
    caps, _ = c.command("a2", b"CAPABILITY")
    assert b" COMPRESS=DEFLATE" in caps[0]
    _, tagged = c.command("a3", b"COMPRESS DEFLATE")
    assert tagged == b"a3 OK DEFLATE active\r\n" and c.buf == b""
    c.c, c.d = zlib.compressobj(wbits=-15), zlib.decompressobj(wbits=-15)
    untagged, tagged = c.command("a4", b"SELECT INBOX")
    assert tagged.startswith(b"a4 OK [READ-WRITE]") and b"* 1 EXISTS\r\n" in untagged
    untagged, tagged = c.command("a5", b"FETCH 1 BODY.PEEK[TEXT]")
    assert tagged == b"a5 OK FETCH completed\r\n"
    body = b"hello compressed world\r\n" * 200
    assert untagged[0] == b"* 1 FETCH (BODY[TEXT] {%d}\r\n" % len(body)
    assert all(chunk.endswith(b"\x00\x00\xff\xff") for chunk in c.raw_chunks), "every response is sync-flushed"
    assert sum(map(len, c.raw_chunks)) < len(body) // 4, "the body crossed the wire compressed"
    _, tagged = c.command("a6", b"COMPRESS DEFLATE")
    assert tagged.startswith(b"a6 NO [COMPRESSIONACTIVE] "), tagged
    caps, _ = c.command("a7", b"CAPABILITY")
    assert b"COMPRESS=DEFLATE" not in caps[0]
    _, tagged = c.command("a8", b"BOGUS")
    assert tagged.startswith(b"a8 BAD "), "malformed commands still answer BAD through compression"
    untagged, tagged = c.command("a9", b"LOGOUT")
    assert untagged[0].startswith(b"* BYE") and tagged == b"a9 OK LOGOUT completed\r\n"
    c.sock.close()


def test_compress_refused_before_login_and_unknown_algorithm(server):
    addr, pw = server.new_user()
    c = Deflated(server.ports["imap"])
    c.line()
    _, tagged = c.command("b1", b"COMPRESS DEFLATE")
    assert tagged.startswith(b"b1 BAD "), tagged
    c.command("b2", f'LOGIN "{addr}" "{pw}"'.encode())
    _, tagged = c.command("b3", b"COMPRESS LZMA")
    assert tagged.startswith(b"b3 BAD "), tagged
    _, tagged = c.command("b4", b"NOOP")
    assert tagged == b"b4 OK NOOP completed\r\n", "still uncompressed"
    c.sock.close()


def test_compress_inside_tls(server):
    """On 993 the deflate layer sits inside TLS (RFC 4978 §4: compress, then encrypt)."""
    addr, pw = server.new_user()
    server.deliver(addr, MSG)
    c = Deflated(server.ports["imaps"], tls=True)
    assert c.line().startswith(b"* OK ")
    c.command("c1", f'LOGIN "{addr}" "{pw}"'.encode())
    _, tagged = c.command("c2", b"COMPRESS DEFLATE")
    assert tagged == b"c2 OK DEFLATE active\r\n"
    c.c, c.d = zlib.compressobj(wbits=-15), zlib.decompressobj(wbits=-15)
    untagged, tagged = c.command("c3", b"EXAMINE INBOX")
    assert tagged.startswith(b"c3 OK [READ-ONLY]") and b"* 1 EXISTS\r\n" in untagged
    untagged, tagged = c.command("c4", b"FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"".join(untagged).endswith(b"{20}\r\nSubject: squeeze\r\n\r\n)\r\n"), untagged
    c.sock.close()


imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))


class DeflateIMAP4(imaplib.IMAP4):
    """imaplib with RFC 4978 DEFLATE layered under its reader and writer."""

    _c = _d = None
    _zbuf = b""

    def compress(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        if typ == "OK":
            self._c, self._d = zlib.compressobj(wbits=-15), zlib.decompressobj(wbits=-15)
        return typ, data

    def send(self, data):
        if self._c:
            data = self._c.compress(data) + self._c.flush(zlib.Z_SYNC_FLUSH)
        super().send(data)

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise self.abort("socket closed")
        self._zbuf += self._d.decompress(chunk)

    def readline(self):
        if not self._d:
            return super().readline()
        while b"\n" not in self._zbuf:
            self._more()
        i = self._zbuf.index(b"\n") + 1
        line, self._zbuf = self._zbuf[:i], self._zbuf[i:]
        return line

    def read(self, size):
        if not self._d:
            return super().read(size)
        while len(self._zbuf) < size:
            self._more()
        out, self._zbuf = self._zbuf[:size], self._zbuf[size:]
        return out


def test_compress_with_imaplib(server):
    addr, pw = server.new_user()
    for i in range(5):
        server.deliver(addr, MSG.replace(b"squeeze", b"squeeze %d" % i))
    m = DeflateIMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(addr, pw)
    assert m.compress() == ("OK", [b"DEFLATE active"])
    assert m.select("INBOX") == ("OK", [b"5"])
    typ, data = m.fetch("1:5", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK"
    assert [d[1] for d in data if isinstance(d, tuple)] == [b"Subject: squeeze %d\r\n\r\n" % i for i in range(5)]
    typ, data = m.append("INBOX", None, None, MSG)
    assert typ == "OK" and data[0].startswith(b"[APPENDUID ")
    assert m.search(None, "SUBJECT", "squeeze") == ("OK", [b"1 2 3 4 5 6"])
    m.logout()


def test_deflate_bomb_is_refused_without_stalling_others(make_server):
    """~5 KB of deflate inflating to 6 MiB (one endless command line) with a 1 MiB literal limit: the server
    answers other connections meanwhile and ends this one with * BYE once the inflated backlog passes the
    command-line limit plus the literal limit."""
    s = make_server(sections={"imap": {"literal_size_limit": 1024 * 1024}})
    addr, pw = s.new_user()
    c = Deflated(s.ports["imap"])
    assert c.line().startswith(b"* OK ")
    c.command("a1", f'LOGIN "{addr}" "{pw}"'.encode())
    _, ok = c.command("a2", b"COMPRESS DEFLATE")
    assert ok.startswith(b"a2 OK")
    c.c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.d = zlib.decompressobj(-15)
    bomb = c.c.compress(b"x" * (6 * 1024 * 1024)) + c.c.flush(zlib.Z_SYNC_FLUSH)
    assert len(bomb) < 10000
    c.sock.sendall(bomb)
    other = s.imap(addr, pw)
    try:
        assert other.noop()[0] == "OK"
    finally:
        other.logout()
    lines = []
    try:
        while True:
            lines.append(c.line())
    except (AssertionError, OSError):
        pass
    assert b"* BYE Compressed input inflates beyond the command and literal limits\r\n" in lines, lines
    assert any(l.endswith(b"BAD Command line too long\r\n") for l in lines), lines
