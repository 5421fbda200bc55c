"""POP3 (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS) against the same store as IMAP, with Python's poplib."""
from __future__ import annotations

import imaplib
import poplib
import re
import time

import pytest

from ternlib import HOST, insecure_context
from ternlib_submission import make_factory

MSGS = [b"Subject: one\r\n\r\nfirst body\r\n.leading dot line\r\n", b"Subject: two\r\nX-A: b\r\n\r\nl1\r\nl2\r\nl3\r\n"]


@pytest.fixture()
def srv(tmp_path_factory, request):
    s = make_factory(tmp_path_factory, request)(roles=("smtp", "imap", "pop3", "pop3s"), users=("bob", "alice"))
    for m in MSGS:
        s.deliver(["bob@example.test"], m)
    return s


def login(srv, tls=False) -> poplib.POP3:
    p = poplib.POP3_SSL(HOST, srv.ports["pop3s"], context=insecure_context(), timeout=10) if tls else poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    p.user("bob@example.test")
    p.pass_(srv.users["bob@example.test"])
    return p


def test_greeting_capa_stat_list_uidl_retr_top(srv):
    p = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    assert p.getwelcome().startswith(b"+OK mail.example.test")
    caps = p.capa()
    for c in ("TOP", "UIDL", "RESP-CODES", "USER", "STLS"):
        assert c in caps, caps
    p.user("bob")
    p.pass_(srv.users["bob@example.test"])
    assert p.stat()[0] == 2
    _, listing, _ = p.list()
    assert len(listing) == 2
    _, uids, _ = p.uidl()
    m = imaplib.IMAP4(HOST, srv.ports["imap"])
    m.login("bob@example.test", srv.users["bob@example.test"])
    validity = re.search(rb"UIDVALIDITY (\d+)", m.status("INBOX", "(UIDVALIDITY)")[1][0]).group(1)
    m.logout()
    assert [u.split()[1] for u in uids] == [validity + b".1", validity + b".2"], "UIDL = UIDVALIDITY.UID, consistent with IMAP"
    _, lines, _ = p.retr(1)
    stored = b"\r\n".join(lines) + b"\r\n"
    assert stored.endswith(MSGS[0]), "RETR returns the stored message byte for byte (poplib removes dot-stuffing)"
    _, top, _ = p.top(2, 1)
    assert top[-2:] == [b"", b"l1"] and b"Subject: two" in top
    p.quit()


def test_dele_applies_only_at_quit_and_rset(srv):
    p = login(srv)
    p.dele(1)
    with pytest.raises(poplib.error_proto, match="no such message|deleted"):
        p.retr(1)
    p.rset()
    assert p.stat()[0] == 2
    p.dele(2)
    p.close()  # no QUIT: no UPDATE state, nothing is removed (RFC 1939 §6)
    time.sleep(0.5)  # the server notices the disconnect and unlocks the maildrop
    q = login(srv)
    assert q.stat()[0] == 2
    q.dele(2)
    assert q.quit().startswith(b"+OK")
    r = login(srv)
    assert r.stat()[0] == 1
    r.quit()


def test_second_session_gets_in_use(srv):
    p = login(srv)
    q = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    q.user("bob@example.test")
    with pytest.raises(poplib.error_proto, match=r"IN-USE"):
        q.pass_(srv.users["bob@example.test"])
    p.quit()
    q.close()


def test_wrong_password_and_tls_paths(srv):
    p = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    p.user("bob@example.test")
    with pytest.raises(poplib.error_proto, match=r"AUTH"):
        p.pass_("wrong-password")
    p.close()
    s = login(srv, tls=True)
    assert s.stat()[0] == 2
    s.quit()
    t = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    t.stls(context=insecure_context())
    t.user("bob@example.test")
    t.pass_(srv.users["bob@example.test"])
    assert t.stat()[0] == 2
    t.quit()


def test_plaintext_refused_off_loopback(tmp_path_factory, request):
    s = make_factory(tmp_path_factory, request)(roles=("pop3",), users=("bob",), sections={"auth": {"loopback_plaintext": False}})
    p = poplib.POP3(HOST, s.ports["pop3"], timeout=10)
    assert "USER" not in p.capa()
    with pytest.raises(poplib.error_proto):
        p.user("bob@example.test")
    p.close()
