"""Migration of existing mail (issue 7 item 7): a real Dovecot Maildir++ built by Dovecot itself
over IMAP is imported with `tern import maildir` and compared over IMAP (folders, bytes, flags,
keywords, UIDs, UIDVALIDITY, INTERNALDATE, subscriptions); mbox import is checked against
Python's `mailbox`; `tern export maildir` is read back by Dovecot with the same UIDs.
"""
from __future__ import annotations

import imaplib
import mailbox
import re
import shutil
import time

import pytest

from dovecotlib import Dovecot

ADDRESS = "bob@example.test"

FETCH_RE = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"")


def imap_view(m: imaplib.IMAP4, delimiter: str) -> dict:
    """{mailbox (levels joined by '/'): {"uidvalidity", "subscribed", "messages": {uid: (flags, date, bytes)}}}"""
    typ, listing = m.list()
    assert typ == "OK", listing
    names = []
    for line in listing:
        match = re.match(rb'\((?P<attrs>[^)]*)\) (?:"(?P<d>[^"]*)"|NIL) (?P<name>.+)$', line)
        assert match, line
        name = match.group("name").decode()
        if name.startswith('"'):
            name = name[1:-1]
        names.append(name)
    typ, lsub = m.lsub()
    subscribed = set()
    for line in lsub or []:
        if line:
            name = line.decode().rsplit(" ", 1)[1].strip('"')
            subscribed.add(name.replace(delimiter, "/"))
    view = {}
    for name in names:
        typ, data = m.select(f'"{name}"', readonly=True)
        assert typ == "OK", (name, data)
        uidvalidity = int(m.untagged_responses.get("UIDVALIDITY", [b"0"])[0])
        messages = {}
        if int(data[0]) > 0:
            typ, data = m.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            assert typ == "OK", data
            for item in data:
                if not isinstance(item, tuple):
                    continue
                uid = flags = date = None
                for g in FETCH_RE.finditer(item[0]):
                    if g.group(1):
                        uid = int(g.group(1))
                    if g.group(2) is not None:
                        flags = frozenset(f for f in g.group(2).decode().split() if f != "\\Recent")
                    if g.group(3):
                        date = time.mktime(imaplib.Internaldate2tuple(b'INTERNALDATE "' + g.group(3) + b'"'))
                messages[uid] = (flags, date, item[1])
        view[name.replace(delimiter, "/")] = {"uidvalidity": uidvalidity, "subscribed": name.replace(delimiter, "/") in subscribed,
                                              "messages": messages}
        m.close()
    return view


def message(n: int, extra: str = "") -> bytes:
    return (f"From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: message {n} {extra}\r\n"
            f"Date: Tue, 24 Nov 2026 10:{n:02d}:00 +0000\r\nMessage-ID: <m{n}@remote.test>\r\n\r\n"
            f"Body of message {n}.\r\nSecond line.\r\n").encode()


@pytest.fixture()
def dovecot():
    d = Dovecot({"bob": "bobpass123"})
    yield d
    d.cleanup()


def build_dovecot_mailbox(d: Dovecot):
    """Mail as Postfix would deliver it (files in new/, LF line ends), then folders, appends,
    flags, keywords, an expunge and subscriptions done by Dovecot over IMAP."""
    inbox = d.maildir("bob")
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for n in (1, 2):
        (inbox / "new" / f"170000000{n}.M{n}P1.mx.example.test").write_bytes(message(n, "delivered").replace(b"\r\n", b"\n"))
    d.chown_tree(inbox)
    d.start()
    m = d.imap("bob")
    for name in ("Work", "Work.Projects", "Entw&APw-rfe", "Sent", "Old"):
        assert m.create(name)[0] == "OK"
    m.subscribe("Work")
    m.subscribe("Entw&APw-rfe")
    date = imaplib.Time2Internaldate(time.mktime((2026, 11, 20, 9, 30, 0, 0, 0, 0)))
    for n in (3, 4, 5):
        assert m.append("INBOX", "", date, message(n))[0] == "OK"
    assert m.append("Work", r"(\Flagged $Label1)", date, message(6))[0] == "OK"
    assert m.append("Work", "(Important)", date, message(7))[0] == "OK"
    assert m.append("Work.Projects", r"(\Seen)", date, message(8))[0] == "OK"
    assert m.append("Entw&APw-rfe", r"(\Draft)", date, message(9, "Entwurf"))[0] == "OK"
    assert m.append("Sent", r"(\Seen)", date, message(10))[0] == "OK"
    m.select("INBOX")
    assert m.uid("STORE", "1", "+FLAGS", r"(\Seen \Answered Important)")[0] == "OK"
    assert m.uid("STORE", "3", "+FLAGS", r"(\Deleted)")[0] == "OK"
    assert m.expunge()[0] == "OK"
    assert m.uid("STORE", "4", "+FLAGS", r"($Forwarded)")[0] == "OK"
    m.close()
    view = imap_view(m, ".")
    m.logout()
    d.stop()
    return view


def assert_same(before: dict, after: dict, check_subscriptions=True):
    for name, folder in before.items():
        assert name in after, f"{name} missing after import; have {sorted(after)}"
        got = after[name]
        assert got["uidvalidity"] == folder["uidvalidity"], name
        assert sorted(got["messages"]) == sorted(folder["messages"]), name
        for uid, (flags, date, body) in folder["messages"].items():
            g_flags, g_date, g_body = got["messages"][uid]
            assert g_body == body, (name, uid)
            assert g_flags == flags, (name, uid, g_flags, flags)
            assert g_date == date, (name, uid)
        if check_subscriptions and name != "INBOX":
            assert got["subscribed"] == folder["subscribed"], name


def test_import_dovecot_maildir_keeps_everything(dovecot, make_server):
    before = build_dovecot_mailbox(dovecot)
    # Sanity: Dovecot's own view has what we made.
    assert sorted(before) == ["Entw&APw-rfe", "INBOX", "Old", "Sent", "Work", "Work/Projects"]
    assert sorted(before["INBOX"]["messages"]) == [1, 2, 4, 5]
    assert before["INBOX"]["messages"][1][0] == frozenset({"\\Seen", "\\Answered", "Important"})

    server = make_server(roles=("imap",), users=("bob",))
    r = server.cli("import", "maildir", ADDRESS, str(dovecot.maildir("bob")))
    assert r.returncode == 0, r.stderr
    assert "total: 9 imported in 6 mailboxes" in r.stdout, r.stdout
    assert "INBOX: 4 imported (4 in source)" in r.stdout, r.stdout

    m = server.imap(ADDRESS, server.users[ADDRESS])
    after = imap_view(m, "/")
    m.logout()
    assert_same(before, after)

    # Running it again (an interrupted import resumed) adds nothing.
    r = server.cli("import", "maildir", ADDRESS, str(dovecot.maildir("bob")))
    assert r.returncode == 0, r.stderr
    assert "total: 0 imported, 9 already present in 6 mailboxes" in r.stdout, r.stdout

    # A message the user expunged after the import is not brought back by another run.
    m = server.imap(ADDRESS, server.users[ADDRESS])
    m.select("Work")
    assert m.uid("STORE", "1", "+FLAGS", r"(\Deleted)")[0] == "OK"
    assert m.expunge()[0] == "OK"
    m.logout()
    r = server.cli("import", "maildir", ADDRESS, str(dovecot.maildir("bob")))
    assert "total: 0 imported, 9 already present in 6 mailboxes" in r.stdout, r.stdout
    m = server.imap(ADDRESS, server.users[ADDRESS])
    m.select("Work")
    assert m.uid("SEARCH", "ALL")[1][0].split() == [b"2"]
    m.logout()

    # New mail after the import continues the UID sequence (no reuse).
    m = server.imap(ADDRESS, server.users[ADDRESS])
    assert m.append("INBOX", "", None, message(11))[0] == "OK"
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "ALL")
    assert data[0].split() == [b"1", b"2", b"4", b"5", b"6"]
    m.logout()


def test_export_is_read_by_dovecot_with_the_same_uids(dovecot, make_server):
    before = build_dovecot_mailbox(dovecot)
    server = make_server(roles=("imap",), users=("bob",))
    assert server.cli("import", "maildir", ADDRESS, str(dovecot.maildir("bob"))).returncode == 0
    m = server.imap(ADDRESS, server.users[ADDRESS])
    tern_view = imap_view(m, "/")
    m.logout()

    exported = dovecot.maildir("bob")
    shutil.rmtree(exported)
    r = server.cli("export", "maildir", ADDRESS, str(exported))
    assert r.returncode == 0, r.stderr
    assert "total: 9 exported in 10 mailboxes" in r.stdout, r.stdout
    dovecot.chown_tree(exported)
    dovecot.start()
    m = dovecot.imap("bob")
    dovecot_view = imap_view(m, ".")
    m.logout()
    assert_same(before, dovecot_view)
    # Tern's own default folders come back too, and every folder matches Tern's view.
    assert_same(tern_view, dovecot_view)


def test_import_mbox_matches_python_mailbox(tmp_path, make_server):
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(str(path))
    flags = ["RO", "", "F", "RA", "ROD"]
    for n, f in enumerate(flags, start=1):
        msg = mailbox.mboxMessage(message(n).replace(b"\r\n", b"\n"))
        msg.set_from("alice@remote.test", time.gmtime(1795946400 + n * 60))
        msg.set_flags(f)
        box.add(msg)
    box.flush()
    expected = [(box.get_bytes(k), box.get_message(k).get_flags()) for k in box.keys()]
    box.close()

    server = make_server(roles=("imap",), users=("bob",))
    r = server.cli("import", "mbox", ADDRESS, str(path), "--folder", "Archive/2026")
    assert r.returncode == 0, r.stderr
    assert "Archive/2026: 5 imported (5 in source)" in r.stdout, r.stdout
    m = server.imap(ADDRESS, server.users[ADDRESS])
    view = imap_view(m, "/")
    m.logout()
    got = view["Archive/2026"]["messages"]
    assert sorted(got) == [1, 2, 3, 4, 5]
    letter = {"R": "\\Seen", "A": "\\Answered", "F": "\\Flagged", "D": "\\Deleted", "T": "\\Draft"}
    for uid, (raw, f) in enumerate(expected, start=1):
        g_flags, g_date, g_body = got[uid]
        assert g_body == raw.replace(b"\n", b"\r\n"), uid
        assert g_flags == frozenset(letter[c] for c in f if c in letter), (uid, f, g_flags)
        assert g_date == 1795946400 + uid * 60, uid
    # Importing again stores nothing twice.
    r = server.cli("import", "mbox", ADDRESS, str(path), "--folder", "Archive/2026")
    assert "Archive/2026: 0 imported, 5 already present (5 in source)" in r.stdout, r.stdout


def test_import_errors_are_clear(tmp_path, make_server):
    server = make_server(roles=("imap",), users=("bob",), start=False)
    r = server.cli("import", "maildir", ADDRESS, str(tmp_path))
    assert r.returncode == 1
    assert f"{tmp_path} is not a Maildir" in r.stderr
    r = server.cli("import", "maildir", "nobody@example.test", str(tmp_path))
    assert r.returncode == 1
    assert "no account nobody@example.test; create it first with `tern user add nobody@example.test`" in r.stderr
    r = server.cli("import", "mbox", ADDRESS, str(tmp_path / "missing.mbox"))
    assert r.returncode == 1
    assert "cannot read" in r.stderr
