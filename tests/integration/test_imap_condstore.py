"""CONDSTORE and QRESYNC (RFC 7162): MODSEQ per message, HIGHESTMODSEQ, CHANGEDSINCE,
UNCHANGEDSINCE/[MODIFIED], SEARCH MODSEQ, VANISHED, and what other sessions see."""
from __future__ import annotations

import re

import pytest

from ternlib import HOST, split_trace

MSGS = [b"From: a@remote.test\r\nTo: bob@example.test\r\nSubject: m%d\r\n\r\nbody %d\r\n" % (i, i) for i in (1, 2, 3)]


@pytest.fixture()
def box(server):
    """A fresh account with three messages in INBOX. A new mailbox starts at HIGHESTMODSEQ 1 and
    every delivery takes the next MODSEQ, so the messages carry 2, 3 and 4."""
    addr, pw = server.new_user()
    for m in MSGS:
        server.deliver(addr, m)
    assert [split_trace(s)[1] for s in server.fetch_all(addr)] == MSGS
    return addr, pw


def session(server, addr, pw):
    c = server.imap_raw()
    assert c.readline().startswith(b"* OK ")
    c.login(addr, pw)
    return c


def test_capabilities_advertised(server):
    with server.imap_raw() as c:
        c.readline()
        caps = c.ok("CAPABILITY")[0].decode().split()
        for cap in ("CONDSTORE", "QRESYNC", "QUOTA", "QUOTA=RES-STORAGE", "APPENDLIMIT=52428800"):
            assert cap in caps, (cap, caps)


def test_select_condstore_fetch_modseq_and_status(server, box):
    with session(server, *box) as c:
        untagged, tagged = c.command("SELECT INBOX (CONDSTORE)")
        assert tagged == b"t2 OK [READ-WRITE] SELECT completed\r\n"
        assert b"* OK [HIGHESTMODSEQ 4] Highest\r\n" in untagged
        assert c.ok("FETCH 1:* (MODSEQ)") == [b"* 1 FETCH (MODSEQ (2))\r\n", b"* 2 FETCH (MODSEQ (3))\r\n", b"* 3 FETCH (MODSEQ (4))\r\n"]
        # CONDSTORE enabled by SELECT: STORE answers carry MODSEQ; one STORE shares one new MODSEQ.
        assert c.ok("STORE 1,3 +FLAGS (\\Flagged)") == [b"* 1 FETCH (FLAGS (\\Flagged) MODSEQ (5))\r\n",
                                                       b"* 3 FETCH (FLAGS (\\Flagged) MODSEQ (5))\r\n"]
        # A STORE that changes nothing keeps the MODSEQ.
        assert c.ok("STORE 1 +FLAGS (\\Flagged)") == [b"* 1 FETCH (FLAGS (\\Flagged) MODSEQ (5))\r\n"]
        assert c.ok("STATUS INBOX (HIGHESTMODSEQ MESSAGES)") == [b'* STATUS "INBOX" (HIGHESTMODSEQ 5 MESSAGES 3)\r\n']


def test_changedsince_and_search_modseq(server, box):
    with session(server, *box) as c:
        c.ok("SELECT INBOX")
        assert c.ok("STORE 2 +FLAGS.SILENT (\\Seen)") == []  # MODSEQ 5; CONDSTORE not enabled yet: nothing
        # CHANGEDSINCE enables CONDSTORE (RFC 7162 §3.1.8): the mailbox's HIGHESTMODSEQ comes first.
        assert c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE 3)") == [b"* OK [HIGHESTMODSEQ 5] Highest\r\n", b"* 2 FETCH (FLAGS (\\Seen) MODSEQ (5))\r\n",
                                                                b"* 3 FETCH (FLAGS () MODSEQ (4))\r\n"]
        assert c.ok("UID FETCH 1:* (UID) (CHANGEDSINCE 4)") == [b"* 2 FETCH (UID 2 MODSEQ (5))\r\n"]
        assert c.ok("SEARCH MODSEQ 4") == [b"* SEARCH 2 3 (MODSEQ 5)\r\n"]
        assert c.ok('UID SEARCH MODSEQ "/flags/\\\\seen" all 5') == [b"* SEARCH 2 (MODSEQ 5)\r\n"]
        assert c.ok("SEARCH MODSEQ 6") == [b"* SEARCH\r\n"]
        untagged, tagged = c.command("FETCH 1 (FLAGS) (CHANGEDSINCE x)")
        assert tagged.startswith(b"t9 BAD "), tagged


def test_unchangedsince_reports_modified(server, box):
    with session(server, *box) as c:
        c.ok("SELECT INBOX")
        # 1 (MODSEQ 2) and 2 (3) pass UNCHANGEDSINCE 3, 3 (4) fails; .SILENT still reports the new
        # MODSEQ of what changed (RFC 7162 §3.1.3), after the HIGHESTMODSEQ of the enabling command.
        untagged, tagged = c.command("STORE 1:3 (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted)")
        assert untagged == [b"* OK [HIGHESTMODSEQ 4] Highest\r\n", b"* 1 FETCH (MODSEQ (5))\r\n", b"* 2 FETCH (MODSEQ (5))\r\n"]
        assert tagged == b"t3 OK [MODIFIED 3] Conditional STORE failed\r\n"
        untagged, tagged = c.command("UID STORE 1:3 (UNCHANGEDSINCE 0) -FLAGS (\\Deleted)")
        assert untagged == [] and tagged == b"t4 OK [MODIFIED 1:3] Conditional UID STORE failed\r\n"
        untagged, tagged = c.command("UID STORE 3 (UNCHANGEDSINCE 4) FLAGS (\\Answered)")
        assert untagged == [b"* 3 FETCH (UID 3 FLAGS (\\Answered) MODSEQ (6))\r\n"]
        assert tagged == b"t5 OK UID STORE completed\r\n"
        assert c.ok("FETCH 1:3 (FLAGS MODSEQ)") == [b"* 1 FETCH (FLAGS (\\Deleted) MODSEQ (5))\r\n",
                                                    b"* 2 FETCH (FLAGS (\\Deleted) MODSEQ (5))\r\n",
                                                    b"* 3 FETCH (FLAGS (\\Answered) MODSEQ (6))\r\n"]


def test_qresync_select_vanished_and_closed(server, box):
    with session(server, *box) as c:
        untagged, tagged = c.command("SELECT INBOX (QRESYNC (1 1))")
        assert tagged.startswith(b"t2 BAD "), tagged  # QRESYNC must be enabled first
        assert c.ok("ENABLE QRESYNC") == [b"* ENABLED QRESYNC\r\n"]
        untagged = c.ok("SELECT INBOX")
        validity = int(re.search(rb"UIDVALIDITY (\d+)", b"".join(untagged)).group(1))
        c.ok("STORE 3 +FLAGS.SILENT (\\Seen)")  # 5: silent under CONDSTORE → * 3 FETCH (MODSEQ (5))
        untagged = c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        assert untagged == [b"* 1 FETCH (MODSEQ (6))\r\n"]
        assert c.ok("EXPUNGE") == [b"* VANISHED 1\r\n"]  # QRESYNC: VANISHED replaces EXPUNGE (modseq 7)
        # A client that knew the mailbox at MODSEQ 4 learns what changed since, on SELECT.
        untagged, tagged = c.command(f"SELECT INBOX (QRESYNC ({validity} 4 1:3))")
        assert untagged[0] == b"* OK [CLOSED] Previous mailbox is now closed\r\n"
        assert b"* OK [HIGHESTMODSEQ 7] Highest\r\n" in untagged
        i = untagged.index(b"* OK [HIGHESTMODSEQ 7] Highest\r\n")
        assert untagged[i + 1:i + 3] == [b"* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (5))\r\n", b"* VANISHED (EARLIER) 1\r\n"]
        assert tagged == b"t8 OK [READ-WRITE] SELECT completed\r\n"
        # Known UIDs limit VANISHED (EARLIER); a wrong UIDVALIDITY means a plain SELECT.
        untagged = c.ok(f"EXAMINE INBOX (QRESYNC ({validity} 4 2:3))")
        assert not any(b"VANISHED" in u for u in untagged) and any(b"FETCH" in u for u in untagged)
        untagged = c.ok(f"EXAMINE INBOX (QRESYNC ({validity + 1} 4))")
        assert not any(b"VANISHED" in u or b"FETCH" in u for u in untagged)
        # UID FETCH ... (CHANGEDSINCE n VANISHED)
        assert c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4 VANISHED)") == [
            b"* VANISHED (EARLIER) 1\r\n", b"* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (5))\r\n"]
        untagged, tagged = c.command("FETCH 1:* (FLAGS) (CHANGEDSINCE 4 VANISHED)")
        assert tagged.startswith(b"t12 BAD "), tagged  # VANISHED only with UID FETCH


def test_vanished_needs_qresync_and_changedsince(server, box):
    with session(server, *box) as c:
        c.ok("SELECT INBOX")
        untagged, tagged = c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        assert tagged.startswith(b"t3 BAD "), tagged
        c.ok("ENABLE QRESYNC")
        untagged, tagged = c.command("UID FETCH 1:* (FLAGS) (VANISHED)")
        assert tagged.startswith(b"t5 BAD "), tagged


def test_other_session_sees_flags_with_modseq_and_vanished_only_when_allowed(server, box):
    addr, pw = box
    with session(server, addr, pw) as a, session(server, addr, pw) as b:
        a.ok("SELECT INBOX")
        b.ok("ENABLE QRESYNC")
        b.ok("SELECT INBOX")
        a.ok("STORE 2 +FLAGS (\\Flagged)")  # MODSEQ 5
        assert b.ok("NOOP") == [b"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (5))\r\n"]
        a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")  # 6
        a.ok("EXPUNGE")  # 7; A (no QRESYNC) saw "* 1 EXPUNGE"
        # FETCH by sequence number must not shift numbers (RFC 9051 §7.4.1): VANISHED waits, and the
        # expunged message keeps its number meanwhile.
        assert b.ok("FETCH 3 (UID)") == [b"* 3 FETCH (UID 3)\r\n"]
        assert b.ok("SEARCH ALL") == [b"* SEARCH 1 2 3\r\n"]
        assert b.ok("STORE 2 +FLAGS (\\Seen)") == [b"* 2 FETCH (FLAGS (\\Flagged \\Seen) MODSEQ (8))\r\n"]
        assert b.ok("NOOP") == [b"* VANISHED 1\r\n"]
        assert b.ok("FETCH 1:* (UID)") == [b"* 1 FETCH (UID 2)\r\n", b"* 2 FETCH (UID 3)\r\n"]
        # A saw B's flag change (MODSEQ 8) without MODSEQ: it never enabled CONDSTORE.
        assert a.ok("NOOP") == [b"* 1 FETCH (UID 2 FLAGS (\\Flagged \\Seen))\r\n"]
        # UIDs are never reused: a new message after the expunge gets UID 4.
        a.ok("APPEND INBOX {5+}\r\nhello")
        assert b.ok("NOOP") == [b"* 3 EXISTS\r\n", b"* 0 RECENT\r\n"]  # A's APPEND: \\Recent went to A (RFC 3501 §2.3.2)
        assert b.ok("FETCH 3 (UID MODSEQ)") == [b"* 3 FETCH (UID 4 MODSEQ (9))\r\n"]


def test_expunged_record_survives_restart(make_server):
    s = make_server(users=())
    addr, pw = s.new_user()
    for m in MSGS:
        s.deliver(addr, m)
    with session(s, addr, pw) as c:
        c.ok("SELECT INBOX")
        c.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
        c.ok("UID EXPUNGE 2")
        validity = int(re.search(rb"UIDVALIDITY (\d+)", b"".join(c.ok("EXAMINE INBOX"))).group(1))
    s.restart()
    with session(s, addr, pw) as c:
        c.ok("ENABLE QRESYNC")
        untagged = c.ok(f"SELECT INBOX (QRESYNC ({validity} 4))")
        assert b"* VANISHED (EARLIER) 2\r\n" in untagged
        assert b"* OK [HIGHESTMODSEQ 6] Highest\r\n" in untagged


def test_idle_carries_modseq_and_vanished(server, box):
    addr, pw = box
    with session(server, addr, pw) as a, session(server, addr, pw) as b:
        a.ok("SELECT INBOX")
        b.ok("ENABLE QRESYNC")
        b.ok("SELECT INBOX")
        b.send(b"i1 IDLE\r\n")
        assert b.readline().startswith(b"+ ")
        a.ok("STORE 3 +FLAGS (\\Seen)")   # MODSEQ 5
        b.sock.settimeout(2.0)
        assert b.readline() == b"* 3 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (5))\r\n"
        a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")   # 6
        assert b.readline() == b"* 2 FETCH (UID 2 FLAGS (\\Deleted) MODSEQ (6))\r\n"
        a.ok("EXPUNGE")  # 7
        assert b.readline() == b"* VANISHED 2\r\n"
        b.sock.settimeout(10)
        b.send(b"DONE\r\n")
        untagged, tagged = b.until_tagged("i1")
        assert untagged == [] and tagged == b"i1 OK IDLE terminated\r\n"
        assert b.ok("UID SEARCH ALL") == [b"* SEARCH 1 3\r\n"]


def test_esearch_carries_modseq(server, box):
    with session(server, *box) as c:
        assert c.ok("ENABLE IMAP4rev2 CONDSTORE") == [b"* ENABLED IMAP4rev2 CONDSTORE\r\n"]
        c.ok("SELECT INBOX")
        assert c.ok("UID SEARCH MODSEQ 3") == [b'* ESEARCH (TAG "t4") UID ALL 2:3 MODSEQ 4\r\n']
        assert c.ok("SEARCH MODSEQ 9") == [b'* ESEARCH (TAG "t5")\r\n']
        assert c.ok("SEARCH ALL") == [b'* ESEARCH (TAG "t6") ALL 1:3\r\n']


def test_imapclient_parses_condstore_and_quota(make_server):
    """An independent client library (imapclient, PyPI) reads our CONDSTORE and QUOTA responses."""
    imapclient = pytest.importorskip("imapclient")
    s = make_server(sections={"limits": {"quota_storage": "1M"}}, users=())
    addr, pw = s.new_user()
    for m in MSGS:
        s.deliver(addr, m)
    c = imapclient.IMAPClient(HOST, port=s.ports["imap"], ssl=False, timeout=10)
    try:
        c.login(addr, pw)
        assert set(c.enable("QRESYNC")) == {b"QRESYNC"}
        info = c.select_folder("INBOX")
        assert info[b"HIGHESTMODSEQ"] == 4 and info[b"EXISTS"] == 3
        c.add_flags([2], [imapclient.SEEN])
        changed = c.fetch([1, 2, 3], ["FLAGS"], modifiers=["CHANGEDSINCE 4"])
        assert {uid: (d[b"FLAGS"], d[b"MODSEQ"]) for uid, d in changed.items()} == {2: ((imapclient.SEEN, imapclient.RECENT), (5,))}
        assert c.search(["MODSEQ", "5"]) == [2] and c.search(["MODSEQ", "5"]).modseq == 5
        roots, quotas = c.get_quota_root("INBOX")
        assert roots.mailbox == "INBOX" and roots.quota_roots == [""]
        used = sum(len(b) for b in s.fetch_all(addr))
        assert [(q.quota_root, q.resource, q.usage, q.limit) for q in quotas] == [("", "STORAGE", (used + 1023) // 1024, 1024)]
    finally:
        c.logout()
