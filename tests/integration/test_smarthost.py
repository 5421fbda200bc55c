"""Smarthost (issue 4 item 6): every message goes to `relayhost`, over required TLS, with AUTH PLAIN.
The smarthost is a second Tern whose submission port requires STARTTLS and AUTH."""
from __future__ import annotations

import time

import pytest

from ternlib_submission import make_factory


@pytest.fixture()
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


def wait_for(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_relayhost_with_auth_over_tls(make, tmp_path):
    relay = make(roles=("submission", "imap"), users=("relay", "carol"),
                 sections={"smtp": {"sender_restrictions": []}, "auth": {"loopback_plaintext": False}})
    password = relay.users["relay@example.test"]
    pwfile = tmp_path / "relay-password"
    pwfile.write_text(password + "\n")
    sender = make(roles=("imap",), users=("alice",), sections={"outbound": {
        "relayhost": f"127.0.0.1:{relay.ports['submission']}", "relayhost_username": "relay@example.test",
        "relayhost_password_file": str(pwfile)}})
    # alice@example.test on the sender host writes to carol (a local user of the smarthost's own config:
    # both use example.test, so the sender routes carol as remote only through the relayhost).
    r = sender.cli("sendmail", "-f", "alice@example.test", "carol@elsewhere.test", input="Subject: via relay\n\nhello\n")
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: "status=sent (250 2.0.0 Ok: queued as" in sender.log()), sender.log()[-3000:]
    line = [l for l in sender.log().splitlines() if "to=<carol@elsewhere.test>" in l and "status=sent" in l][0]
    assert f"relay=127.0.0.1[127.0.0.1]:{relay.ports['submission']}" in line and "tls=TLSv1.3" in line, line
    assert "sasl_username=relay@example.test" in relay.log()
    assert "<carol@elsewhere.test> pending" in relay.queue_list(), "the smarthost queued it for the remote domain"


def test_relayhost_wrong_password_defers(make, tmp_path):
    relay = make(roles=("submission",), users=("relay",), sections={"smtp": {"sender_restrictions": []}})
    pwfile = tmp_path / "wrong"
    pwfile.write_text("not-the-password\n")
    sender = make(roles=("imap",), users=("alice",), sections={"outbound": {
        "relayhost": f"127.0.0.1:{relay.ports['submission']}", "relayhost_username": "relay@example.test",
        "relayhost_password_file": str(pwfile)}})
    assert sender.cli("sendmail", "-f", "alice@example.test", "x@elsewhere.test", input="Subject: x\n\ny\n").returncode == 0
    assert wait_for(lambda: "status=deferred (454 4.7.0 SASL authentication with the relay host failed" in sender.log()), sender.log()[-3000:]
