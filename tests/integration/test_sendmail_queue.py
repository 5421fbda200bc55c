"""`tern sendmail` (maildrop, picked up at start) and the queue CLI (issue 4 items 7 and 8)."""
from __future__ import annotations

import time

import pytest

DNS = ["remote.test. 300 IN MX 10 mx.remote.test.", "mx.remote.test. 300 IN A 127.0.0.1"]


@pytest.fixture()
def stopped(make_server):
    # MX delivery goes to port 1 on loopback: refused, so remote mail stays queued (deferred).
    return make_server(start=False, sections={"outbound": {"port": 1, "minimal_backoff_time": 3600}, "dns": {"local_data": DNS}})


def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_sendmail_with_server_stopped_is_delivered_at_start(stopped):
    msg = "To: bob@example.test\nCc: carol@remote.test\nBcc: alice@example.test\nSubject: from cron\n\nline one\n.\nnot the end with -i\n"
    r = stopped.cli("sendmail", "-t", "-i", "-f", "root@example.test", "-F", "Cron Daemon", input=msg)
    assert r.returncode == 0, r.stderr
    assert stopped.cli("queue", "list").stdout.strip() == "Mail queue is empty"   # still in the maildrop
    stopped.start()
    assert wait_for(lambda: stopped.count("bob@example.test") == 1 and stopped.count("alice@example.test") == 1)
    body = stopped.fetch_all("bob@example.test")[0]
    assert b"Return-Path: <root@example.test>\r\nReceived: by mail.example.test (Tern sendmail)\r\n" in body
    assert b'From: "Cron Daemon" <root@example.test>\r\n' in body
    assert b"Bcc:" not in body, "sendmail -t removes Bcc"
    assert body.endswith(b"\r\nline one\r\n.\r\nnot the end with -i\r\n")
    listing = stopped.cli("queue", "list").stdout
    assert "<root@example.test>" in listing and "<carol@remote.test> pending" in listing


def test_sendmail_exit_codes(stopped):
    assert stopped.cli("sendmail", input="Subject: x\n\ny\n").returncode == 64          # no recipients
    assert stopped.cli("sendmail", "-bx", "a@b.test", input="x\n").returncode == 64      # unsupported mode
    assert stopped.cli("sendmail", "not-an-address", input="x\n").returncode == 65
    r = stopped.cli("sendmail", "bob@example.test", input="Subject: dot\n\nbefore\n.\nafter\n")
    assert r.returncode == 0
    stopped.start()
    assert wait_for(lambda: stopped.count("bob@example.test") == 1)
    assert stopped.fetch_all("bob@example.test")[0].endswith(b"\r\nbefore\r\n"), "without -i a lone dot ends the input"


def test_queue_hold_release_flush_delete_show(stopped):
    stopped.start()
    for i in range(2):
        assert stopped.cli("sendmail", "-f", "root@example.test", "x@remote.test", input=f"Subject: q{i}\n\nbody {i}\n").returncode == 0
    assert wait_for(lambda: stopped.cli("queue", "list").stdout.count("<x@remote.test> pending") == 2)
    listing = stopped.cli("queue", "list").stdout
    ids = [line.split()[0] for line in listing.splitlines() if line[:1].isalnum() and not line.startswith("-")]
    assert len(ids) == 2, listing
    shown = stopped.cli("queue", "show", ids[0]).stdout
    assert shown.startswith(f"queue id: {ids[0]}\n") and "recipient: <x@remote.test> pending" in shown
    assert "Subject: q" in shown and "\nbody " in shown, "the message follows the envelope"
    assert stopped.cli("queue", "hold", ids[0]).stdout.strip() == "held 1 message(s)"
    assert f"(held: tern queue release {ids[0]})" in stopped.cli("queue", "list").stdout
    assert stopped.cli("queue", "release", ids[0]).stdout.strip() == "released 1 message(s)"
    assert stopped.cli("queue", "flush").returncode == 0
    assert stopped.cli("queue", "delete", ids[0]).stdout.strip() == "deleted 1 message(s)"
    assert stopped.cli("queue", "delete", "NOSUCHID").returncode == 1
    assert stopped.cli("queue", "delete", "--all").stdout.strip() == "deleted 1 message(s)"
    assert stopped.cli("queue", "list").stdout.strip() == "Mail queue is empty"
