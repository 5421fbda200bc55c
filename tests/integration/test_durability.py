"""Durability: flags and mailboxes survive a restart; a 250 survives SIGKILL right after the reply."""
from __future__ import annotations

import re
import smtplib
import threading

from ternlib import HOST, split_trace


def flags_and_state(srv, addr):
    m = srv.imap(addr)
    try:
        typ, data = m.select("INBOX")
        exists = int(data[0])
        uidvalidity = m.response("UIDVALIDITY")[1][0]
        uidnext = m.response("UIDNEXT")[1][0]
        typ, data = m.fetch("1:*", "(UID FLAGS)")
        flags = {}
        for d in data:
            uid = int(re.search(rb"UID (\d+)", d).group(1))
            flags[uid] = set(re.search(rb"FLAGS \(([^)]*)\)", d).group(1).decode().split())
        return exists, uidvalidity, uidnext, flags
    finally:
        m.logout()


def test_flags_and_uids_survive_restart(make_server):
    srv = make_server()
    addr = "bob@example.test"
    for i in range(3):
        srv.deliver(addr, f"Subject: keep {i}\r\n\r\nbody {i}\r\n".encode())
    m = srv.imap(addr)
    m.select("INBOX")
    m.store("1", "+FLAGS", "(\\Flagged \\Answered)")
    m.store("2", "+FLAGS", "(\\Seen)")
    m.store("3", "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    before = flags_and_state(srv, addr)
    assert before[0] == 2 and before[3] == {1: {"\\Flagged", "\\Answered"}, 2: {"\\Seen"}}, before
    bodies = srv.fetch_all(addr)

    assert srv.stop() == 0, "SIGTERM must stop tern serve with exit code 0"
    srv.start()
    assert flags_and_state(srv, addr) == before
    assert srv.fetch_all(addr) == bodies
    # a new message after restart gets the next UID, not a reused one
    srv.deliver(addr, b"Subject: after\r\n\r\nafter restart\r\n")
    m = srv.imap(addr)
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "ALL")
    assert data[0].split() == [b"1", b"2", b"4"], data
    m.logout()


def test_message_acknowledged_then_sigkill_is_kept(make_server):
    srv = make_server()
    addr = "bob@example.test"
    sent = []
    for i in range(3):
        body = f"Subject: kill {i}\r\nX-Seq: {i}\r\n\r\n".encode() + (f"line {i}\r\n" * 200).encode()
        s = smtplib.SMTP(HOST, srv.ports["smtp"], local_hostname="k.remote.test", timeout=10)
        s.ehlo()
        assert s.sendmail("alice@remote.test", [addr], body) == {}
        srv.kill9()  # right after the 250, before QUIT
        s.close()
        sent.append(body)
        srv.start()
        got = [split_trace(x)[1] for x in srv.fetch_all(addr)]
        assert got == sent, f"after kill #{i}: expected {len(sent)} messages, found {len(got)}"


def test_concurrent_acknowledged_messages_survive_sigkill(make_server):
    """Ten clients send at once; SIGKILL as soon as the first 250 arrives.
    Every message whose 250 was read before the kill must be there afterwards."""
    srv = make_server()
    addr = "bob@example.test"
    acked: list[bytes] = []
    lock = threading.Lock()
    first = threading.Event()
    start = threading.Barrier(10)
    errors: list[str] = []

    def client(i):
        body = f"Subject: race {i}\r\n\r\n".encode() + (b"z" * 78 + b"\r\n") * 50
        try:
            s = smtplib.SMTP(HOST, srv.ports["smtp"], local_hostname="r.remote.test", timeout=10)
            s.ehlo()
            start.wait(5)
            s.sendmail("alice@remote.test", [addr], body)
            with lock:
                acked.append(body)
            first.set()
        except Exception as e:  # killed before the reply: no promise was made
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    assert first.wait(20), f"no message was accepted: {errors}"
    with lock:
        srv.kill9()
        promised = list(acked)
    for t in threads:
        t.join(15)
    srv.start()
    got = {split_trace(x)[1] for x in srv.fetch_all(addr)}
    missing = [b.split(b"\r\n")[0] for b in promised if b not in got]
    assert not missing, f"acknowledged but lost after SIGKILL: {missing}"


def test_users_and_mailboxes_survive_restart(make_server):
    srv = make_server()
    m = srv.imap("alice@example.test")
    typ, data = m.list()
    names_before = sorted(data)
    m.logout()
    srv.restart()
    m = srv.imap("alice@example.test")
    typ, data = m.list()
    assert sorted(data) == names_before
    m.logout()


def test_sigterm_with_open_sessions_exits_zero(make_server):
    srv = make_server()
    with srv.imap_raw() as a, srv.smtp() as s:
        a.readline()
        a.login("bob@example.test", srv.users["bob@example.test"])
        a.ok("SELECT INBOX")
        a.send(b"i IDLE\r\n")
        assert a.readline().startswith(b"+ ")
        s.expect("220 ")
        s.ehlo()
        s.cmd("MAIL FROM:<a@remote.test>")
        s.cmd("RCPT TO:<bob@example.test>")
        s.cmd("DATA")
        s.send(b"Subject: half\r\n\r\nnot finished")
        assert srv.stop(timeout=10) == 0
    srv.start()
    assert srv.count("bob@example.test") == 0, "an unfinished DATA must not be stored"
