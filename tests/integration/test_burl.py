"""BURL on submission (RFC 4468) with URLAUTH (RFC 4467): a client saves a message in its Drafts over
IMAP (imaplib), has Tern sign a `submit+user` URL for it (GENURLAUTH), and submits it with
`BURL url LAST` over SMTP (smtplib) without uploading it again; Tern resolves the URL against its
own store. Exact reply codes of RFC 4468 §6 (with erratum 896: 5.7.14)."""
from __future__ import annotations

import imaplib
import re
import time

import pytest

from ternlib import DOMAIN
from ternlib_submission import make_factory

DRAFT = (b"From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: sent by BURL\r\n"
         b"Message-ID: <burl-test@example.test>\r\n\r\nThis body was never uploaded twice.\r\n")


imaplib.Commands.setdefault("GENURLAUTH", ("AUTH", "SELECTED"))


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make):
    return make()


def user(srv, name):
    address = f"{name}@{DOMAIN}"
    return address, srv.users[address]


def save_draft(srv, name: str, access: str) -> str:
    """APPENDs DRAFT to the user's Drafts and returns the URLAUTH URL GENURLAUTH signed for it."""
    address, password = user(srv, name)
    m = srv.imap_from("127.0.0.1")
    m.login(address, password)
    typ, data = m.append("Drafts", r"(\Draft)", None, DRAFT)
    assert typ == "OK", data
    match = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
    assert match, data
    uid = int(match.group(2))
    rump = f"imap://{name}@{DOMAIN}/Drafts;uidvalidity={match.group(1).decode()}/;uid={uid};urlauth={access}"
    typ, data = m._simple_command("GENURLAUTH", f'"{rump}"', "INTERNAL")
    assert typ == "OK", data
    typ, data = m._untagged_response(typ, data, "GENURLAUTH")
    url = data[0].decode().strip('"')
    assert url.startswith(rump + ":internal:"), url
    m.logout()
    return url


def inbox_messages(srv, name: str) -> list[bytes]:
    address, password = user(srv, name)
    m = srv.imap_from("127.0.0.1")
    m.login(address, password)
    m.select("INBOX")
    typ, data = m.search(None, "ALL")
    out = []
    for num in data[0].split():
        typ, parts = m.fetch(num, "(BODY.PEEK[])")
        out.append(parts[0][1])
    m.logout()
    return out


def test_burl_submits_a_draft_with_smtplib(srv):
    url = save_draft(srv, "bob", "submit+bob")
    address, password = user(srv, "bob")
    s = srv.smtplib("submission")
    s.login(address, password)
    s.ehlo()
    assert s.has_extn("burl"), s.esmtp_features
    assert s.esmtp_features["burl"] == "imap"
    before = len(inbox_messages(srv, "alice"))
    assert s.docmd("MAIL FROM:<bob@example.test>")[0] == 250
    assert s.docmd("RCPT TO:<alice@example.test>")[0] == 250
    code, text = s.docmd(f"BURL {url} LAST")
    assert code == 250 and text.startswith(b"2.0.0 Ok: queued as "), (code, text)
    s.quit()
    deadline = time.monotonic() + 5
    while len(inbox_messages(srv, "alice")) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    delivered = inbox_messages(srv, "alice")[-1]
    assert delivered.endswith(DRAFT), delivered[-300:]
    assert b"\r\nReceived: " in delivered or delivered.startswith(b"Received: ")


def test_burl_in_chunks_and_reply_codes(srv):
    url = save_draft(srv, "bob", "submit+bob")
    address, password = user(srv, "bob")
    s = srv.smtplib("submission")
    # Before AUTH: not advertised, and refused.
    assert not s.has_extn("burl")
    assert s.docmd(f"BURL {url} LAST") == (530, b"5.7.0 Authentication required")
    s.login(address, password)
    assert s.docmd(f"BURL {url} LAST") == (503, b"5.5.1 Error: need MAIL command")
    assert s.docmd("MAIL FROM:<bob@example.test>")[0] == 250
    assert s.docmd(f"BURL {url} LAST") == (503, b"5.5.0 Valid RCPT TO required before BURL")
    assert s.docmd("RCPT TO:<alice@example.test>")[0] == 250
    # Two chunks: the first waits, DATA may not follow, the last delivers both.
    assert s.docmd(f"BURL {url}") == (250, b"2.5.0 Waiting for additional BURL or BDAT commands")
    assert s.docmd("DATA")[0] == 503
    code, text = s.docmd(f"BURL {url} LAST")
    assert code == 250 and text.startswith(b"2.0.0 Ok: queued as "), (code, text)
    delivered = inbox_messages(srv, "alice")[-1]
    assert delivered.endswith(DRAFT + DRAFT)
    s.quit()


def test_burl_refusals(srv):
    address, password = user(srv, "bob")
    own = save_draft(srv, "bob", "submit+bob")
    alices = save_draft(srv, "alice", "submit+alice")
    imap_only = save_draft(srv, "bob", "user+bob")
    forged = own[:-1] + ("1" if own.endswith("0") else "0")
    plain_url = re.sub(r";urlauth=.*$", "", own)
    s = srv.smtplib("submission")
    s.login(address, password)
    for url, reply in [(alices, (554, b"5.6.6 IMAP URL resolution failed")),
                       (imap_only, (554, b"5.6.6 IMAP URL resolution failed")),
                       (forged, (554, b"5.6.6 IMAP URL resolution failed")),
                       (plain_url, (554, b"5.7.14 URL resolution requires trust relationship")),
                       ("not-a-url", (554, b"5.6.6 IMAP URL resolution failed"))]:
        assert s.docmd("MAIL FROM:<bob@example.test>")[0] == 250
        assert s.docmd("RCPT TO:<alice@example.test>")[0] == 250
        assert s.docmd(f"BURL {url} LAST") == reply, url
        # The failed BURL ended the transaction.
        assert s.docmd("RCPT TO:<alice@example.test>")[0] == 503
    s.quit()
    # The verifier never reaches the log.
    assert own.rsplit(":", 1)[1] not in srv.log()
