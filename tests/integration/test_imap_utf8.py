"""UTF8=ACCEPT (RFC 6855) and modified UTF-7 mailbox names (RFC 9051 §5.1.3): raw IMAP with exact
lines, imaplib, and imapclient's own modified UTF-7 encoding."""
from __future__ import annotations

import imaplib

import imapclient
import pytest

from ternlib import HOST, IMAPConn, TIMEOUT


@pytest.fixture()
def acct(server):
    return server.new_user()


def logged_in(server, addr, pw) -> IMAPConn:
    c = server.imap_raw()
    assert c.readline().startswith(b"* OK ")
    c.login(addr, pw)
    return c


def test_modified_utf7_until_enabled_then_utf8(server, acct):
    with logged_in(server, *acct) as c:
        assert b" UTF8=ACCEPT" in c.ok("CAPABILITY")[0]
        c.ok("CREATE Gr&APwA3w-e")
        assert c.ok('LIST "" "Gr*"') == [b'* LIST (\\HasNoChildren) "/" "Gr&APwA3w-e"\r\n']
        assert c.ok("ENABLE UTF8=ACCEPT") == [b"* ENABLED UTF8=ACCEPT\r\n"]
        assert c.ok('LIST "" "Gr*"') == ['* LIST (\\HasNoChildren) "/" "Grüße"\r\n'.encode()]
        assert c.ok('STATUS "Grüße" (MESSAGES)') == ['* STATUS "Grüße" (MESSAGES 0)\r\n'.encode()]
        c.ok('CREATE "Tom&Jerry-"')  # no longer modified UTF-7: taken as written
        assert c.ok('LIST "" "Tom*"') == [b'* LIST (\\HasNoChildren) "/" "Tom&Jerry-"\r\n']
        msg = "Subject: Grüße\r\nFrom: jürgen@例え.test\r\n\r\nÜber\r\n".encode()
        c.send('a1 APPEND "Grüße" UTF8 (~{%d+}\r\n'.encode() % len(msg) + msg + b")\r\n")
        _, tagged = c.until_tagged("a1")
        assert tagged.startswith(b"a1 OK [APPENDUID "), tagged
        untagged = c.ok('SELECT "Grüße"')
        assert b"* 1 EXISTS\r\n" in untagged
        assert c.ok("FETCH 1 BODY.PEEK[]") == [b"* 1 FETCH (BODY[] {%d}\r\n" % len(msg) + msg + b")\r\n"]
    with logged_in(server, *acct) as c:
        lines = c.ok('LIST "" "*"')
        assert b'* LIST (\\HasNoChildren) "/" "Gr&APwA3w-e"\r\n' in lines, lines
        assert b'* LIST (\\HasNoChildren) "/" "Tom&-Jerry-"\r\n' in lines, lines


def test_imaplib_utf8_accept(server, acct):
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(*acct)
    assert m.enable("UTF8=ACCEPT") == ("OK", [b"ENABLE completed"])
    assert m.create('"Ελληνικά"')[0] == "OK"
    typ, data = m.list('""', '"Ελ*"')
    assert typ == "OK" and data == ['(\\HasNoChildren) "/" "Ελληνικά"'.encode()], data
    assert m.select('"Ελληνικά"')[0] == "OK"
    m.logout()


def test_imapclient_modified_utf7_round_trip(server, acct):
    c = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    c.login(*acct)
    c.create_folder("Входящие/Архив")
    names = [name for _, _, name in c.list_folders()]
    assert "Входящие" in names and "Входящие/Архив" in names, names
    assert c.select_folder("Входящие/Архив")[b"EXISTS"] == 0
    c.rename_folder("Входящие/Архив", "Входящие/日本語")
    assert c.folder_exists("Входящие/日本語") and not c.folder_exists("Входящие/Архив")
    c.logout()
