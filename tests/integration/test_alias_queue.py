"""Aliases (tern alias add/list/delete), sub-addressing, and the outbound queue (storage only):
relayed mail is queued, mixed local+remote messages are split, `tern queue list` shows them."""
from __future__ import annotations

import re

import pytest

from ternlib_submission import MSG, make_factory, queue_rows

OUTSIDE = "127.0.0.2"


@pytest.fixture(scope="module")
def make(tmp_path_factory, request):
    return make_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def srv(make):
    return make(sections={"smtp": {"auth": True}}, mynetworks=["127.0.0.1/32"])


def send(srv, rcpts, sender="stranger@remote.test", role="smtp", user=None, src=OUTSIDE):
    c = srv.session(role, src=src, user=user)
    try:
        assert c.cmd(f"MAIL FROM:<{sender}>") == ["250 2.1.0 Ok"]
        replies = [c.cmd(f"RCPT TO:<{r}>") for r in rcpts]
        qid = c.send_data(MSG) if any(r == ["250 2.1.5 Ok"] for r in replies) else None
        c.cmd("QUIT")
        return replies, qid
    finally:
        c.close()


def cli_ok(srv, *args):
    r = srv.cli(*args)
    assert r.returncode == 0, f"tern {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_alias_add_list_deliver_delete(srv):
    assert "postmaster@example.test" not in cli_ok(srv, "alias", "list")
    cli_ok(srv, "alias", "add", "postmaster@example.test", "bob@example.test")
    cli_ok(srv, "alias", "add", "team@example.test", "bob@example.test")
    cli_ok(srv, "alias", "add", "team@example.test", "alice@example.test")
    lines = cli_ok(srv, "alias", "list").splitlines()
    for pair in ("postmaster@example.test bob@example.test", "team@example.test bob@example.test",
                 "team@example.test alice@example.test"):
        assert pair in lines, lines
    # a target outside the local accounts/aliases, or a source outside the local domains, is refused
    assert srv.cli("alias", "add", "x@example.test", "ghost@example.test").returncode != 0
    assert srv.cli("alias", "add", "x@other.test", "bob@example.test").returncode != 0

    bob0, alice0 = srv.count("bob@example.test"), srv.count("alice@example.test")
    replies, _ = send(srv, ["postmaster@example.test"])
    assert replies == [["250 2.1.5 Ok"]]
    assert srv.count("bob@example.test") == bob0 + 1          # no restart needed
    send(srv, ["Team@Example.Test"])
    assert (srv.count("bob@example.test"), srv.count("alice@example.test")) == (bob0 + 2, alice0 + 1)
    assert srv.queue_list().strip() == "Mail queue is empty"

    cli_ok(srv, "alias", "delete", "team@example.test", "alice@example.test")
    assert "team@example.test alice@example.test" not in cli_ok(srv, "alias", "list").splitlines()
    send(srv, ["team@example.test"])
    assert (srv.count("bob@example.test"), srv.count("alice@example.test")) == (bob0 + 3, alice0 + 1)
    cli_ok(srv, "alias", "delete", "team@example.test")
    cli_ok(srv, "alias", "delete", "postmaster@example.test")
    assert srv.cli("alias", "delete", "postmaster@example.test").returncode != 0
    replies, _ = send(srv, ["postmaster@example.test"])
    assert replies == [["550 5.1.1 <postmaster@example.test>: Recipient address rejected: "
                        "no postmaster configured (tern alias add postmaster@example.test ADDRESS)"]]


def test_subaddressing(srv, make):
    before = srv.count("bob@example.test")
    replies, _ = send(srv, ["bob+lists@example.test"])
    assert replies == [["250 2.1.5 Ok"]]
    assert srv.count("bob@example.test") == before + 1
    stored = srv.fetch_all("bob@example.test")[-1]
    assert b"for <bob+lists@example.test>" in stored.split(b"\r\n\r\n", 1)[0]
    # recipient_delimiter = "" turns it off
    s2 = make(sections={"smtp": {"recipient_delimiter": ""}}, roles=("smtp", "imap"))
    replies, _ = send(s2, ["bob+lists@example.test", "bob@example.test"])
    assert replies == [["550 5.1.1 <bob+lists@example.test>: Recipient address rejected: "
                        "User unknown in local recipient table"], ["250 2.1.5 Ok"]]


def test_queue_mixed_local_and_remote_recipients(srv):
    bob0 = srv.count("bob@example.test")
    alice0 = srv.count("alice@example.test")
    replies, qid = send(srv, ["alice@example.test", "one@remote.test", "two@other.test", "bob@example.test"],
                        sender="bob@example.test", role="submission", user="bob@example.test")
    assert replies == [["250 2.1.5 Ok"]] * 4
    assert (srv.count("bob@example.test"), srv.count("alice@example.test")) == (bob0 + 1, alice0 + 1)
    listing = srv.queue_list()
    rows = queue_rows(listing)
    i = next(k for k, l in enumerate(rows) if l.startswith(qid))
    m = re.match(rf"{qid}\s+(\d+)\s+(.+?)\s+<bob@example\.test>$", rows[i])
    assert m, listing
    stored = srv.fetch_all("alice@example.test")[-1]
    assert int(m.group(1)) >= len(MSG)
    # remote recipients only, each pending; the local ones are not in the queue
    following = []
    for l in rows[i + 1:]:
        if not l.startswith(" "):
            break
        following.append(l.strip())
    assert sorted(following) == ["<one@remote.test> pending", "<two@other.test> pending"], listing
    assert "alice@example.test" not in listing and "<bob@example.test> pending" not in listing
    # the locally delivered copy is a normal authenticated submission
    head = stored.split(b"\r\n\r\n", 1)[0]
    assert b"with ESMTPSA id " + qid.encode() in head, head


def test_queue_survives_restart_and_lists_mynetworks_relay(srv):
    replies, qid = send(srv, ["far@remote.test"], sender="app@example.test", src="127.0.0.1")
    assert replies == [["250 2.1.5 Ok"]]
    before = srv.queue_list()
    assert qid in before and "<far@remote.test> pending" in before and "<app@example.test>" in before
    # durable: the same listing after a restart, and also while the server is down
    srv.stop()
    assert srv.queue_list() == before
    srv.start()
    assert srv.queue_list() == before


def test_queue_list_empty(make):
    s = make(roles=("smtp",))
    assert s.queue_list().strip() == "Mail queue is empty"
