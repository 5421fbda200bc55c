"""BINARY (RFC 3516): BINARY[section], BINARY.PEEK, BINARY.SIZE, literal8 in responses and APPEND,
NO [UNKNOWN-CTE]; raw IMAP (exact bytes), imaplib and imapclient."""
from __future__ import annotations

import base64
import imaplib
import quopri

import imapclient
import pytest

from ternlib import HOST, IMAPConn, TIMEOUT

PAYLOAD = bytes(range(256)) * 3
TEXT = "Grüße, naïve café — ünïcödé\r\n".encode("utf-8") * 5
MSG = (b"From: a@remote.test\r\nTo: bob@example.test\r\nSubject: binary\r\nMIME-Version: 1.0\r\n"
       b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
       b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
       + quopri.encodestring(TEXT.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n") +
       b"\r\n--zz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
       + base64.encodebytes(PAYLOAD).replace(b"\n", b"\r\n") +
       b"\r\n--zz\r\nContent-Type: application/x-odd\r\nContent-Transfer-Encoding: x-gzip64\r\n\r\nH4sIAAAA\r\n--zz--\r\n")


@pytest.fixture()
def c(server):
    addr, pw = server.new_user()
    conn = server.imap_raw()
    assert conn.readline().startswith(b"* OK ")
    conn.login(addr, pw)
    conn.send(b"a1 APPEND INBOX {%d+}\r\n" % len(MSG) + MSG + b"\r\n")
    _, tagged = conn.until_tagged("a1")
    assert tagged.startswith(b"a1 OK [APPENDUID "), tagged
    conn.ok("SELECT INBOX")
    conn.addr, conn.pw = addr, pw
    yield conn
    conn.close()


def test_capability(c):
    assert b" BINARY" in c.ok("CAPABILITY")[0]


def test_binary_decodes_base64_with_literal8(c):
    c.send(b"b1 FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])\r\n")
    head = c.readline()
    assert head == b"* 1 FETCH (BINARY[2] ~{768}\r\n", head
    assert c.read_exact(768) == PAYLOAD
    assert c.readline() == b" BINARY.SIZE[2] 768)\r\n"
    assert c.readline() == b"b1 OK FETCH completed\r\n"


def test_binary_decodes_quoted_printable_as_plain_literal(c):
    untagged = c.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
    expected = b"* 1 FETCH (BINARY[1] {%d}\r\n" % len(TEXT) + TEXT + b" BINARY.SIZE[1] %d)\r\n" % len(TEXT)
    assert untagged == [expected], untagged


def test_partial_and_seen(c):
    assert c.ok("FETCH 1 BINARY.PEEK[2]<10.5>") == [b"* 1 FETCH (BINARY[2]<10> {5}\r\n" + PAYLOAD[10:15] + b")\r\n"]
    assert b"\\Seen" not in c.ok("FETCH 1 FLAGS")[0]
    untagged = c.ok("FETCH 1 BINARY[1]<0.6>")
    assert untagged == [b"* 1 FETCH (BINARY[1]<0> {6}\r\n" + TEXT[:6] + b" FLAGS (\\Seen \\Recent))\r\n"], untagged


def test_unknown_cte_and_missing_part(c):
    untagged, tagged = c.command("FETCH 1 (UID BINARY.PEEK[3])", tag="u1")
    assert untagged == [] and tagged.startswith(b"u1 NO [UNKNOWN-CTE] "), (untagged, tagged)
    assert c.ok("FETCH 1 BINARY.SIZE[9]") == [b"* 1 FETCH (BINARY.SIZE[9] 0)\r\n"]
    assert c.ok("FETCH 1 BINARY.PEEK[9]") == [b"* 1 FETCH (BINARY[9] NIL)\r\n"]
    _, tagged = c.command("FETCH 1 BINARY[1.MIME]", tag="u2")
    assert tagged.startswith(b"u2 BAD "), tagged


def test_append_literal8_keeps_nul_octets(c):
    raw = b"Subject: nul\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\x00B\x00C\r\n"
    c.send(b"a2 APPEND INBOX ~{%d+}\r\n" % len(raw) + raw + b"\r\n")
    _, tagged = c.until_tagged("a2")
    assert tagged.startswith(b"a2 OK [APPENDUID "), tagged
    c.ok("NOOP")
    c.send(b"b2 FETCH 2 BINARY.PEEK[1]\r\n")
    assert c.readline() == b"* 2 FETCH (BINARY[1] ~{7}\r\n"
    assert c.read_exact(7) == b"A\x00B\x00C\r\n"
    assert c.readline() == b")\r\n"
    assert c.readline() == b"b2 OK FETCH completed\r\n"


def test_imaplib_and_imapclient(server, c):
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(c.addr, c.pw)
    m.select("INBOX", readonly=True)
    typ, data = m.fetch("1", "(BINARY.PEEK[1])")
    assert typ == "OK" and data[0][1] == TEXT, data
    m.logout()
    ic = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    ic.login(c.addr, c.pw)
    ic.select_folder("INBOX", readonly=True)
    # imapclient 4.1 does not parse literal8 (`~{n}`), so it reads the NUL-free part 1.
    got = ic.fetch([1], ["BINARY.PEEK[1]", "BINARY.SIZE[2]"])[1]
    assert got[b"BINARY[1]"] == TEXT and got[b"BINARY.SIZE[2]"] == 768, got
    ic.logout()
