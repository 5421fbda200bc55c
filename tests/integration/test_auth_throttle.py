"""Brute force: wrong passwords from one IP are slowed down, then refused (SMTP 454 4.7.0, IMAP
NO [UNAVAILABLE]) even with the right password; other IPs are unaffected; the lockout expires."""
from __future__ import annotations

import imaplib
import threading
import time

import pytest

from ternlib_submission import make_factory, plain

DELAY_AFTER = 3
STEP = 0.1            # failure_delay_ms = 100
MAX_FAILURES = 8
LOCKOUT = 6           # seconds

REFUSED = ["454 4.7.0 Too many authentication failures; try again later"]
FAILED = ["535 5.7.8 Error: authentication failed"]
OK = ["235 2.7.0 Authentication successful"]


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make):
    return make(sections={"smtp": {"auth": True},
                          "auth": {"delay_after": DELAY_AFTER, "failure_delay_ms": int(STEP * 1000),
                                   "max_failures": MAX_FAILURES, "lockout": LOCKOUT}},
                roles=("smtp", "submission", "submissions", "imap"))


def auth_once(srv, src, password, role="smtp", user="bob"):
    c = srv.session(role, src=src)
    try:
        t = time.monotonic()
        r = c.cmd(f"AUTH PLAIN {plain(user, password)}")
        return r, time.monotonic() - t
    finally:
        c.close()


def imap_login(srv, src, user, password):
    m = srv.imap_from(src)
    try:
        m.login(user, password)
        return "OK"
    except imaplib.IMAP4.error as e:
        return str(e)
    finally:
        try:
            m.logout()
        except Exception:
            pass


def test_brute_force_is_slowed_then_refused(srv, capsys):
    attacker, friend = "127.0.0.10", "127.0.0.2"
    pw = srv.users["bob@example.test"]
    replies, times = [], []
    concurrent = {}
    for n in range(1, 51):
        if n == MAX_FAILURES:
            # while this attempt is held back, another IP logs in without waiting for it
            def friendly():
                concurrent["reply"], concurrent["time"] = auth_once(srv, friend, pw, role="submission")
            th = threading.Thread(target=friendly)
            th.start()
        r, dt = auth_once(srv, attacker, f"wrong-{n}-{pw}")
        if n == MAX_FAILURES:
            th.join(10)
        replies.append(r)
        times.append(dt)
    with capsys.disabled():
        print("\nAUTH attempt times (s): " + " ".join(f"{n + 1}:{t:.2f}" for n, t in enumerate(times[:MAX_FAILURES + 2])))
    # 1..max_failures: 535, then 454 for every later attempt
    assert replies[:MAX_FAILURES] == [FAILED] * MAX_FAILURES, replies[:MAX_FAILURES + 1]
    assert replies[MAX_FAILURES:] == [REFUSED] * (50 - MAX_FAILURES), replies[MAX_FAILURES:]
    # slowed: once delay_after failures are on record, each answer waits STEP x (failures - delay_after + 1)
    for n in range(DELAY_AFTER + 1, MAX_FAILURES + 1):
        expected = STEP * (n - DELAY_AFTER)
        assert times[n - 1] >= 0.9 * expected, (n, times[n - 1], expected)
    early = max(times[:DELAY_AFTER])
    assert times[MAX_FAILURES - 1] > early + 0.3, times
    assert sum(times[DELAY_AFTER:MAX_FAILURES]) > sum(times[:DELAY_AFTER]) + 1.0, times
    # refusals are immediate (no point slowing a refusal; it holds no password check)
    assert max(times[MAX_FAILURES:]) < 1.0, times[MAX_FAILURES:]
    # the other IP was neither refused nor stuck behind the delayed attempt
    assert concurrent["reply"] == OK, concurrent
    assert concurrent["time"] < times[MAX_FAILURES - 1], (concurrent, times[MAX_FAILURES - 1])

    # locked: the right password is refused on every SMTP listener and on IMAP
    for role in ("smtp", "submission", "submissions"):
        assert auth_once(srv, attacker, pw, role=role)[0] == REFUSED, role
    c = srv.session("submission", src=attacker)
    assert c.cmd("AUTH LOGIN") == REFUSED
    c.close()
    assert imap_login(srv, attacker, "bob", pw) == \
        "b'[UNAVAILABLE] Too many authentication failures; try again later'"
    # other IPs are unaffected, both for the right password and for their own failure count
    assert auth_once(srv, friend, pw, role="submissions")[0] == OK
    assert auth_once(srv, friend, "wrong-" + pw, role="submission")[0] == FAILED
    assert auth_once(srv, friend, pw, role="submission")[0] == OK
    assert imap_login(srv, friend, "bob@example.test", pw) == "OK"
    assert "wrong-" not in srv.log(), "a password reached the log"


def test_imap_failures_lock_out_and_lockout_expires(srv):
    src = "127.0.0.11"
    pw = srv.users["alice@example.test"]
    results = [imap_login(srv, src, "alice", f"nope-{n}") for n in range(MAX_FAILURES)]
    assert all("[UNAVAILABLE]" not in r and r != "OK" for r in results), results
    assert imap_login(srv, src, "alice", pw) == \
        "b'[UNAVAILABLE] Too many authentication failures; try again later'"
    # the counter is per IP, shared by IMAP and SMTP
    assert auth_once(srv, src, pw, role="submission", user="alice")[0] == REFUSED
    time.sleep(LOCKOUT + 0.5)
    assert auth_once(srv, src, pw, role="submission", user="alice")[0] == OK
    assert imap_login(srv, src, "alice", pw) == "OK"
