"""IMAP over TLS: imaplib STARTTLS and IMAP4_SSL, pipelining discard, LOGINDISABLED policy."""
from __future__ import annotations

import base64
import imaplib
import re
import ssl

import pytest

from ternlib import HOST, IMAPConn, insecure_context, split_trace

MSG = (b"From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: read me over TLS\r\n\r\n"
       b"binary-ish \xe2\x82\xac line\r\n..double dot\r\n" + b"x" * 70 + b"\r\n") * 50


def caps(m: imaplib.IMAP4) -> set[str]:
    typ, data = m.capability()
    assert typ == "OK"
    return set(data[0].decode().split())


def test_imaplib_starttls_roundtrip(server, user):
    addr, pw = user
    server.deliver(addr, MSG)
    m = imaplib.IMAP4(HOST, server.ports["imap"], timeout=10)
    try:
        assert "STARTTLS" in m.capabilities
        typ, data = m.starttls(ssl_context=insecure_context())
        assert typ == "OK", data
        assert m.sock.version() in ("TLSv1.2", "TLSv1.3")
        after = caps(m)
        assert "STARTTLS" not in after and "LOGINDISABLED" not in after, after
        m.login(addr, pw)
        typ, data = m.select("INBOX")
        assert (typ, data) == ("OK", [b"1"])
        typ, data = m.fetch("1", "(BODY[])")
        _, body = split_trace(data[0][1])
        assert body == MSG
    finally:
        m.logout()


def test_imap4_ssl_roundtrip_and_certificate(server, user):
    addr, pw = user
    server.deliver(addr, MSG)
    m = server.imaps()
    try:
        assert "STARTTLS" not in m.capabilities
        assert m.sock.version() == "TLSv1.3"
        der = m.sock.getpeercert(binary_form=True)
        pem = (server.data_dir / "tls" / "cert.pem").read_text()
        assert ssl.DER_cert_to_PEM_cert(der).split("-----")[2].split() == pem.split("-----")[2].split()
        m.login(addr, pw)
        m.select("INBOX")
        typ, data = m.uid("FETCH", "1", "(BODY.PEEK[] RFC822.SIZE)")
        stored = data[0][1]
        assert split_trace(stored)[1] == MSG
        rest = data[0][0] + b" " + b"".join(d for d in data[1:] if isinstance(d, bytes))
        assert b"RFC822.SIZE %d" % len(stored) in rest, data
    finally:
        m.logout()


def test_imaps_greeting_has_no_starttls(server):
    with server.imaps_raw() as c:
        g = c.readline()
        assert g.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "), g
        assert b"STARTTLS" not in g and b"LOGINDISABLED" not in g


def test_pipelined_commands_before_tls_handshake_are_discarded(server, user):
    addr, pw = user
    with server.imap_raw() as c:
        c.readline()
        c.send(f'a STARTTLS\r\nb LOGIN "{addr}" "{pw}"\r\nc SELECT INBOX\r\n'.encode())
        line = c.readline()
        assert line.startswith(b"a OK"), line
        c.starttls()
        _, t = c.command("NOOP", tag="d")
        assert t.startswith(b"d OK"), t
        # the LOGIN sent before the handshake never ran: we are not authenticated
        _, t = c.command("SELECT INBOX", tag="e")
        assert t.startswith(b"e BAD") or t.startswith(b"e NO"), t
        assert c.nothing_pending() == b""
        c.login(addr, pw)


def test_starttls_twice_is_refused(server):
    with server.imap_raw() as c:
        c.readline()
        _, t = c.command("STARTTLS", tag="s1")
        assert t.startswith(b"s1 OK")
        c.starttls()
        _, t = c.command("STARTTLS", tag="s2")
        assert t.startswith(b"s2 BAD") or t.startswith(b"s2 NO"), t
        c.ok("NOOP")


# ----------------------------------------------------------------- loopback_plaintext = false


@pytest.fixture(scope="module")
def strict(make_module_server):
    return make_module_server(sections={"auth": {"loopback_plaintext": False}}, users=("bob",))


def test_logindisabled_without_tls(strict):
    addr, pw = "bob@example.test", strict.users["bob@example.test"]
    with strict.imap_raw() as c:
        g = c.readline()
        assert g.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "), g
        assert b"LOGINDISABLED" in g and b"STARTTLS" in g, g
        assert b"AUTH=PLAIN" not in g, g
        _, t = c.command(f'LOGIN "{addr}" "{pw}"', tag="l1")
        assert t.startswith(b"l1 NO [PRIVACYREQUIRED] "), t
        ir = base64.b64encode(f"\0{addr}\0{pw}".encode()).decode()
        _, t = c.command(f"AUTHENTICATE PLAIN {ir}", tag="l2")
        assert t.startswith(b"l2 NO") or t.startswith(b"l2 BAD"), t
        _, t = c.command("SELECT INBOX", tag="l3")
        assert not t.startswith(b"l3 OK"), t
        # after STARTTLS the same credentials work
        _, t = c.command("STARTTLS", tag="l4")
        assert t.startswith(b"l4 OK"), t
        c.starttls()
        u = c.ok("CAPABILITY")
        assert b"LOGINDISABLED" not in u[0] and b"AUTH=PLAIN" in u[0], u
        c.login(addr, pw)
        c.ok("SELECT INBOX")


def test_imaps_login_allowed_when_loopback_plaintext_is_off(strict):
    m = strict.imaps("bob@example.test")
    typ, _ = m.select("INBOX")
    assert typ == "OK"
    m.logout()


def test_smtp_unaffected_by_loopback_plaintext(strict):
    strict.deliver("bob@example.test", b"Subject: x\r\n\r\ny\r\n")
    m = strict.imaps("bob@example.test")
    typ, data = m.select("INBOX")
    assert typ == "OK" and int(data[0]) >= 1
    m.logout()


def test_large_message_roundtrip_over_tls(server, user):
    addr, pw = user
    big = b"Subject: big\r\n\r\n" + b"".join(b"%07d " % i + b"abcdefghij" * 6 + b"\r\n" for i in range(70000))
    server.deliver(addr, big)
    m = server.imaps(addr, pw)
    try:
        m.select("INBOX")
        typ, data = m.fetch("1", "(BODY.PEEK[])")
        stored = data[0][1]
        assert split_trace(stored)[1] == big
        typ, data = m.fetch("1", "(BODY.PEEK[]<%d.100000>)" % (len(stored) - 50))
        assert data[0][1] == stored[-50:]
        typ, data = m.fetch("1", "(BODY.PEEK[]<%d.10>)" % (len(stored) + 10))
        assert data[0][1] in (b"", None), data
    finally:
        m.logout()
