"""Shared folders (RFC 4314 ACL, RFC 2342 other users' namespace) with `tern acl` and imaplib:
the owner shares a folder read-only, the grantee sees it under Shared/, can read but not store
flags; with write rights he can. The CLI changes the ACL of a running server."""
from __future__ import annotations

import imaplib
import time

from ternlib import DOMAIN


def _mail(subject: str) -> bytes:
    return (f"From: carol@remote.test\r\nTo: owner@{DOMAIN}\r\nSubject: {subject}\r\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nShared body\r\n").encode()


def _acl(server, *args) -> str:
    r = server.cli("acl", *args)
    assert r.returncode == 0, f"tern acl {args} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_share_read_only_then_read_write(server):
    owner, owner_pw = server.new_user("owner")
    reader, reader_pw = server.new_user("reader")
    shared = f"Shared/{owner}/Work"

    with server.imap(owner, owner_pw) as m:
        assert m.create("Work")[0] == "OK"
        assert m.append("Work", None, imaplib.Time2Internaldate(time.time()), _mail("Quarterly plan"))[0] == "OK"

    assert _acl(server, "set", owner, "Work", reader, "lr").strip() == f"Work {reader} lr"
    assert _acl(server, "list", owner).splitlines() == [f"Work {reader} lr"]

    with server.imap(reader, reader_pw) as m:
        typ, caps = m.capability()
        assert b"ACL" in caps[0].split() and b"RIGHTS=texk" in caps[0].split(), caps
        typ, data = m.namespace()
        assert data == [b'(("" "/")) (("Shared/" "/")) NIL'], data
        typ, lines = m.list('""', "Shared*")
        assert typ == "OK"
        assert lines == [
            b'(\\Noselect \\HasChildren) "/" "Shared"',
            f'(\\Noselect \\HasChildren) "/" "Shared/{owner}"'.encode(),
            f'(\\HasNoChildren) "/" "{shared}"'.encode(),
        ], lines
        # Read-only rights: SELECT answers [READ-ONLY] (RFC 4314 §5.2); imaplib raises for that
        # but stays in the selected state.
        try:
            m.select(f'"{shared}"')
            raise AssertionError("SELECT of a read-only share was not READ-ONLY")
        except imaplib.IMAP4.readonly:
            m.is_readonly = True  # what imaplib would know had we used EXAMINE
        assert m.state == "SELECTED"
        typ, data = m.fetch("1", "(BODY[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK" and b"Subject: Quarterly plan" in data[0][1], data
        typ, data = m.getacl(f'"{shared}"')
        assert typ == "NO", data
        typ, data = m.myrights(f'"{shared}"')
        assert data == [f'"{shared}" lr'.encode()], data
        # Read-only: storing flags is refused with [NOPERM] (RFC 4314 §4).
        typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
        assert typ == "NO" and data[0].startswith(b"[NOPERM]"), (typ, data)
        typ, data = m.fetch("1", "(FLAGS)")
        assert typ == "OK" and b"\\Flagged" not in data[0] and b"\\Seen" not in data[0], data

    # Read-write: the CLI adds rights; a new SELECT picks them up.
    assert _acl(server, "set", owner, "Work", reader, "+swite").strip() == f"Work {reader} lrswited"
    with server.imap(reader, reader_pw) as m:
        typ, data = m.select(f'"{shared}"')
        assert typ == "OK", data
        assert m.untagged_responses.get("READ-WRITE") is not None, m.untagged_responses
        typ, data = m.store("1", "+FLAGS", "(\\Flagged \\Seen)")
        assert typ == "OK" and b"\\Flagged" in data[0] and b"\\Seen" in data[0], data
        typ, data = m.append(f'"{shared}"', None, None, _mail("Reply"))
        assert typ == "OK", data
        typ, data = m.status(f'"{shared}"', "(MESSAGES)")
        assert data == [f'"{shared}" (MESSAGES 2)'.encode()], data

    # The owner sees the reader's flags: flags (\Seen included) are shared.
    with server.imap(owner, owner_pw) as m:
        m.select("Work")
        typ, data = m.fetch("1", "(FLAGS)")
        assert b"\\Flagged" in data[0] and b"\\Seen" in data[0], data
        typ, data = m.getacl("Work")
        assert data == [f'"Work" {owner} lrswipkxtecda {reader} lrswited'.encode()], data

    # Taking the share back hides the folder again.
    assert "entry removed" in _acl(server, "delete", owner, "Work", reader)
    assert _acl(server, "list", owner, "Work") == ""
    with server.imap(reader, reader_pw) as m:
        typ, lines = m.list('""', "Shared*")
        assert lines == [None], lines
        typ, data = m.select(f'"{shared}"')
        assert typ == "NO", data


def test_acl_cli_refusals(server):
    owner, _ = server.new_user("owner")
    other, _ = server.new_user("other")
    r = server.cli("acl", "set", owner, "Nowhere", other, "lr")
    assert r.returncode != 0 and "no mailbox Nowhere" in r.stderr, r
    r = server.cli("acl", "set", owner, "INBOX", other, "lrq")
    assert r.returncode != 0 and "The q right is not supported" in r.stderr, r
    r = server.cli("acl", "set", owner, "INBOX", f"nobody@{DOMAIN}", "lr")
    assert r.returncode != 0 and "no account" in r.stderr, r
    r = server.cli("acl", "set", owner, "INBOX", owner, "lr")
    assert r.returncode != 0 and "always has every right" in r.stderr, r
    assert _acl(server, "set", owner, "inbox", "anyone", "l").strip() == "INBOX anyone l"
