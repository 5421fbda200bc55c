"""Breakit (issue 11 review): SIGKILL of `tern serve` during SMTP DATA, during a MOVE of many
messages, and during maildrop pickup; after a restart every acknowledged message is there once."""
from __future__ import annotations

import collections
import os
import random
import re
import threading
import time

import pytest

from ternlib import dot_stuff


def body(tag: str) -> bytes:
    return f"Subject: {tag}\r\n\r\n".encode() + (f"line {tag} ".encode() * 8 + b"\r\n") * 300 + f"END {tag}\r\n".encode()


def test_kill9_during_smtp_data_keeps_every_acknowledged_message_once(make_server):
    s = make_server(roles=("smtp", "imap"))
    acked, lock, stop = set(), threading.Lock(), threading.Event()

    def client(cid):
        n = 0
        while not stop.is_set():
            tag = f"c{cid}n{n}x{random.randint(0, 1 << 30)}"
            n += 1
            try:
                with s.smtp() as c:
                    c.expect("220 ")
                    c.ehlo()
                    c.cmd("MAIL FROM:<x@remote.test>")
                    c.cmd("RCPT TO:<bob@example.test>")
                    c.cmd("RCPT TO:<alice@example.test>")
                    c.cmd("DATA")
                    d = dot_stuff(body(tag))
                    for i in range(0, len(d), 4096):
                        c.send(d[i:i + 4096])
                    c.send(b".\r\n")
                    if c.reply()[0].startswith("250"):
                        with lock:
                            acked.add(tag)
            except (OSError, ConnectionError, AssertionError):
                time.sleep(0.05)

    for _ in range(3):
        if not s.running():
            s.start()
        stop.clear()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 1.5))
        s.kill9()
        stop.set()
        for t in threads:
            t.join()
    s.start()
    assert os.listdir(s.data_dir / "spool") == [], "spool files of the killed process are removed at start"
    assert acked
    for u in ("bob@example.test", "alice@example.test"):
        tags = collections.Counter()
        for m in s.fetch_all(u):
            t = re.search(rb"Subject: (\S+)", m).group(1).decode()
            tags[t] += 1
            assert m.endswith(f"END {t}\r\n".encode()), "a stored message is complete"
        assert acked <= set(tags), acked - set(tags)
        assert [t for t, v in tags.items() if v > 1] == []


def test_kill9_during_move_of_many_messages_is_all_or_nothing(make_server):
    s = make_server(roles=("smtp", "imap"), users=())
    pw = s.add_user("bob@example.test")
    c = s.imap_raw()
    c.readline()
    c.login("bob@example.test", pw)
    c.ok("CREATE Other")
    c.ok("SELECT INBOX")
    c.ok("APPEND INBOX {20+}\r\nSubject: x\r\n\r\nhello")
    for _ in range(10):
        c.ok("COPY 1:* INBOX")
    c.close()
    n = s.count("bob@example.test")
    assert n == 1024
    for _ in range(4):
        src, dst = ("INBOX", "Other") if s.count("bob@example.test", "Other") == 0 else ("Other", "INBOX")
        c = s.imap_raw()
        c.readline()
        c.login("bob@example.test", pw)
        c.ok(f"SELECT {src}")
        c.send(f"m1 MOVE 1:* {dst}\r\n".encode())
        time.sleep(random.uniform(0.0, 0.4))
        s.kill9()
        c.close()
        s.start()
        counts = (s.count("bob@example.test"), s.count("bob@example.test", "Other"))
        assert sorted(counts) == [0, n], counts


@pytest.mark.xfail(strict=False, reason="MaildropPickup.scan commits the delivery, then unlinks the claimed file: a "
                   "SIGKILL between the two delivers the message again at restart (seen 1 dup in 8 kills of 1500 drops). "
                   "Timing-dependent, hence not strict.")
def test_kill9_during_pickup_delivers_each_dropped_message_once(make_server):
    s = make_server(roles=("smtp", "imap"), users=("bob",), start=False, sections={"store": {"node_id": "n1"}})
    assert s.cli("sendmail", "-f", "root@example.test", "bob@example.test", input="Subject: m0\n\nbody 0\n").returncode == 0
    md = s.data_dir / "maildrop"
    [first] = os.listdir(md)
    template = (md / first).read_bytes()
    n = 1500
    for i in range(1, n):
        (md / f"{first[:-6]}{i:06d}").write_bytes(template.replace(b"Subject: m0", f"Subject: m{i}".encode()))
    for _ in range(10):
        s.start()
        time.sleep(random.uniform(0.0, 0.6))
        s.kill9()
    s.start()
    end = time.monotonic() + 90
    while os.listdir(md) and time.monotonic() < end:
        time.sleep(0.3)
    subjects = collections.Counter(re.search(rb"Subject: (m\d+)", m).group(1) for m in s.fetch_all("bob@example.test"))
    assert len(subjects) == n, "none lost"
    assert [k for k, v in subjects.items() if v > 1] == [], "none twice"


@pytest.mark.xfail(strict=False, reason="a message file renamed into messages/ whose commit never happened (SIGKILL "
                   "between MessageFiles.commit and the SQLite transaction) is never removed: no sweep at start")
def test_kill9_leaves_no_unreferenced_message_files(make_server):
    import sqlite3
    s = make_server(roles=("smtp", "imap"))
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                s.deliver(["bob@example.test"], body(f"t{random.randint(0, 1 << 30)}"))
            except (OSError, ConnectionError, AssertionError):
                time.sleep(0.05)

    for _ in range(6):
        if not s.running():
            s.start()
        stop.clear()
        threads = [threading.Thread(target=client) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 1.5))
        s.kill9()
        stop.set()
        for t in threads:
            t.join()
    s.start()
    s.stop()
    db = sqlite3.connect(s.data_dir / "tern.sqlite")
    referenced = {r[0] for r in db.execute("SELECT file_id FROM messages UNION SELECT file_id FROM queue")}
    db.close()
    files = set(os.listdir(s.data_dir / "messages"))
    assert files - referenced == set()
