"""Breakit (issue 11 review): two `tern serve` nodes on one data_dir — node ids that collide in the
maildrop claim namespace or in the lease-owner namespace without being refused."""
from __future__ import annotations

import os
import socket
import time

import pytest

from ternlib import TernServer


def wait_for(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def pair(tmp_path, node_a, node_b):
    sa = {"store": {"node_id": node_a}} if node_a is not None else {}
    a = TernServer(tmp_path / "a", sections=sa, roles=("smtp", "imap"))
    b = TernServer(tmp_path / "b", sections={"store": {"node_id": node_b}}, roles=("smtp",))
    b.data_dir = a.data_dir
    b.write_config()
    a.add_user("bob@example.test")
    return a, b


def test_node_does_not_take_messages_claimed_by_a_node_whose_id_it_prefixes(tmp_path):
    a, b = pair(tmp_path, "a", "a.b")
    try:
        assert a.cli("sendmail", "-f", "root@example.test", "bob@example.test", input="Subject: claimed by a.b\n\nx\n").returncode == 0
        md = a.data_dir / "maildrop"
        [drop] = os.listdir(md)
        # The state node `a.b` leaves while it delivers it (or after a crash, until it restarts).
        os.rename(md / drop, md / f".claimed.a.b.{drop}")
        a.start()
        time.sleep(3)
        # Only node a.b may deliver it: node `a` must leave it alone.
        assert os.listdir(md) == [f".claimed.a.b.{drop}"], os.listdir(md)
        assert a.count("bob@example.test") == 0
    finally:
        a.stop()
        b.stop()


def test_explicit_node_id_equal_to_the_default_one_is_refused(tmp_path):
    a, b = pair(tmp_path, None, socket.gethostname())
    try:
        a.start()
        started = True
        try:
            b.start(timeout=10)
        except AssertionError:
            started = False
        assert not started, "two serve processes share the node id " + socket.gethostname()
    finally:
        a.stop()
        b.stop()


def test_two_nodes_deliver_sendmail_exactly_once(tmp_path):
    a, b = pair(tmp_path, "n1", "n2")
    try:
        a.start()
        b.start()
        n = 40
        for i in range(n):
            assert a.cli("sendmail", "-f", "root@example.test", "bob@example.test", input=f"Subject: m{i}\n\nbody {i}\n").returncode == 0
        assert wait_for(lambda: not os.listdir(a.data_dir / "maildrop"), 60)
        time.sleep(1.5)
        subjects = sorted(m.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0] for m in a.fetch_all("bob@example.test"))
        assert subjects == sorted(f"m{i}".encode() for i in range(n))
        # tern reload reaches each node through its own pid file
        for s in (a, b):
            r = s.cli("reload")
            assert r.returncode == 0, r.stdout + r.stderr
            assert "received SIGHUP" in s.log()
        # a CLI account change while both run is seen by both
        a.add_user("late@example.test")
        for s in (a, b):
            with s.smtp() as c:
                c.expect("220 ")
                c.ehlo()
                c.cmd("MAIL FROM:<x@remote.test>")
                assert c.cmd("RCPT TO:<late@example.test>") == ["250 2.1.5 Ok"]
    finally:
        a.stop()
        b.stop()
