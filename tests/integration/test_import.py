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


def make_maildir(root, files: dict[str, bytes], uidlist: str | None = None, keywords: str | None = None):
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    if uidlist is not None:
        (root / "dovecot-uidlist").write_text(uidlist)
    if keywords is not None:
        (root / "dovecot-keywords").write_text(keywords)


def uids_and_subjects(server, folder="INBOX") -> list[tuple[int, bytes]]:
    m = server.imap(ADDRESS, server.users[ADDRESS])
    m.select(f'"{folder}"', readonly=True)
    typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    m.logout()
    out = []
    for item in data:
        if isinstance(item, tuple):
            uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
            out.append((uid, item[1].strip()))
    return sorted(out)


def test_rerun_after_the_source_changed_loses_nothing(tmp_path, make_server):
    """Files Dovecot had not listed get Tern's UIDs; when Dovecot later lists other files under those
    numbers, a rerun still imports each message exactly once (import-state records what was stored)."""
    root = tmp_path / "Maildir"
    make_maildir(root, {"cur/1.a:2,S": message(1), "cur/2.b:2,": message(2), "new/200.A": message(20)},
                 uidlist="3 V777 N3\n1 :1.a\n2 :2.b\n")
    server = make_server(roles=("imap",), users=("bob",))
    assert "INBOX: 3 imported" in server.cli("import", "maildir", ADDRESS, str(root)).stdout
    # Meanwhile Dovecot saw a new file first and numbered both its way.
    (root / "new" / "150.C").write_bytes(message(15))
    (root / "dovecot-uidlist").write_text("3 V777 N5\n1 :1.a\n2 :2.b\n3 :150.C\n4 :200.A\n")
    r = server.cli("import", "maildir", ADDRESS, str(root))
    assert "INBOX: 1 imported, 3 already present (4 in source)" in r.stdout, r.stdout
    got = uids_and_subjects(server)
    subjects = [s for _, s in got]
    assert len(subjects) == 4 and len(set(subjects)) == 4, got
    assert len({u for u, _ in got}) == 4


def test_rerun_of_a_rewritten_mbox_imports_only_the_new_messages(tmp_path, make_server):
    path = tmp_path / "a.mbox"
    def write(ns):
        path.write_bytes(b"".join(b"From x@y Tue Nov 24 10:00:00 2026\n" + message(n).replace(b"\r\n", b"\n") + b"\n" for n in ns))
    write([1, 2])
    server = make_server(roles=("imap",), users=("bob",))
    assert "INBOX: 2 imported" in server.cli("import", "mbox", ADDRESS, str(path)).stdout
    write([2, 3, 4])
    r = server.cli("import", "mbox", ADDRESS, str(path))
    assert "INBOX: 2 imported, 1 already present (3 in source)" in r.stdout, r.stdout
    assert [u for u, _ in uids_and_subjects(server)] == [1, 2, 3, 4]


def test_uids_near_the_32_bit_limit_are_renumbered(tmp_path, make_server):
    root = tmp_path / "Maildir"
    make_maildir(root, {"cur/100.a:2,S": message(1), "cur/200.b:2,": message(2), "cur/300.c:2,": message(3)},
                 uidlist="3 V12345 N4294967295\n1 :100.a\n4294967294 :200.b\n")
    server = make_server(roles=("imap",), users=("bob",))
    r = server.cli("import", "maildir", ADDRESS, str(root))
    assert r.returncode == 0, r.stderr
    assert "near the 32-bit limit; messages were renumbered" in r.stdout, r.stdout
    m = server.imap(ADDRESS, server.users[ADDRESS])
    for n in range(3):
        assert m.append("INBOX", "", None, message(10 + n))[0] == "OK"
    m.select("INBOX")
    uids = [int(u) for u in m.uid("SEARCH", "ALL")[1][0].split()]
    m.logout()
    assert len(uids) == len(set(uids)) == 6 and max(uids) < 2 ** 31, uids


def test_bad_names_keywords_and_inputs_are_refused_cleanly(tmp_path, make_server):
    root = tmp_path / "Maildir"
    make_maildir(root, {"cur/1.a:2,Sab": message(1)}, uidlist="3 V9 N2\n1 :1.a\n", keywords="0 foo bar\n1 $Label1\n")
    for bad in (".&AA0ACg-evil", ".a..b"):
        make_maildir(root / bad, {"cur/1.x:2,S": message(2)})
    server = make_server(roles=("imap",), users=("bob",))
    r = server.cli("import", "maildir", ADDRESS, str(root))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("mailbox name IMAP cannot use") == 2, r.stdout
    m = server.imap(ADDRESS, server.users[ADDRESS])
    m.select("INBOX")
    typ, data = m.uid("FETCH", "1", "(FLAGS)")
    assert data[0] == b"1 (UID 1 FLAGS (\\Seen $Label1 \\Recent))", data  # imported, then first selected here
    typ, listing = m.list()
    assert not any(b"evil" in line for line in listing), listing
    m.logout()
    # mbox inputs that used to crash the importer
    r = server.cli("import", "mbox", ADDRESS, str(tmp_path))
    assert r.returncode == 1 and "is a directory, not an mbox file" in r.stderr, r.stderr
    odd = tmp_path / "odd.mbox"
    odd.write_bytes(b"From a@b Tue Nov 24 10:00:00 99999999999999999\nSubject: x\n\nbody\nFrom x")
    r = server.cli("import", "mbox", ADDRESS, str(odd), "--folder", "Odd")
    assert r.returncode == 0 and "Odd: 1 imported" in r.stdout, (r.stdout, r.stderr)
    r = server.cli("import", "mbox", ADDRESS, str(odd), "--folder", "")
    assert r.returncode == 1 and "is not a mailbox name IMAP can use" in r.stderr, r.stderr
