"""Sender restrictions and sender_login_maps (Postfix text format, read directly, reloaded on change)."""
from __future__ import annotations

import subprocess
import time

import pytest

import ternlib
from ternlib_submission import MSG, make_factory, plain

OUTSIDE = "127.0.0.2"
MAP = """# sender login map, Postfix text format: no postmap step
bob@example.test        bob
postmaster@example.test bob, alice
alice@example.test      alice
@shared.example.test    alice
"""


def not_owned(sender, user="bob@example.test"):
    return [f"553 5.7.1 <{sender}>: Sender address rejected: not owned by user {user}"]


def not_logged_in(sender):
    return [f"553 5.7.1 <{sender}>: Sender address rejected: not logged in"]


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make, tmp_path_factory):
    map_path = tmp_path_factory.mktemp("maps") / "sender_login_maps"
    map_path.write_text(MAP)
    s = make(sections={"smtp": {"auth": True, "sender_restrictions": ["reject_sender_login_mismatch"],
                                "sender_login_maps": str(map_path)}},
             domains=("example.test", "shared.example.test"), mynetworks=["127.0.0.1/32"])
    s.map_path = map_path
    return s


def attempt(srv, login, sender, role="submission", rcpt="friend@remote.test", src=OUTSIDE, data=False):
    c = srv.session(role, src=src)
    try:
        if login is not None:
            pw = srv.users[login if "@" in login else f"{login}@example.test"]
            assert c.cmd(f"AUTH PLAIN {plain(login, pw)}") == ["235 2.7.0 Authentication successful"]
        assert c.cmd(f"MAIL FROM:<{sender}>") == ["250 2.1.0 Ok"]
        r = c.cmd(f"RCPT TO:<{rcpt}>")
        if data and r == ["250 2.1.5 Ok"]:
            c.send_data(MSG)
        return r
    finally:
        c.close()


@pytest.mark.parametrize("login", ["bob", "bob@example.test"])
@pytest.mark.parametrize("role", ["submission", "submissions"])
def test_bob_may_send_as_mapped_addresses_only(srv, login, role):
    assert attempt(srv, login, "bob@example.test", role) == ["250 2.1.5 Ok"]
    assert attempt(srv, login, "postmaster@example.test", role) == ["250 2.1.5 Ok"]
    assert attempt(srv, login, "POSTMASTER@Example.Test", role) == ["250 2.1.5 Ok"]
    assert attempt(srv, login, "alice@example.test", role) == not_owned("alice@example.test")
    assert attempt(srv, login, "anyone@shared.example.test", role) == not_owned("anyone@shared.example.test")
    assert attempt(srv, login, "bob@remote.test", role) == not_owned("bob@remote.test")
    # the mismatch is refused even for a local recipient
    assert attempt(srv, login, "alice@example.test", role, rcpt="alice@example.test") == \
        not_owned("alice@example.test")


def test_alice_uses_shared_entries(srv):
    assert attempt(srv, "alice", "postmaster@example.test") == ["250 2.1.5 Ok"]
    assert attempt(srv, "alice", "anyone@shared.example.test") == ["250 2.1.5 Ok"]      # @domain lookup
    assert attempt(srv, "alice", "bob@example.test") == not_owned("bob@example.test", "alice@example.test")


def test_unauthenticated_owned_sender_refused_under_reject_sender_login_mismatch(srv):
    assert attempt(srv, None, "bob@example.test", role="smtp", rcpt="alice@example.test") == \
        not_logged_in("bob@example.test")
    assert attempt(srv, None, "postmaster@example.test", role="smtp", rcpt="alice@example.test") == \
        not_logged_in("postmaster@example.test")
    # a sender nobody owns is fine for inbound MX mail
    assert attempt(srv, None, "stranger@remote.test", role="smtp", rcpt="alice@example.test") == ["250 2.1.5 Ok"]
    assert attempt(srv, None, "", role="smtp", rcpt="alice@example.test") == ["250 2.1.5 Ok"]


def wait_for(fn, expect, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got == expect or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_map_edit_takes_effect_without_restart(srv):
    pid = srv.pid
    assert attempt(srv, "bob", "alice@example.test") == not_owned("alice@example.test")
    try:
        srv.map_path.write_text(MAP.replace("alice@example.test      alice", "alice@example.test      alice, bob")
                                .replace("postmaster@example.test bob, alice", "postmaster@example.test alice"))
        got = wait_for(lambda: attempt(srv, "bob", "alice@example.test"), ["250 2.1.5 Ok"])
        assert got == ["250 2.1.5 Ok"], f"map change not picked up within 5 s: {got}"
        assert attempt(srv, "bob", "postmaster@example.test") == not_owned("postmaster@example.test")
    finally:
        srv.map_path.write_text(MAP)
    got = wait_for(lambda: attempt(srv, "bob", "alice@example.test"), not_owned("alice@example.test"))
    assert got == not_owned("alice@example.test")
    assert attempt(srv, "bob", "postmaster@example.test") == ["250 2.1.5 Ok"]
    assert srv.pid == pid and srv.running()


def test_map_replaced_by_rename_is_reloaded(srv):
    tmp = srv.map_path.with_suffix(".new")
    tmp.write_text(MAP + "carol@example.test bob\n")
    tmp.replace(srv.map_path)
    try:
        got = wait_for(lambda: attempt(srv, "bob", "carol@example.test"), ["250 2.1.5 Ok"])
        assert got == ["250 2.1.5 Ok"], got
    finally:
        srv.map_path.write_text(MAP)


def test_map_query_cli(srv):
    def q(key):
        return subprocess.run([str(ternlib.tern_binary()), "map", "query", key, str(srv.map_path)],
                              capture_output=True, text=True, timeout=20)
    r = q("postmaster@example.test")
    assert (r.returncode, r.stdout) == (0, "bob, alice\n")
    r = q("bob@example.test")
    assert (r.returncode, r.stdout) == (0, "bob\n")
    r = q("@shared.example.test")
    assert (r.returncode, r.stdout) == (0, "alice\n")
    r = q("nobody@example.test")
    assert (r.returncode, r.stdout) == (1, "")


def test_without_map_accounts_own_their_address_and_aliases(make):
    s = make(sections={"smtp": {"auth": True}}, roles=("smtp", "submission", "imap"))
    r = s.cli("alias", "add", "postmaster@example.test", "bob@example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    # default sender_restrictions = reject_authenticated_sender_login_mismatch
    assert attempt(s, "bob", "bob@example.test") == ["250 2.1.5 Ok"]
    assert attempt(s, "bob", "postmaster@example.test") == ["250 2.1.5 Ok"]
    assert attempt(s, "bob", "alice@example.test") == not_owned("alice@example.test")
    assert attempt(s, "alice", "postmaster@example.test") == \
        not_owned("postmaster@example.test", "alice@example.test")
    # unauthenticated MX mail claiming a local sender is not checked by the default policy
    assert attempt(s, None, "bob@example.test", role="smtp", rcpt="alice@example.test") == ["250 2.1.5 Ok"]


def test_reject_unauthenticated_sender_login_mismatch_only(make):
    s = make(sections={"smtp": {"auth": True,
                                "sender_restrictions": ["reject_unauthenticated_sender_login_mismatch"]}},
             roles=("smtp", "submission", "imap"))
    assert attempt(s, None, "bob@example.test", role="smtp", rcpt="alice@example.test") == \
        not_logged_in("bob@example.test")
    assert attempt(s, "bob", "alice@example.test", rcpt="alice@example.test") == ["250 2.1.5 Ok"]


def test_missing_map_file_is_a_config_error(make, tmp_path):
    s = make(sections={"smtp": {"sender_login_maps": str(tmp_path / "nope")}}, start=False, users=())
    r = s.cli("check")
    assert r.returncode != 0 and "sender_login_maps" in r.stdout + r.stderr, r.stdout + r.stderr
