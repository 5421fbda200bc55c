"""Limits and bad input (RFC 9051 §4.3, RFC 7888, RFC 4469 TOOBIG): literal size and command line
limits from `[imap]`, LITERAL+ under and over the limit, malformed commands answer BAD and the
session continues; imaplib and imapclient see the same limits."""
from __future__ import annotations

import imaplib

import imapclient
import pytest

from ternlib import HOST, TIMEOUT

LITERAL_LIMIT = 4096
LINE_LIMIT = 1000


@pytest.fixture(scope="module")
def srv(make_module_server):
    return make_module_server(sections={"imap": {"literal_size_limit": LITERAL_LIMIT, "command_line_limit": LINE_LIMIT}})


@pytest.fixture()
def c(srv):
    addr, pw = srv.new_user()
    conn = srv.imap_raw()
    assert conn.readline().startswith(b"* OK ")
    conn.login(addr, pw)
    conn.addr, conn.pw = addr, pw
    yield conn
    conn.close()


def test_literal_plus_advertised(c):
    caps = c.ok("CAPABILITY")[0].split()
    assert b"LITERAL+" in caps and b"SASL-IR" in caps and b"UNSELECT" in caps, caps


def test_synchronising_literal_over_limit(c):
    c.send(b"L1 APPEND INBOX {%d}\r\n" % (LITERAL_LIMIT + 1))
    assert c.readline() == b"L1 NO [TOOBIG] Literal of %d octets exceeds the limit of %d\r\n" % (LITERAL_LIMIT + 1, LITERAL_LIMIT)
    c.ok("NOOP")


def test_non_synchronising_literal_over_limit_is_skipped(c):
    big = b"x" * (LITERAL_LIMIT + 100)
    c.send(b"L2 APPEND INBOX {%d+}\r\n" % len(big) + big + b"\r\n")
    assert c.readline() == b"L2 NO [TOOBIG] Literal of %d octets exceeds the limit of %d\r\n" % (len(big), LITERAL_LIMIT)
    c.ok("NOOP")
    assert c.ok("STATUS INBOX (MESSAGES)") == [b'* STATUS "INBOX" (MESSAGES 0)\r\n'], "nothing was stored"


def test_literal_plus_at_the_limit_is_accepted(c):
    msg = b"Subject: fits\r\n\r\n" + b"y" * (LITERAL_LIMIT - 19) + b"\r\n"
    assert len(msg) == LITERAL_LIMIT
    c.send(b"L3 APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")
    _, tagged = c.until_tagged("L3")
    assert tagged.startswith(b"L3 OK [APPENDUID "), tagged


def test_command_line_too_long(c):
    c.send(b"L4 LIST \"\" " + b"x" * LINE_LIMIT + b"\r\n")
    assert c.readline() == b"L4 BAD Command line too long\r\n"
    c.ok("NOOP")


@pytest.mark.parametrize("bad", [
    b"FROB", b"SELECT", b"LIST", b"FETCH 1", b"FETCH 1 (FLAGS", b"FETCH x FLAGS", b"STORE 1 FLAGS",
    b"STORE 1 +FLAGZ (\\Seen)", b"SEARCH ((SEEN)", b"CREATE", b"RENAME a", b"STATUS INBOX (BOGUS)",
    b"APPEND INBOX", b"UID FROB 1", b"ENABLE", b"LIST (BOGUS) \"\" *", b"FETCH 1 BODY[1.BOGUS]",
    b"FETCH 1 BINARY[TEXT]", b"COMPRESS", b"EXAMINE \"unterminated",
])
def test_malformed_commands_answer_bad_and_session_continues(c, bad):
    c.ok("SELECT INBOX")
    _, tagged = c.command(bad, tag="m1")
    assert tagged.startswith(b"m1 BAD "), (bad, tagged)
    _, tagged = c.command("NOOP", tag="m2")
    assert tagged == b"m2 OK NOOP completed\r\n"


def test_imaplib_and_imapclient_hit_the_same_limit(srv):
    addr, pw = srv.new_user()
    m = imaplib.IMAP4(HOST, srv.ports["imap"], timeout=TIMEOUT)
    m.login(addr, pw)
    typ, data = m.append("INBOX", None, None, b"Subject: big\r\n\r\n" + b"z" * LITERAL_LIMIT)
    assert typ == "NO" and data[0].startswith(b"[TOOBIG] "), (typ, data)
    assert m.noop()[0] == "OK"
    m.logout()
    ic = imapclient.IMAPClient(HOST, port=srv.ports["imap"], ssl=False, timeout=TIMEOUT)
    ic.login(addr, pw)
    with pytest.raises(imapclient.exceptions.IMAPClientError, match=r"TOOBIG"):
        ic.append("INBOX", b"Subject: big\r\n\r\n" + b"z" * LITERAL_LIMIT)
    ic.noop()
    ic.logout()
