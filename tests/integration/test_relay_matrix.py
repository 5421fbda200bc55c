"""Open-relay matrix: every tricky address form x every listener x with/without AUTH, from a client
outside mynetworks. No unauthorised case may be accepted; relay_restrictions config checks."""
from __future__ import annotations

import re
import subprocess

import pytest

import ternlib

from ternlib_submission import MSG, make_factory, plain

OUTSIDE = "127.0.0.2"

# Recipients that are NOT in a local domain, however they are spelled. (RCPT argument, canonical echo or None)
REMOTE_FORMS = [
    "<x@remote.test>",
    "<x@REMOTE.TEST>",
    "<x@remote.test.>",                            # trailing dot
    "<user%remote.test@example.test>",             # %-hack through a local domain
    "<bob%example.test@example.test>",             # %-hack naming a local domain
    "<remote.test!user@example.test>",             # bang path
    '<"user@remote.test"@example.test>',           # quoted local part with @
    '<"user%remote.test"@example.test>',
    "<@example.test:user@remote.test>",            # source route through us
    "<@a.test,@b.test:user@c.test>",               # source route, final domain c.test
    "<@example.test,@example.test:user@REMOTE.test.>",
    "<user@[192.0.2.1]>",                          # address literals, even our own address
    "<user@[127.0.0.1]>",
    "<bob@[127.0.0.1]>",
    "<user@[IPv6:::1]>",
    "<bob@example.test.remote.test>",              # suffix / subdomain tricks
    "<bob@sub.example.test>",
    "<bob@example.testx>",
    "<bob@xn--exmple-cua.test>",                   # IDN (A-label)
    "<bob@exämple.test> SMTPUTF8",                 # IDN (U-label), needs SMTPUTF8 on MAIL
    "<postmaster@remote.test>",
    "<bob@remote.test>",
]

# Recipients that are local however they are spelled: accepted without AUTH, delivered locally.
LOCAL_FORMS = [
    "<bob@example.test>",
    "<BOB@EXAMPLE.TEST>",
    "<bob@example.test.>",
    "<@remote.test:bob@example.test>",
    "<bob+tag@example.test>",
]

LISTENERS = ["smtp", "submission", "submissions"]


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make):
    return make(sections={"smtp": {"auth": True, "hard_error_limit": 1000}}, mynetworks=["127.0.0.1/32"])


def try_rcpt(srv, role, authed, rcpt_arg, src=OUTSIDE):
    """One transaction attempt; returns (MAIL reply, RCPT reply or None, queue id or None)."""
    smtputf8 = rcpt_arg.endswith(" SMTPUTF8")
    rcpt = rcpt_arg.removesuffix(" SMTPUTF8")
    sender = "bob@example.test" if authed else "stranger@remote.test"
    c = srv.session(role, src=src, user="bob@example.test" if authed else None)
    try:
        mail = c.cmd(f"MAIL FROM:<{sender}>" + (" SMTPUTF8" if smtputf8 else ""))
        if not mail[0].startswith("250"):
            return mail, None, None
        r = c.cmd(f"RCPT TO:{rcpt}")
        qid = c.send_data(MSG) if r[0].startswith("250") else None
        c.cmd("QUIT")
        return mail, r, qid
    finally:
        c.close()


def test_open_relay_matrix(srv, capsys):
    failures = []
    tried = 0
    relayed_with_auth = []
    for role in LISTENERS:
        for authed in (False, True):
            for form in REMOTE_FORMS:
                tried += 1
                mail, rcpt, qid = try_rcpt(srv, role, authed, form)
                case = f"{role} auth={authed} RCPT TO:{form}"
                if not authed:
                    if rcpt is not None and rcpt[0].startswith("2"):
                        failures.append(f"OPEN RELAY: {case} -> {rcpt} (queued as {qid})")
                    elif role == "smtp":
                        ok = rcpt is not None and len(rcpt) == 1 and re.fullmatch(
                            r"554 5\.7\.1 <[^>]+>: Relay access denied", rcpt[0])
                        utf8_refused = rcpt == [f"553 5.6.7 {form.split()[0]}: SMTPUTF8 is required for this address"]
                        if not ok and not utf8_refused:
                            failures.append(f"unexpected refusal: {case} -> {rcpt}")
                    elif mail != ["530 5.7.0 Authentication required"]:
                        failures.append(f"unexpected MAIL reply: {case} -> {mail}")
                else:
                    assert mail == ["250 2.1.0 Ok"], (case, mail)
                    if rcpt[0].startswith("2"):
                        relayed_with_auth.append((case, qid))
            for form in LOCAL_FORMS:
                tried += 1
                mail, rcpt, qid = try_rcpt(srv, role, authed, form)
                case = f"{role} auth={authed} RCPT TO:{form}"
                if role == "smtp" or authed:
                    if rcpt != ["250 2.1.5 Ok"]:
                        failures.append(f"local form refused: {case} -> {rcpt}")
                elif mail != ["530 5.7.0 Authentication required"]:
                    failures.append(f"unexpected MAIL reply: {case} -> {mail}")
    with capsys.disabled():
        print(f"\nopen-relay matrix: {tried} cases tried "
              f"({len(REMOTE_FORMS)} remote + {len(LOCAL_FORMS)} local forms x {len(LISTENERS)} listeners x AUTH/no AUTH), "
              f"{len(relayed_with_auth)} authorised relays queued, {len(failures)} failures")
    assert not failures, "\n".join(failures)
    # the plain remote domains must relay for an authenticated user on every listener
    for role in LISTENERS:
        assert any(c.startswith(f"{role} auth=True RCPT TO:<x@remote.test>") for c, _ in relayed_with_auth), role
    # everything queued came from an authenticated session: exactly the authorised relays
    queue = srv.queue_list()
    queued_ids = set(re.findall(r"^([0-9A-F]{8,})\s", queue, re.M))
    assert queued_ids == {qid for _, qid in relayed_with_auth}, queue
    # and every local-form delivery reached bob (LOCAL_FORMS x (smtp unauth + 3 listeners auth))
    assert srv.count("bob@example.test") == len(LOCAL_FORMS) * 4


def test_mynetworks_permits_relay_on_mx_only(srv):
    mail, rcpt, qid = try_rcpt(srv, "smtp", False, "<x@mynet-relay.test>", src="127.0.0.1")
    assert (mail, rcpt) == (["250 2.1.0 Ok"], ["250 2.1.5 Ok"])
    assert f"<x@mynet-relay.test> pending" in srv.queue_list()
    # submission still demands AUTH even from mynetworks
    mail, rcpt, _ = try_rcpt(srv, "submission", False, "<x@mynet-relay.test>", src="127.0.0.1")
    assert mail == ["530 5.7.0 Authentication required"]
    # and a neighbour outside the /32 is not trusted
    mail, rcpt, _ = try_rcpt(srv, "smtp", False, "<x@mynet-relay.test>", src="127.0.0.3")
    assert rcpt == ["554 5.7.1 <x@mynet-relay.test>: Relay access denied"]


def test_default_mynetworks_is_empty(make):
    s = make(roles=("smtp", "imap"))
    c = s.session("smtp", src="127.0.0.1")
    assert c.cmd("MAIL FROM:<x@remote.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("RCPT TO:<y@remote.test>") == ["554 5.7.1 <y@remote.test>: Relay access denied"]
    assert c.cmd("RCPT TO:<user%remote.test@example.test>") == \
        ["554 5.7.1 <user%remote.test@example.test>: Relay access denied"]
    c.close()
    assert s.queue_list().strip() == "Mail queue is empty"


def test_defer_unauth_destination_and_first_match(make):
    s = make(sections={"smtp": {"auth": True, "relay_restrictions": ["defer_unauth_destination"]}},
             roles=("smtp", "imap"))
    c = s.session("smtp", src=OUTSIDE)
    assert c.cmd("MAIL FROM:<x@remote.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("RCPT TO:<y@remote.test>") == ["454 4.7.1 <y@remote.test>: Relay access denied"]
    assert c.cmd("RCPT TO:<bob@example.test>") == ["250 2.1.5 Ok"]
    c.close()
    # first match wins: reject_unauth_destination before permit_sasl_authenticated refuses even bob
    s2 = make(sections={"smtp": {"auth": True, "relay_restrictions":
                                 ["reject_unauth_destination", "permit_sasl_authenticated"]}},
              roles=("smtp", "imap"))
    c = s2.session("smtp", src=OUTSIDE, user="bob@example.test")
    assert c.cmd("MAIL FROM:<bob@example.test>") == ["250 2.1.0 Ok"]
    assert c.cmd("RCPT TO:<y@remote.test>") == ["554 5.7.1 <y@remote.test>: Relay access denied"]
    c.close()


@pytest.mark.parametrize("words,needle", [
    (["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destinaton"], "reject_unauth_destinaton"),
    (["permit_mynetworks", "frobnicate"], "frobnicate"),
    (["permit"], None),
    (["permit_mynetworks", "permit_sasl_authenticated"], None),
    ([], None),
    # first match: a leading permit makes every later reject unreachable, so these are open relays too
    (["permit", "reject_unauth_destination"], None),
    (["permit_mynetworks", "permit", "reject"], None),
])
def test_relay_restrictions_config_errors(make, words, needle):
    s = make(sections={"smtp": {"relay_restrictions": words}}, start=False, users=())
    r = s.cli("check")
    out = r.stdout + r.stderr
    assert r.returncode != 0, f"tern check accepted relay_restrictions = {words}:\n{out}"
    assert "relay_restrictions" in out, out
    if needle:
        assert needle in out, out
    # serve refuses too
    p = subprocess.run([str(ternlib.tern_binary()), *ternlib.SERVE, "--config", str(s.config_path)],
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and "relay_restrictions" in p.stdout + p.stderr


def ipv6_loopback() -> bool:
    import socket
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback")
@pytest.mark.parametrize("nets,relays", [(["::1/128"], True), (["127.0.0.0/8"], False), (["::/0"], True)])
def test_mynetworks_ipv6(make, nets, relays):
    import socket
    from ternlib_submission import SubServer
    from ternlib import SMTPConn

    class V6(SubServer):
        def config_text(self):
            return super().config_text().replace('smtp = ["127.0.0.1:0"]', 'smtp = ["[::1]:0"]')

    s = make(roles=("smtp",), mynetworks=nets, start=False)
    s.__class__ = V6
    s.write_config()
    s.start()
    c = SMTPConn.__new__(SMTPConn)
    c.sock = socket.create_connection(("::1", s.ports["smtp"]), timeout=10)
    c.buf, c.timeout = b"", 10
    c.expect("220 ")
    c.ehlo()
    assert c.cmd("MAIL FROM:<x@remote.test>") == ["250 2.1.0 Ok"]
    r = c.cmd("RCPT TO:<y@remote.test>")
    assert r == (["250 2.1.5 Ok"] if relays else ["554 5.7.1 <y@remote.test>: Relay access denied"]), (nets, r)
    c.close()


@pytest.mark.parametrize("nets", [["::ffff:127.0.0.1/128"], ["::ffff:127.0.0.0/104"]])
def test_mynetworks_ipv4_mapped_entry_matches_ipv4_client(make, nets):
    s = make(roles=("smtp",), mynetworks=nets)
    mail, rcpt, _ = try_rcpt(s, "smtp", False, "<y@remote.test>", src="127.0.0.1")
    assert rcpt == ["250 2.1.5 Ok"], (nets, rcpt)
    if nets[0].endswith("/128"):
        mail, rcpt, _ = try_rcpt(s, "smtp", False, "<y@remote.test>", src=OUTSIDE)
        assert rcpt == ["554 5.7.1 <y@remote.test>: Relay access denied"], (nets, rcpt)
