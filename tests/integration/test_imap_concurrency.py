"""Several sessions on one mailbox: incremental untagged updates (RFC 9051 §7.4.1, RFC 7162 §3.1.3,
§3.2.10). One session expunges, stores and appends while others FETCH, STORE and SEARCH; every
session must see each change exactly once, never an EXPUNGE during a command by sequence number,
never another message's content for an expunged one, and end with the same view as a new session."""
from __future__ import annotations

import random
import re
import threading

from ternlib import IMAPConn

MSG = b"From: a@remote.test\r\nTo: b@example.test\r\nSubject: m%d\r\n\r\nbody of message %d\r\n"


def without_recent(lines: list[bytes]) -> list[bytes]:
    """These sessions are IMAP4rev1 sessions, so new messages come with `* n RECENT` and `\\Recent`
    (RFC 3501 §2.3.2; tested on its own in Tests/IMAPServerTests/RecentTests.swift). The checks
    here are about propagating changes, so both are left out."""
    out = []
    for line in lines:
        if re.fullmatch(rb"\* \d+ RECENT\r\n", line):
            continue
        out.append(line.replace(b" \\Recent", b"").replace(b"(\\Recent ", b"(").replace(b"(\\Recent)", b"()"))
    return out


def logged_in(server, addr, pw) -> IMAPConn:
    c = server.imap_raw()
    assert c.readline().startswith(b"* OK ")
    c.login(addr, pw)
    ok, command = c.ok, c.command
    c.ok = lambda *a, **k: without_recent(ok(*a, **k))

    def command_without_recent(*a, **k):
        untagged, tagged = command(*a, **k)
        return without_recent(untagged), tagged
    c.command = command_without_recent
    return c


def filled(server, count: int) -> tuple[str, str]:
    addr, pw = server.new_user()
    with logged_in(server, addr, pw) as c:
        for i in range(1, count + 1):
            body = MSG % (i, i)
            c.send(b"a%d APPEND INBOX {%d+}\r\n" % (i, len(body)) + body + b"\r\n")
        for i in range(1, count + 1):
            _, tagged = c.until_tagged(f"a{i}")
            assert b" OK " in tagged, tagged
    return addr, pw


def view(c: IMAPConn) -> list[bytes]:
    """`* n FETCH (UID u FLAGS (...))` lines of the whole mailbox, flags sorted."""
    out = []
    for line in c.ok("FETCH 1:* (UID FLAGS)"):
        m = re.match(rb"\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)\r\n", line)
        assert m, line
        out.append(b"%s %s %s" % (m.group(1), m.group(2), b" ".join(sorted(m.group(3).split()))))
    return out


def test_expunge_by_other_session_waits_during_fetch_and_store(server):
    addr, pw = filled(server, 5)
    with logged_in(server, addr, pw) as a, logged_in(server, addr, pw) as b:
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        assert a.ok("EXPUNGE") == [b"* 2 EXPUNGE\r\n"]
        # FETCH by sequence number: no EXPUNGE; message 2 keeps its number, its content is refused.
        untagged, tagged = b.command("FETCH 1:3 (UID BODY.PEEK[TEXT])")
        assert not any(b"EXPUNGE" in line for line in untagged), untagged
        assert tagged.split(b" ", 1)[1].startswith(b"NO [EXPUNGEISSUED]"), tagged
        assert [line.split(b" (")[0] + b" " + line.split(b"UID ")[1].split(b" ")[0] for line in untagged] == [
            b"* 1 FETCH 1", b"* 3 FETCH 3"], untagged
        assert b"body of message 1" in untagged[0] and b"body of message 3" in untagged[1], untagged
        # STORE by sequence number: still no EXPUNGE; message 3 is still number 3.
        u = b.ok("STORE 3 +FLAGS (\\Flagged)")
        assert u == [b"* 3 FETCH (FLAGS (\\Flagged))\r\n"], u
        assert b.ok("SEARCH ALL") == [b"* SEARCH 1 2 3 4 5\r\n"]
        # The next command that allows it reports the expunge, once.
        assert b.ok("NOOP") == [b"* 2 EXPUNGE\r\n"]
        assert b.ok("NOOP") == []
        assert b.ok("SEARCH ALL") == [b"* SEARCH 1 2 3 4\r\n"]
        # A sees B's flag change exactly once, at its new sequence number.
        assert a.ok("NOOP") == [b"* 2 FETCH (UID 3 FLAGS (\\Flagged))\r\n"]
        assert a.ok("NOOP") == []
        assert view(a) == view(b)


def test_flags_exists_and_vanished_reach_other_sessions_once(server):
    addr, pw = filled(server, 4)
    with logged_in(server, addr, pw) as a, logged_in(server, addr, pw) as b, logged_in(server, addr, pw) as q:
        a.ok("SELECT INBOX")
        b.ok("ENABLE CONDSTORE")
        b.ok("SELECT INBOX")
        q.ok("ENABLE QRESYNC")
        q.ok("SELECT INBOX")
        a.ok("STORE 1,3 +FLAGS (\\Seen)")
        u = b.ok("NOOP")
        modseq = int(re.search(rb"MODSEQ \((\d+)\)", u[0]).group(1))
        assert u == [b"* %d FETCH (UID %d FLAGS (\\Seen) MODSEQ (%d))\r\n" % (n, n, modseq) for n in (1, 3)], u
        assert b.ok("NOOP") == []
        a.ok("STORE 4 +FLAGS.SILENT (\\Deleted)")
        a.ok("EXPUNGE")
        body = MSG % (9, 9)
        appended = a.ok(f"APPEND INBOX {{{len(body)}+}}\r\n{body.decode()}")
        u = q.ok("NOOP")
        assert u[0] == b"* VANISHED 4\r\n", u
        assert u[-1] == b"* 4 EXISTS\r\n", u
        assert sum(b"FETCH" in line for line in u) == 2, u  # 1 and 3 became \Seen
        assert q.ok("NOOP") == []
        u = b.ok("NOOP")
        assert u == [b"* 4 EXPUNGE\r\n", b"* 4 EXISTS\r\n"], u
        assert appended == [b"* 4 EXISTS\r\n"]  # its own APPEND, at once (RFC 9051 §6.3.12)
        assert a.ok("NOOP") == []
        assert view(a) == view(b) == view(q)


def test_concurrent_sessions_converge(server):
    """Four sessions store, expunge, append, fetch and search at random for a while; each one
    tracks its message count from EXISTS/EXPUNGE/VANISHED, and at the end every session's count
    and `FETCH 1:* (UID FLAGS)` equal a new session's."""
    addr, pw = filled(server, 60)
    errors: list[str] = []
    content = {uid: b"m%d" % uid for uid in range(1, 61)}  # UID -> the token in its body
    seen_content: list[tuple[int, bytes]] = []  # (UID, token) pairs FETCH returned
    conns = [logged_in(server, addr, pw) for _ in range(4)]
    counts = []
    for k, c in enumerate(conns):
        if k == 3:
            c.ok("ENABLE QRESYNC")
        counts.append(int(re.match(rb"\* (\d+) EXISTS", c.ok("SELECT INBOX")[0]).group(1)))

    def track(k: int, untagged: list[bytes], by_sequence: bool):
        for line in untagged:
            if m := re.match(rb"\* (\d+) EXISTS", line):
                counts[k] = int(m.group(1))
            elif re.match(rb"\* \d+ EXPUNGE", line):
                if by_sequence:
                    errors.append(f"session {k}: EXPUNGE during a command by sequence number")
                counts[k] -= 1
            elif m := re.match(rb"\* VANISHED ([\d:,]+)", line):
                for part in m.group(1).split(b","):
                    lo, _, hi = part.partition(b":")
                    counts[k] -= int(hi or lo) - int(lo) + 1
            elif m := re.match(rb"\* (\d+) FETCH", line):
                if int(m.group(1)) > counts[k]:
                    errors.append(f"session {k}: FETCH for {m.group(1)!r} beyond count {counts[k]}")

    def worker(k: int):
        rnd = random.Random(k)
        c = conns[k]
        try:
            for step in range(120):
                n = counts[k]
                choice = rnd.random()
                if n == 0 or choice < 0.1:
                    token = 1000 * (k + 1) + step
                    body = MSG % (token, token)
                    untagged, tagged = c.command(f"APPEND INBOX {{{len(body)}+}}\r\n{body.decode()}")
                    track(k, untagged, False)
                    content[int(re.search(rb"APPENDUID \d+ (\d+)", tagged).group(1))] = b"m%d" % token
                elif choice < 0.2:
                    untagged, tagged = c.command(f"STORE {rnd.randint(1, n)} +FLAGS.SILENT (\\Deleted)")
                    track(k, untagged, True)
                    untagged, tagged = c.command("EXPUNGE")
                    track(k, untagged, False)
                elif choice < 0.5:
                    flag = rnd.choice(["\\Seen", "\\Flagged", "$Label1"])
                    untagged, tagged = c.command(f"STORE {rnd.randint(1, n)} {rnd.choice('+-')}FLAGS ({flag})")
                    track(k, untagged, True)
                elif choice < 0.8:
                    a = rnd.randint(1, n)
                    untagged, tagged = c.command(f"FETCH {a}:{min(n, a + 5)} (UID FLAGS BODY.PEEK[TEXT])")
                    track(k, untagged, True)
                    for line in untagged:
                        if b"BODY[TEXT]" not in line:
                            continue
                        m = re.match(rb"\* \d+ FETCH \(UID (\d+) FLAGS \([^)]*\) BODY\[TEXT\] \{\d+\}\r\nbody of message (\d+)\r\n\)", line)
                        if not m:
                            errors.append(f"session {k}: odd FETCH {line!r}")
                        else:
                            seen_content.append((int(m.group(1)), b"m" + m.group(2)))
                    if tagged.split()[1] != b"OK" and not tagged.split()[2].startswith(b"[EXPUNGEISSUED]"):
                        errors.append(f"session {k}: {tagged!r}")
                    continue
                elif choice < 0.9:
                    untagged, tagged = c.command("SEARCH ALL")
                    track(k, untagged, True)
                else:
                    untagged, tagged = c.command("UID FETCH 1:* (FLAGS)")
                    track(k, untagged, False)
                if tagged.split()[1] != b"OK":
                    errors.append(f"session {k}: {tagged!r}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"session {k}: {e!r}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    assert seen_content and all(content[uid] == token for uid, token in seen_content)
    with logged_in(server, addr, pw) as fresh:
        exists = int(re.match(rb"\* (\d+) EXISTS", fresh.ok("SELECT INBOX")[0]).group(1))
        expected = view(fresh)
    assert len(expected) == exists
    for k, c in enumerate(conns):
        track(k, c.ok("NOOP"), False)
        assert counts[k] == exists, (k, counts[k], exists)
        assert view(c) == expected, k
        c.close()


def test_reselect_of_large_mailbox_sees_every_change(server):
    """A mailbox of 1,600 messages (large enough for the server to keep its snapshot): a second
    SELECT after other sessions' STORE, EXPUNGE and APPEND must show exactly the new state."""
    addr, pw = filled(server, 100)
    with logged_in(server, addr, pw) as a, logged_in(server, addr, pw) as b:
        a.ok("SELECT INBOX")
        for _ in range(4):
            copied = a.ok("COPY 1:* INBOX")
        assert copied == [b"* 1600 EXISTS\r\n"]  # reported with the COPY itself
        first = view(a)
        assert len(first) == 1600 and first[4] == b"5 5 " and first[-1] == b"1600 1600 "
        b.ok("SELECT INBOX")
        b.ok("STORE 5 +FLAGS (\\Flagged $Done)")
        b.ok("STORE 7 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        body = MSG % (1601, 1601)
        b.ok(f"APPEND INBOX {{{len(body)}+}}\r\n{body.decode()}")
        b.ok("UID STORE 1600 +FLAGS (\\Seen)")
        u = a.ok("SELECT INBOX")
        u = u[u.index(b"* OK [CLOSED] Previous mailbox is now closed\r\n") + 1:]
        assert u[0] == b"* 1600 EXISTS\r\n", u
        second = view(a)
        expected = [line for line in first if line != b"7 7 "]
        expected = [b"%d %s" % (i + 1, line.split(b" ", 1)[1]) for i, line in enumerate(expected)]
        expected[4] = b"5 5 $Done \\Flagged"
        expected[-1] = b"1599 1600 \\Seen"
        expected.append(b"1600 1601 ")
        assert second == expected
        untagged, _ = a.command("FETCH 1600 (UID BODY.PEEK[TEXT])")
        assert b"UID 1601 " in untagged[0] and b"body of message 1601" in untagged[0], untagged
