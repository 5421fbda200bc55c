"""SORT and THREAD (RFC 5256), SORT=DISPLAY (RFC 5957), ESORT and CONTEXT=SORT's PARTIAL
(RFC 5267, RFC 9394): exact lines from Tern, then the same mailbox in Tern and in Dovecot 2.3
(Debian's dovecot-imapd, started here on loopback and stopped by PID) must answer every
SORT, THREAD and ESORT command identically.

The corpus is built to exercise the parts where servers tend to differ: base-subject
extraction (Re:/Fwd:/[blob]/(fwd)/[fwd: ...], encoded words), missing and unparsable Date
fields (INTERNALDATE fallback) and zones, address groups and display names, and threading
with References/In-Reply-To, missing parents (dummies), duplicate and missing Message-IDs and
a reference loop. It avoids the few places where the two are known to differ on purpose: an
address without a domain under DISPLAYFROM/DISPLAYTO (Dovecot sorts it as
`mailbox@MISSING_DOMAIN`) and scripts outside Tern's decomposition table.
"""
from __future__ import annotations

import imaplib
import os
import re

import pytest

from dovecotlib import DOVECOT, Dovecot
from ternlib import HOST, TIMEOUT

ZONES = ["+0000", "+0200", "-0500", "+0930"]


def corpus() -> list[tuple[bytes, str]]:
    """(message, INTERNALDATE) pairs; the order is the APPEND order on both servers."""
    subjects = [
        "Lunch plans", "Re: Lunch plans", "RE: re: Lunch plans", "Fwd: Lunch plans", "Lunch plans (fwd)",
        "[team] Re: Lunch plans", "[team] budget", "budget", "Re: [fwd: budget]", "[xyz]", "_", "",
        "=?iso-8859-1?q?R=E9union_=E0_Paris?=", "Réunion à Paris", "reunion a paris", "Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?=",
        "Grüße", "Zebra", "ant", "Ant", "[a][b] Fw: ant", "re: [fwd: [fwd: re: [fwd: babylon]]]", "b (a)",
        "Ad: Re: x", "status", "Re: status", "status", "Re: status", "Δέλτα", "δέλτα", "ÉCOLE", "ecole",
        "a\t  b", "Re: a b", "Subject with (fwd) in middle", "last",
    ]
    froms = [
        "Carol <carol@example.net>", "alice@example.org", '"Bob B" <bob@example.test>', "=?utf-8?q?Zo=C3=AB?= <zoe@example.org>",
        "undisclosed: ;", "team: x@example.org, y@example.org;", '"" <empty@example.org>', "dave@example.com (Dave D)",
        "Émile <emile@example.fr>", "mallory@example.org",
    ]
    tos = ["bob@example.test", "Alice <alice@example.org>", "list: a@x.org;", "ZED <zed@example.org>", '"aaron" <a@example.org>']
    messages = []
    for n, subject in enumerate(subjects, start=1):
        headers = [f"From: {froms[n % len(froms)]}", f"To: {tos[n % len(tos)]}"]
        if n % 3 == 0:
            headers.append(f"Cc: {froms[(n * 7) % len(froms)]}")
        if subject or n % 2:
            headers.append(f"Subject: {subject}")
        if n % 7 == 3:
            pass  # no Date: INTERNALDATE is the sent date
        elif n % 11 == 5:
            headers.append("Date: not a date at all")
        else:
            headers.append(f"Date: Mon, {1 + n % 5} Jun 2026 {n % 24:02d}:{(n * 13) % 60:02d}:00 {ZONES[n % 4]}")
        # Threads: chains, siblings, a missing parent, duplicate and missing IDs, a loop.
        if n not in (12, 30):
            headers.append(f"Message-ID: <m{n if n != 31 else 30}@example.org>")
        if n in (2, 3, 4, 5, 6):
            headers.append(f"References: <m1@example.org>{'' if n == 2 else ' <m2@example.org>'}")
        elif n in (9, 10):
            headers.append("In-Reply-To: <gone@example.org>")
        elif n == 11:
            headers.append("References: <gone@example.org> <m9@example.org>")
        elif n == 20:
            headers.append("References: <m21@example.org>")
        elif n == 21:
            headers.append("References: <m20@example.org>")
        elif n in (26, 28):
            headers.append(f"In-Reply-To: Your message <m{n - 1}@example.org> of yesterday")
        elif n == 33:
            headers.append("References: <m32@example.org>\r\n\t<m99@example.org>")
        body = f"Message {n}.\r\n" + "x" * ((n * 37) % 200) + "\r\n"
        day = 1 + (n * 5) % 27
        internal = f'"{day:02d}-May-2026 {n % 24:02d}:{(n * 7) % 60:02d}:00 {ZONES[(n + 1) % 4]}"'
        if n in (14, 15):
            internal = '"10-May-2026 10:00:00 +0000"'  # equal arrival: ties go by sequence number
        messages.append((("\r\n".join(headers) + "\r\n\r\n" + body).encode(), internal))
    return messages


SORT_PROGRAMS = [
    "(ARRIVAL)", "(REVERSE ARRIVAL)", "(DATE)", "(REVERSE DATE)", "(SIZE)", "(REVERSE SIZE)",
    "(SUBJECT)", "(REVERSE SUBJECT)", "(SUBJECT DATE)", "(SUBJECT REVERSE SIZE)",
    "(FROM)", "(REVERSE FROM)", "(TO)", "(CC)", "(REVERSE CC DATE)", "(FROM SUBJECT)",
    "(DISPLAYFROM)", "(REVERSE DISPLAYFROM)", "(DISPLAYTO)", "(DISPLAYTO REVERSE ARRIVAL)",
]
SEARCHES = ["ALL", "UNSEEN", "SUBJECT lunch", "1:20", "NOT FROM alice"]


def commands() -> list[str]:
    cmds = [f"SORT {p} UTF-8 {s}" for p in SORT_PROGRAMS for s in SEARCHES[:2]]
    cmds += [f"SORT {p} US-ASCII {s}" for p in ("(SUBJECT)", "(DATE)") for s in SEARCHES[2:]]
    cmds += [f"UID SORT {p} UTF-8 ALL" for p in ("(REVERSE DATE)", "(SUBJECT)")]
    cmds += [f"THREAD {alg} UTF-8 {s}" for alg in ("REFERENCES", "ORDEREDSUBJECT") for s in SEARCHES]
    cmds += ["UID THREAD REFERENCES UTF-8 ALL", "UID THREAD ORDEREDSUBJECT UTF-8 ALL"]
    cmds += [f"SORT RETURN ({r}) (DATE) UTF-8 ALL" for r in ("MIN", "MAX", "COUNT", "ALL", "MIN MAX COUNT", "")]
    cmds += [f"SORT RETURN (PARTIAL {p}) (SUBJECT) UTF-8 ALL" for p in ("1:10", "5:1", "30:40", "100:200")]
    cmds += ["UID SORT RETURN (ALL COUNT) (REVERSE SUBJECT) UTF-8 1:30", "SORT RETURN (COUNT MIN) (ARRIVAL) UTF-8 SUBJECT nothing"]
    return cmds


def answer(m: imaplib.IMAP4, cmd: str) -> list[str]:
    """The untagged SORT/THREAD/ESEARCH lines of `cmd` (the ESEARCH tag removed), and the status."""
    tag = m._new_tag().decode()
    m.send(f"{tag} {cmd}\r\n".encode())
    lines = []
    while True:
        line = m.readline().decode().rstrip("\r\n")
        if line.startswith(tag + " "):
            lines.append(line.split(" ")[1])
            return lines
        if re.match(r"\* (SORT|THREAD|ESEARCH)\b", line, re.I):
            line = re.sub(r'^\* (\w+)', lambda g: "* " + g.group(1).upper(), line)
            lines.append(re.sub(r'\(TAG "[^"]*"\) ?', "", line).rstrip())


def fill(m: imaplib.IMAP4, messages):
    for i, (msg, internal) in enumerate(messages, start=1):
        flags = r"(\Seen)" if i % 4 == 0 else "()"
        typ, _ = m.append("INBOX", flags, internal, msg)
        assert typ == "OK"


@pytest.fixture(scope="module")
def tern_box(server):
    addr, pw = server.new_user()
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=TIMEOUT)
    m.login(addr, pw)
    fill(m, corpus())
    m.select("INBOX")
    yield m
    m.logout()


def test_capabilities(tern_box):
    caps = set(tern_box.capabilities)
    assert {"SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SORT"} <= caps


def test_exact_lines(tern_box):
    assert answer(tern_box, "SORT (SUBJECT) UTF-8 SUBJECT lunch") == ["* SORT 1 2 3 4 5 6", "OK"]
    assert answer(tern_box, "THREAD REFERENCES UTF-8 SUBJECT lunch") == ["* THREAD (1 2 (3)(5)(6)(4))", "OK"]
    assert answer(tern_box, "SORT RETURN (PARTIAL 2:3 COUNT) (SUBJECT) UTF-8 SUBJECT lunch") == \
        ["* ESEARCH PARTIAL (2:3 2:3) COUNT 6", "OK"]
    assert answer(tern_box, "SORT (ARRIVAL) ISO-8859-1 ALL") == ["NO"]
    assert answer(tern_box, "SORT RETURN (PARTIAL 1:*) (ARRIVAL) UTF-8 ALL") == ["BAD"]


@pytest.fixture(scope="module")
def dovecot_box():
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed")
    d = Dovecot({"bob": "bobpass123"})
    d.start()
    try:
        m = d.imap("bob")
        fill(m, corpus())
        m.select("INBOX")
        yield m
        m.logout()
    finally:
        d.cleanup()


@pytest.mark.parametrize("cmd", commands())
def test_same_answer_as_dovecot(tern_box, dovecot_box, cmd):
    assert answer(tern_box, cmd) == answer(dovecot_box, cmd)
