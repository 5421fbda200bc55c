"""SMTP smuggling: only <CRLF>.<CRLF> ends DATA; one DATA yields at most one message.

Default `bare_newline = "normalize"`: bare CR/LF are stored as CRLF and never end the data.
`bare_newline = "reject"`: the message is refused with 550 5.6.0 at the real end, nothing stored.
"""
from __future__ import annotations

import re

import pytest

from ternlib import split_trace

# (name, fake end-of-data) — each one must NOT end the data
FORGERIES = [
    ("LF.LF", b"\n.\n"),
    ("LF.CRLF", b"\n.\r\n"),
    ("CRLF.LF", b"\r\n.\n"),
    ("CR.CR", b"\r.\r"),
    ("CR.CRLF", b"\r.\r\n"),
]


def smuggle_payload(fake_end: bytes, victim: str) -> tuple[bytes, bytes]:
    """(bytes after DATA up to and including the real end, the smuggled text)."""
    smuggled = (f"MAIL FROM:<ceo@example.test>\r\nRCPT TO:<{victim}>\r\nDATA\r\n"
                f"From: ceo@example.test\r\nSubject: smuggled\r\n\r\nwire the money\r\n").encode()
    first = b"From: attacker@remote.test\r\nSubject: innocent\r\n\r\nhello"
    return first + fake_end + smuggled + b".\r\n", smuggled


def normalize(b: bytes) -> bytes:
    """What `normalize` stores: every bare CR or LF becomes CRLF."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", b)


def start_data(c, rcpt: str):
    c.expect("220 ")
    c.ehlo()
    c.expect_cmd("MAIL FROM:<attacker@remote.test>", ["250 2.1.0 Ok"])
    c.expect_cmd(f"RCPT TO:<{rcpt}>", ["250 2.1.5 Ok"])
    assert c.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]


@pytest.mark.parametrize("name,fake_end", FORGERIES, ids=[f[0] for f in FORGERIES])
def test_normalize_forged_end_does_not_end_data(server, name, fake_end):
    addr, _ = server.new_user()
    victim, _ = server.new_user()
    payload, smuggled = smuggle_payload(fake_end, victim)
    with server.smtp() as c:
        start_data(c, addr)
        c.send(payload)
        r = c.reply()
        assert len(r) == 1 and re.fullmatch(r"250 2\.0\.0 Ok: queued as \w+", r[0]), r
        # nothing else was answered: the smuggled MAIL/RCPT/DATA never ran as commands
        assert c.cmd("NOOP") == ["250 2.0.0 Ok"]
        assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
    msgs = server.fetch_all(addr)
    assert len(msgs) == 1, f"{name}: {len(msgs)} messages"
    assert server.count(victim) == 0, f"{name}: the smuggled message reached {victim}"
    _, body = split_trace(msgs[0])
    assert re.search(rb"(?<!\r)\n|\r(?!\n)", body) is None, f"bare CR/LF stored: {body!r}"
    assert b"MAIL FROM:<ceo@example.test>\r\n" in body and body.endswith(b"wire the money\r\n")
    if name in ("LF.LF", "LF.CRLF", "CR.CR", "CR.CRLF"):
        assert body == normalize(payload[:-3]), body


def test_normalize_bare_lf_in_ordinary_text(server):
    addr, _ = server.new_user()
    with server.smtp() as c:
        start_data(c, addr)
        c.send(b"Subject: unix\n\nline one\nline two\r\n.\r\n")
        assert re.fullmatch(r"250 2\.0\.0 Ok: queued as \w+", c.reply()[0])
    [stored] = server.fetch_all(addr)
    assert split_trace(stored)[1] == b"Subject: unix\r\n\r\nline one\r\nline two\r\n"


def test_data_split_across_packets_ends_only_at_crlf_dot_crlf(server):
    addr, _ = server.new_user()
    with server.smtp() as c:
        start_data(c, addr)
        for chunk in (b"Subject: split\r\n\r\nbody\r", b"\n.", b"x\r\n", b"\r\n", b".", b"\r", b"\n"):
            c.send(chunk)
            if chunk != b"\n":
                assert c.nothing_pending(0.1) == b"", f"reply before the end of data (after {chunk!r})"
        r = c.reply()
        assert re.fullmatch(r"250 2\.0\.0 Ok: queued as \w+", r[0]), r
    [stored] = server.fetch_all(addr)
    assert split_trace(stored)[1] == b"Subject: split\r\n\r\nbody\r\nx\r\n\r\n"


# ----------------------------------------------------------------- reject mode


@pytest.fixture(scope="module")
def rejecting(make_module_server):
    return make_module_server(sections={"smtp": {"bare_newline": "reject"}})


@pytest.mark.parametrize("name,fake_end", FORGERIES, ids=[f[0] for f in FORGERIES])
def test_reject_forged_end_refuses_message(rejecting, name, fake_end):
    addr, _ = rejecting.new_user()
    victim, _ = rejecting.new_user()
    payload, _ = smuggle_payload(fake_end, victim)
    with rejecting.smtp() as c:
        start_data(c, addr)
        c.send(payload)
        r = c.reply()
        assert len(r) == 1 and r[0].startswith("550 5.6.0 "), r
        assert c.cmd("NOOP") == ["250 2.0.0 Ok"]
        # the session is usable for a clean message afterwards
        c.expect_cmd("MAIL FROM:<attacker@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: clean\r\n\r\nfine\r\n")
    assert rejecting.count(victim) == 0
    msgs = rejecting.fetch_all(addr)
    assert [split_trace(m)[1] for m in msgs] == [b"Subject: clean\r\n\r\nfine\r\n"]


def test_reject_bare_lf_in_ordinary_text(rejecting):
    addr, _ = rejecting.new_user()
    with rejecting.smtp() as c:
        start_data(c, addr)
        c.send(b"Subject: unix\n\nline one\r\n.\r\n")
        r = c.reply()
        assert r[0].startswith("550 5.6.0 "), r
    assert rejecting.count(addr) == 0
