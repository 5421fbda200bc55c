"""LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE and CREATE-SPECIAL-USE (RFC 6154),
driven by raw IMAP (exact lines), imaplib and imapclient."""
from __future__ import annotations

import imaplib

import imapclient
import pytest

from ternlib import HOST, IMAPConn, TIMEOUT


def logged_in(server, addr, pw) -> IMAPConn:
    c = server.imap_raw()
    assert c.readline().startswith(b"* OK ")
    c.login(addr, pw)
    return c


@pytest.fixture()
def account(server):
    """A fresh user with Work, Work/Projects (unsubscribed) and Work/Projects/Alpha (subscribed)."""
    addr, pw = server.new_user()
    with logged_in(server, addr, pw) as c:
        c.ok("CREATE Work/Projects/Alpha")
        c.ok("SUBSCRIBE Work/Projects/Alpha")
        c.ok("UNSUBSCRIBE Work")
        c.ok("UNSUBSCRIBE Work/Projects")
    return addr, pw


def test_capabilities_advertised(server, account):
    with logged_in(server, *account) as c:
        caps = c.ok("CAPABILITY")[0].split()
        for cap in (b"LIST-EXTENDED", b"LIST-STATUS", b"SPECIAL-USE", b"CREATE-SPECIAL-USE", b"CHILDREN"):
            assert cap in caps, caps


def test_basic_list_children_and_special_use(server, account):
    with logged_in(server, *account) as c:
        lines = c.ok('LIST "" "*"')
        assert b'* LIST (\\HasChildren) "/" "Work"\r\n' in lines, lines
        assert b'* LIST (\\HasChildren) "/" "Work/Projects"\r\n' in lines
        assert b'* LIST (\\HasNoChildren) "/" "Work/Projects/Alpha"\r\n' in lines
        assert b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n' in lines
        assert b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n' in lines


def test_return_subscribed_and_multiple_patterns(server, account):
    with logged_in(server, *account) as c:
        lines = c.ok('LIST "" (INBOX "Work/%" Dra*) RETURN (SUBSCRIBED CHILDREN)')
        assert lines == [
            b'* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"\r\n',
            b'* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"\r\n',
            b'* LIST (\\HasChildren) "/" "Work/Projects"\r\n',
        ], lines


def test_selection_subscribed_with_recursivematch(server, account):
    with logged_in(server, *account) as c:
        lines = c.ok('LIST (SUBSCRIBED) "" "Work*"')
        assert lines == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "Work/Projects/Alpha"\r\n'], lines
        lines = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
        assert b'* LIST (\\HasChildren) "/" "Work" ("CHILDINFO" ("SUBSCRIBED"))\r\n' in lines, lines
        assert b'* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"\r\n' in lines
        assert not any(b"Alpha" in line for line in lines)
        _, tagged = c.command('LIST (RECURSIVEMATCH) "" "%"', tag="r1")
        assert tagged.startswith(b"r1 BAD "), tagged
        c.ok("NOOP")


def test_selection_special_use(server, account):
    with logged_in(server, *account) as c:
        lines = c.ok('LIST (SPECIAL-USE) "" "*"')
        assert sorted(lines) == sorted([
            b'* LIST (\\HasNoChildren \\Archive) "/" "Archive"\r\n',
            b'* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"\r\n',
            b'* LIST (\\HasNoChildren \\Junk) "/" "Junk"\r\n',
            b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n',
            b'* LIST (\\HasNoChildren \\Trash) "/" "Trash"\r\n',
        ]), lines


def test_list_status(server, account):
    addr, pw = account
    server.deliver(addr, b"Subject: s\r\n\r\nbody\r\n")
    with logged_in(server, addr, pw) as c:
        lines = c.ok('LIST "" (INBOX Junk) RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))')
        assert lines == [
            b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n',
            b'* STATUS "INBOX" (MESSAGES 1 UNSEEN 1 UIDNEXT 2)\r\n',
            b'* LIST (\\HasNoChildren \\Junk) "/" "Junk"\r\n',
            b'* STATUS "Junk" (MESSAGES 0 UNSEEN 0 UIDNEXT 1)\r\n',
        ], lines


def test_create_special_use(server, account):
    with logged_in(server, *account) as c:
        c.ok("CREATE MyArchive (USE (\\Archive))")
        assert c.ok('LIST "" MyArchive') == [b'* LIST (\\HasNoChildren \\Archive) "/" "MyArchive"\r\n']
        _, tagged = c.command("CREATE Virtual (USE (\\All))", tag="u1")
        assert tagged.startswith(b"u1 NO [USEATTR] "), tagged
        _, tagged = c.command("CREATE Two (USE (\\Sent \\Trash))", tag="u2")
        assert tagged.startswith(b"u2 NO [USEATTR] "), tagged
        assert c.ok('LIST "" "Virtual"') == [] and c.ok('LIST "" "Two"') == []


def test_imaplib_list(server, account):
    addr, pw = account
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(addr, pw)
    typ, data = m.list('""', "Work/*")
    assert typ == "OK"
    assert data == [b'(\\HasChildren) "/" "Work/Projects"', b'(\\HasNoChildren) "/" "Work/Projects/Alpha"'], data
    typ, data = m.lsub('""', "*")
    assert typ == "OK" and b'"/" "Work/Projects/Alpha"' in b"\n".join(data) and not any(d.endswith(b' "Work"') for d in data)
    m.logout()


def test_imapclient_list_and_special_use(server, account):
    addr, pw = account
    c = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    c.login(addr, pw)
    folders = {name: flags for flags, _, name in c.list_folders()}
    assert folders["Sent"] == (b"\\HasNoChildren", b"\\Sent"), folders
    assert c.find_special_folder(imapclient.imapclient.SENT) == "Sent"
    assert c.find_special_folder(imapclient.imapclient.TRASH) == "Trash"
    c.create_folder("Outbox/Old")
    assert c.folder_exists("Outbox/Old")
    subscribed = {name for _, _, name in c.list_sub_folders()}
    assert {"INBOX", "Work/Projects/Alpha"} <= subscribed and "Work" not in subscribed, subscribed
    c.logout()
