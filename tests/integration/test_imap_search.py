"""SEARCH (RFC 9051 §6.4.4) with ESEARCH (RFC 4731): every key family, CHARSET, NOT/OR nesting,
MIME-decoded header and body text; raw IMAP (exact lines), imaplib and imapclient."""
from __future__ import annotations

import imaplib

import imapclient
import pytest

from ternlib import HOST, IMAPConn, TIMEOUT

# 1: plain ASCII, flagged later; 2: QP + ISO-8859-1 body, encoded-word subject; 3: base64 UTF-8
# body inside multipart with an attachment; 4: big, old Date.
M1 = (b"From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nCc: carol@remote.test\r\n"
      b"Subject: Invoice 42\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nX-Tag: blue\r\n\r\nPlease pay invoice 42.\r\n")
M2 = (b"From: =?utf-8?q?J=C3=BCrgen?= <jurgen@remote.test>\r\nTo: bob@example.test\r\n"
      b"Subject: =?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=\r\nDate: Sun, 29 Nov 2026 11:00:00 +0100\r\n"
      b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      b"Sch=F6ne Gr=FC=DFe vom Rhein=\r\nufer\r\n")
M3 = (b"From: dave@other.test\r\nTo: bob@example.test\r\nBcc: secret@example.test\r\nSubject: report\r\n"
      b"Date: Mon, 30 Nov 2026 09:00:00 -0500\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
      b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      b"0J/RgNC40LLQtdGCINC80LjRgCDigJQgcXVhcnRlcmx5IG51bWJlcnM=\r\n"
      b"--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nbmVlZGxlaW5hdHRhY2htZW50\r\n--b1--\r\n")
M4 = (b"From: eve@remote.test\r\nTo: bob@example.test\r\nSubject: big old one\r\nDate: Tue, 01 Jan 2019 00:00:00 +0000\r\n\r\n"
      + b"x" * 5000 + b"\r\n")


@pytest.fixture(scope="module")
def box(server):
    addr, pw = server.new_user()
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(addr, pw)
    m.append("INBOX", r"(\Flagged)", '"01-Jan-2020 10:00:00 +0000"', M1)
    m.append("INBOX", r"(\Seen)", '"15-Jun-2026 10:00:00 +0000"', M2)
    m.append("INBOX", r"(\Seen $Work)", '"30-Nov-2026 10:00:00 +0000"', M3)
    m.append("INBOX", r"(\Deleted)", '"02-Jan-2019 10:00:00 +0000"', M4)
    m.logout()
    return addr, pw


@pytest.fixture()
def c(server, box):
    conn = server.imap_raw()
    assert conn.readline().startswith(b"* OK ")
    conn.login(*box)
    conn.ok("SELECT INBOX")
    yield conn
    conn.close()


def search(c: IMAPConn, criteria: str) -> list[int]:
    lines = c.ok("SEARCH " + criteria)
    assert len(lines) == 1 and lines[0].startswith(b"* SEARCH"), lines
    return [int(x) for x in lines[0].split()[2:]]


@pytest.mark.parametrize("criteria,expected", [
    ("ALL", [1, 2, 3, 4]),
    ("FLAGGED", [1]), ("UNFLAGGED", [2, 3, 4]), ("SEEN", [2, 3]), ("UNSEEN", [1, 4]),
    ("DELETED", [4]), ("UNDELETED", [1, 2, 3]), ("ANSWERED", []), ("UNANSWERED", [1, 2, 3, 4]),
    ("DRAFT", []), ("UNDRAFT", [1, 2, 3, 4]), ("KEYWORD $Work", [3]), ("UNKEYWORD $work", [1, 2, 4]),
    ("FROM alice", [1]), ("FROM jürgen", [2]), ("TO BOB@EXAMPLE", [1, 2, 3, 4]), ("CC carol", [1]),
    ("BCC secret", [3]), ("SUBJECT grüße", [2]), ('SUBJECT "aus köln"', [2]), ("HEADER X-Tag blue", [1]),
    ('HEADER X-Tag ""', [1]), ("BODY rheinufer", [2]), ("BODY schöne", [2]), ("BODY QUARTERLY", [3]),
    ("BODY мир", [3]), ("BODY needleinattachment", []), ("TEXT invoice", [1]), ("TEXT jürgen", [2]),
    ("LARGER 4000", [4]), ("SMALLER 4000", [1, 2, 3]),
    ("BEFORE 1-Jan-2020", [4]), ("ON 1-Jan-2020", [1]), ("SINCE 15-Jun-2026", [2, 3]),
    ("SENTBEFORE 29-Nov-2026", [1, 4]), ("SENTON 29-Nov-2026", [2]), ("SENTSINCE 30-Nov-2026", [3]),
    ("2:3", [2, 3]), ("2:*", [2, 3, 4]), ("UID 1,4", [1, 4]),
    ("NOT SEEN", [1, 4]), ("OR FLAGGED DELETED", [1, 4]), ("(SEEN KEYWORD $Work)", [3]),
    ("OR (FROM alice SEEN) (NOT (OR SEEN FLAGGED))", [4]), ("NOT NOT NOT DELETED", [1, 2, 3]),
])
def test_search_keys(c, criteria, expected):
    assert search(c, "CHARSET UTF-8 " + criteria) == expected


def test_esearch_return_options(c):
    assert c.ok("SEARCH RETURN (MIN MAX COUNT) SEEN") == [b'* ESEARCH (TAG "t3") MIN 2 MAX 3 COUNT 2\r\n']
    assert c.ok("UID SEARCH RETURN () ALL") == [b'* ESEARCH (TAG "t4") UID ALL 1:4\r\n']
    assert c.ok("SEARCH RETURN (ALL COUNT) UNSEEN") == [b'* ESEARCH (TAG "t5") ALL 1,4 COUNT 2\r\n']
    assert c.ok("SEARCH RETURN (MIN MAX ALL COUNT) ANSWERED") == [b'* ESEARCH (TAG "t6") COUNT 0\r\n']
    assert c.ok("SEARCH RETURN (MIN) ANSWERED") == [b'* ESEARCH (TAG "t7")\r\n']
    untagged, tagged = c.command("SEARCH RETURN (SAVE) ALL", tag="s1")
    assert tagged.startswith(b"s1 BAD "), tagged


def test_badcharset_and_bad_syntax(c):
    untagged, tagged = c.command("SEARCH CHARSET KOI8-R ALL", tag="b1")
    assert untagged == [] and tagged == b"b1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset KOI8-R\r\n"
    assert search(c, "CHARSET US-ASCII FLAGGED") == [1]
    for bad in ("SEARCH", "SEARCH BOGUS", "SEARCH BEFORE 32-Foo-2020", "SEARCH OR SEEN", "SEARCH (SEEN"):
        _, tagged = c.command(bad, tag="b2")
        assert tagged.startswith(b"b2 BAD "), (bad, tagged)
    assert search(c, "FLAGGED") == [1], "the session continues after BAD"


def test_nesting_depth_is_bounded(c):
    deep = "(" * 100 + "ALL" + ")" * 100
    _, tagged = c.command("SEARCH " + deep, tag="d1")
    assert tagged.startswith(b"d1 BAD ") and b"nested too deeply" in tagged, tagged
    nots = "NOT " * 200 + "ALL"
    _, tagged = c.command("SEARCH " + nots, tag="d2")
    assert tagged.startswith(b"d2 BAD "), tagged
    assert search(c, "(" * 10 + "SEEN" + ")" * 10) == [2, 3]


def test_rev2_plain_search_answers_esearch(c):
    c.ok("ENABLE IMAP4rev2")
    assert c.ok("SEARCH SEEN")[0].endswith(b' ALL 2:3\r\n')
    assert c.ok("UID SEARCH ANSWERED") == [b'* ESEARCH (TAG "t5") UID\r\n']


def test_imaplib_and_imapclient(server, box):
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(*box)
    m.select("INBOX", readonly=True)
    assert m.search("UTF-8", "BODY", "rheinufer") == ("OK", [b"2"])
    typ, data = m.uid("SEARCH", "OR", "FLAGGED", "KEYWORD", "$Work")
    assert (typ, data) == ("OK", [b"1 3"])
    m.logout()
    ic = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    ic.login(*box)
    ic.select_folder("INBOX", readonly=True)
    assert ic.search(["SUBJECT", "grüße"], charset="UTF-8") == [2]
    assert ic.search(["NOT", "DELETED", "SINCE", __import__("datetime").date(2026, 6, 1)]) == [2, 3]
    assert ic.search(["BODY", "мир"], charset="UTF-8") == [3]
    ic.logout()
