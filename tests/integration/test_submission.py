"""Submission (587 STARTTLS / 465 implicit TLS), SMTP AUTH PLAIN/LOGIN, the guide's three routing
outcomes from a client outside mynetworks, AUTH-before-TLS refusal, STARTTLS injection, swaks."""
from __future__ import annotations

import re
import smtplib
import subprocess

import pytest

from ternlib import EHLO_PLAIN, HOST, split_trace
from ternlib_submission import MSG, b64, make_factory, plain

OUTSIDE = "127.0.0.2"           # not in mynetworks (127.0.0.1/32)
AUTH_OK = ["235 2.7.0 Authentication successful"]
AUTH_FAIL = ["535 5.7.8 Error: authentication failed"]
NEED_TLS = ["530 5.7.0 Must issue a STARTTLS command first"]
NEED_AUTH = ["530 5.7.0 Authentication required"]
EHLO_TLS_AUTH = [l for l in EHLO_PLAIN if "STARTTLS" not in l]
EHLO_TLS_AUTH.insert(3, "250-AUTH PLAIN LOGIN")
EHLO_PLAIN_AUTH = list(EHLO_PLAIN)
EHLO_PLAIN_AUTH.insert(4, "250-AUTH PLAIN LOGIN")


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make):
    return make(sections={"smtp": {"auth": True, "authenticated_header": True}}, mynetworks=["127.0.0.1/32"])


def bob(srv):
    return "bob@example.test", srv.users["bob@example.test"]


# --------------------------------------------------------------------------- listeners and EHLO


def test_submission_requires_starttls_then_auth(srv):
    user, pw = bob(srv)
    c = srv.conn("submission")
    c.expect("220 ")
    assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN          # no AUTH before TLS
    assert c.cmd("MAIL FROM:<bob@example.test>") == NEED_TLS
    assert c.cmd(f"AUTH PLAIN {plain(user, pw)}") == NEED_TLS
    assert c.cmd("AUTH LOGIN") == NEED_TLS
    assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
    c.starttls()
    assert c.cmd("EHLO client.remote.test") == EHLO_TLS_AUTH
    assert c.cmd("MAIL FROM:<bob@example.test>") == NEED_AUTH
    assert c.cmd(f"AUTH PLAIN {plain(user, pw)}") == AUTH_OK
    assert c.cmd("MAIL FROM:<bob@example.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
    c.close()


def test_submissions_is_implicit_tls_and_requires_auth(srv):
    c = srv.conn("submissions")
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
    c.expect("220 ")
    assert c.cmd("EHLO client.remote.test") == EHLO_TLS_AUTH
    assert c.cmd("MAIL FROM:<bob@example.test>") == NEED_AUTH
    c.close()


def test_mx_role_advertises_auth_to_loopback_plaintext(srv):
    c = srv.conn("smtp")
    c.expect("220 ")
    assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN_AUTH
    c.close()


def test_mx_auth_off_by_default(make):
    s = make(roles=("smtp",))
    c = s.conn("smtp")
    c.expect("220 ")
    assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN
    assert c.cmd(f"AUTH PLAIN {plain('bob', s.users['bob@example.test'])}") == \
        ["503 5.5.1 Error: authentication not enabled"]
    c.close()


# --------------------------------------------------------------------------- SASL exchanges


@pytest.mark.parametrize("role", ["submission", "submissions"])
def test_auth_plain_and_login_forms(srv, role):
    user, pw = bob(srv)
    cases = [
        ([f"AUTH PLAIN {plain('bob', pw)}"], AUTH_OK),
        ([f"AUTH PLAIN {plain('bob@example.test', pw)}"], AUTH_OK),
        ([f"AUTH PLAIN {plain('BOB@Example.Test', pw)}"], AUTH_OK),
        ([f"AUTH PLAIN {plain('bob', pw, authzid='bob@example.test')}"], AUTH_OK),
        (["AUTH PLAIN", plain("bob", pw)], AUTH_OK),
        (["AUTH LOGIN", b64("bob"), b64(pw)], AUTH_OK),
        ([f"AUTH LOGIN {b64('bob@example.test')}", b64(pw)], AUTH_OK),
        ([f"AUTH PLAIN {plain('bob', pw, authzid='alice@example.test')}"], AUTH_FAIL),
        ([f"AUTH PLAIN {plain('bob', pw + 'x')}"], AUTH_FAIL),
        ([f"AUTH PLAIN {plain('nobody', pw)}"], AUTH_FAIL),
        (["AUTH LOGIN", b64("nobody@example.test"), b64(pw)], AUTH_FAIL),
        (["AUTH PLAIN", "*"], ["501 5.7.0 Authentication aborted"]),
        (["AUTH LOGIN", b64("bob"), "*"], ["501 5.7.0 Authentication aborted"]),
        (["AUTH PLAIN !!!notbase64"], ["501 5.5.2 Cannot decode the authentication data"]),
        (["AUTH PLAIN ="], ["501 5.5.2 Cannot decode the authentication data"]),
    ]
    for steps, final in cases:
        c = srv.session(role)
        try:
            for i, step in enumerate(steps):
                r = c.cmd(step)
                if i < len(steps) - 1:
                    assert r[0].startswith("334 "), (steps, r)
            assert r == final, (steps, r)
            if final == AUTH_OK:
                assert c.cmd(f"AUTH PLAIN {plain('bob', pw)}") == ["503 5.5.1 Error: already authenticated"]
                assert c.cmd("MAIL FROM:<bob@example.test>") == ["250 2.1.0 Ok"]
            else:
                assert c.cmd("MAIL FROM:<bob@example.test>") == NEED_AUTH
        finally:
            c.close()
    assert "pw-" not in srv.log(), "a password reached the log"


# --------------------------------------------------------------------------- the guide's routing outcomes


# (name, role, login, sender, rcpt, MAIL reply, RCPT reply, outcome)
ROUTING = [
    ("local->remote without AUTH (MX)", "smtp", None, "bob@example.test", "friend@remote.test",
     "250 2.1.0 Ok", "554 5.7.1 <friend@remote.test>: Relay access denied", "refused"),
    ("local->remote without AUTH (587)", "submission", None, "bob@example.test", "friend@remote.test",
     NEED_AUTH[0], None, "refused"),
    ("local->remote without AUTH (465)", "submissions", None, "bob@example.test", "friend@remote.test",
     NEED_AUTH[0], None, "refused"),
    ("local->remote AUTH bob (587)", "submission", "bob", "bob@example.test", "friend@remote.test",
     "250 2.1.0 Ok", "250 2.1.5 Ok", "queued"),
    ("local->remote AUTH bob (465)", "submissions", "bob@example.test", "bob@example.test", "friend2@remote.test",
     "250 2.1.0 Ok", "250 2.1.5 Ok", "queued"),
    ("local->remote AUTH bob as alice (587)", "submission", "bob", "alice@example.test", "friend@remote.test",
     "250 2.1.0 Ok", "553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user bob@example.test",
     "refused"),
    ("remote->local without AUTH (MX)", "smtp", None, "stranger@remote.test", "bob@example.test",
     "250 2.1.0 Ok", "250 2.1.5 Ok", "delivered"),
    ("remote->remote without AUTH (MX)", "smtp", None, "stranger@remote.test", "victim@elsewhere.test",
     "250 2.1.0 Ok", "554 5.7.1 <victim@elsewhere.test>: Relay access denied", "refused"),
    ("remote->remote with null sender (MX)", "smtp", None, "", "victim@elsewhere.test",
     "250 2.1.0 Ok", "554 5.7.1 <victim@elsewhere.test>: Relay access denied", "refused"),
]


@pytest.mark.parametrize("case", ROUTING, ids=[c[0] for c in ROUTING])
def test_routing_outcomes_from_outside_mynetworks(srv, case):
    name, role, login, sender, rcpt, mail_reply, rcpt_reply, outcome = case
    before_inbox = srv.count("bob@example.test")
    before_queue = srv.queue_list()
    c = srv.session(role, src=OUTSIDE, user=None)
    try:
        if login:
            assert c.cmd(f"AUTH PLAIN {plain(login, srv.users['bob@example.test'])}") == AUTH_OK
        assert c.cmd(f"MAIL FROM:<{sender}>") == [mail_reply], name
        if rcpt_reply is not None:
            assert c.cmd(f"RCPT TO:<{rcpt}>") == [rcpt_reply], name
        if outcome == "refused":
            assert c.cmd("DATA")[0][0] in "45", name
        else:
            qid = c.send_data(MSG)
        assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
    finally:
        c.close()
    queue = srv.queue_list()
    if outcome == "queued":
        assert qid in queue and f"<{rcpt}> pending" in queue and f"<{sender}>" in queue, queue
        assert srv.count("bob@example.test") == before_inbox
    elif outcome == "delivered":
        assert srv.count("bob@example.test") == before_inbox + 1
        assert queue == before_queue
    else:
        assert queue == before_queue, f"{name}: refused case changed the queue:\n{queue}"
        assert srv.count("bob@example.test") == before_inbox


def test_smtplib_login_over_both_submission_ports(srv):
    pw = srv.users["bob@example.test"]
    for role in ("submission", "submissions"):
        with srv.smtplib(role, src=OUTSIDE) as s:
            assert s.has_extn("auth") and "PLAIN" in s.esmtp_features["auth"]
            assert s.login("bob", pw) == (235, b"2.7.0 Authentication successful")
            assert s.sendmail("bob@example.test", ["far@remote.test"], MSG) == {}
        with srv.smtplib(role, src=OUTSIDE) as s:
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                s.login("bob", "wrong-" + pw)
            assert e.value.smtp_code == 535
            with pytest.raises(smtplib.SMTPSenderRefused) as e:
                s.sendmail("bob@example.test", ["far@remote.test"], MSG)
            assert (e.value.smtp_code, e.value.smtp_error) == (530, b"5.7.0 Authentication required")


def test_received_header_esmtpsa_and_authenticated_sender(srv):
    with srv.smtplib("submissions", src=OUTSIDE) as s:
        s.login("bob", srv.users["bob@example.test"])
        s.sendmail("bob@example.test", ["alice@example.test"], MSG)
    stored = srv.fetch_all("alice@example.test")[-1]
    head = stored.split(b"\r\n\r\n", 1)[0].decode()
    received = re.search(r"^Received: .*?(?=\r\n\S)", head, re.S | re.M).group(0)
    assert re.search(r"\twith ESMTPSA id ", received) or " with ESMTPSA id " in received, received
    assert "\r\n\t(Authenticated sender: bob@example.test)\r\n" in received + "\r\n", received


# --------------------------------------------------------------------------- AUTH before TLS


def test_auth_before_tls_refused_off_loopback_exemption(make):
    s = make(sections={"smtp": {"auth": True}, "auth": {"loopback_plaintext": False}}, roles=("smtp", "submission"))
    pw = s.users["bob@example.test"]
    for role in ("smtp", "submission"):
        c = s.conn(role, src=OUTSIDE)
        c.expect("220 ")
        assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN, role      # AUTH not advertised
        assert c.cmd(f"AUTH PLAIN {plain('bob', pw)}") == NEED_TLS, role
        assert c.cmd("AUTH LOGIN") == NEED_TLS, role
        assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
        c.starttls()
        assert c.cmd("EHLO client.remote.test") == EHLO_TLS_AUTH, role
        assert c.cmd(f"AUTH PLAIN {plain('bob', pw)}") == AUTH_OK, role
        c.close()
    # the MX role still takes unauthenticated inbound mail in plaintext
    c = s.conn("smtp", src=OUTSIDE)
    c.expect("220 ")
    c.ehlo()
    assert c.cmd("MAIL FROM:<x@remote.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("RCPT TO:<far@remote.test>") == ["554 5.7.1 <far@remote.test>: Relay access denied"]
    c.close()


# --------------------------------------------------------------------------- STARTTLS injection


@pytest.mark.parametrize("role", ["submission", "smtp"])
def test_starttls_injection_has_no_effect(srv, role):
    pw = srv.users["bob@example.test"]
    c = srv.conn(role, src=OUTSIDE)
    c.expect("220 ")
    c.ehlo()
    c.send(f"STARTTLS\r\nMAIL FROM:<x@y>\r\nAUTH PLAIN {plain('bob', pw)}\r\n"
           f"MAIL FROM:<bob@example.test>\r\nRCPT TO:<far@remote.test>\r\n".encode())
    assert c.readline() == b"220 2.0.0 Ready to start TLS\r\n"
    c.starttls()             # fails if the server answered the injected commands in plaintext
    assert c.nothing_pending() == b""
    assert c.cmd("EHLO after.remote.test") == EHLO_TLS_AUTH
    # neither the MAIL nor the AUTH survived the handshake
    assert c.cmd("RCPT TO:<far@remote.test>") == ["503 5.5.1 Error: need MAIL command"]
    if role == "submission":
        assert c.cmd("MAIL FROM:<bob@example.test>") == NEED_AUTH
    else:
        assert c.cmd("MAIL FROM:<bob@example.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("RCPT TO:<far@remote.test>") == ["554 5.7.1 <far@remote.test>: Relay access denied"]
    c.close()


def test_starttls_injection_minimal(srv):
    c = srv.conn("submission")
    c.expect("220 ")
    c.ehlo()
    c.send(b"STARTTLS\r\nMAIL FROM:<x@y>\r\n")
    assert c.readline() == b"220 2.0.0 Ready to start TLS\r\n"
    c.starttls()
    assert c.nothing_pending() == b""
    c.ehlo()
    assert c.cmd("RCPT TO:<bob@example.test>") == ["503 5.5.1 Error: need MAIL command"]
    c.close()


# --------------------------------------------------------------------------- swaks


def test_swaks_auth_submission(srv):
    pw = srv.users["bob@example.test"]
    r = subprocess.run(["swaks", "--server", f"{HOST}:{srv.ports['submission']}", "-tls",
                        "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", pw,
                        "--from", "bob@example.test", "--to", "swaks-dest@remote.test",
                        "--helo", "swaks.remote.test", "--header", "Subject: swaks submission",
                        "--body", "sent by swaks"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "<~  235 2.7.0 Authentication successful" in r.stdout, r.stdout
    m = re.search(r"<~  250 2\.0\.0 Ok: queued as ([A-Za-z0-9]+)", r.stdout)
    assert m, r.stdout
    queue = srv.queue_list()
    assert m.group(1) in queue and "<swaks-dest@remote.test> pending" in queue, queue
    assert pw not in srv.log()


def test_starttls_after_plaintext_auth_forgets_the_login(srv):
    # MX role on loopback may AUTH in plaintext; STARTTLS must reset that (RFC 3207 §4.2)
    c = srv.session("smtp", src=OUTSIDE, user="bob@example.test")
    assert c.cmd("STARTTLS") == ["220 2.0.0 Ready to start TLS"]
    c.starttls()
    c.ehlo()
    assert c.cmd("MAIL FROM:<bob@example.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("RCPT TO:<far@remote.test>") == ["554 5.7.1 <far@remote.test>: Relay access denied"]
    c.close()
