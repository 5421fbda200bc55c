"""QUOTA (RFC 9208, resource STORAGE), APPENDLIMIT (RFC 7889), STATUS SIZE/DELETED/DELETED-STORAGE,
and the SMTP side of a full mailbox (452 4.2.2)."""
from __future__ import annotations

import pytest

from ternlib import dot_stuff

def message(size: int, fill: bytes = b"x") -> bytes:
    """A message of exactly `size` octets with 100-octet lines (SMTP's 1000-octet line limit)."""
    head = b"From: a@remote.test\r\nSubject: s\r\n\r\n"
    rest = size - len(head)
    body = (fill * 98 + b"\r\n") * (rest // 100)
    tail = rest - len(body)
    return head + body + (fill * (tail - 2) + b"\r\n" if tail >= 2 else b"")


BIG = message(3000)
SMALL = message(1200, b"y")
assert len(BIG) == 3000 and len(SMALL) == 1200


def literal(data: bytes) -> bytes:
    return b"{%d+}\r\n" % len(data) + data


@pytest.fixture()
def quota_server(make_server):
    """4 KiB per account by default; a 2 KiB message size limit makes APPENDLIMIT=4096 (the smaller
    of message_size_limit and literal_size_limit) testable: message_size_limit is 4096 here."""
    return make_server(sections={"limits": {"quota_storage": "4K"}, "smtp": {"message_size_limit": 4096}}, users=())


def login(server, addr, pw):
    c = server.imap_raw()
    assert c.readline().startswith(b"* OK ")
    c.login(addr, pw)
    return c


def test_capability_and_unlimited_default(server, user):
    with login(server, *user) as c:
        caps = c.ok("CAPABILITY")[0].split()
        assert b"QUOTA" in caps and b"QUOTA=RES-STORAGE" in caps and b"APPENDLIMIT=52428800" in caps
        assert c.ok("GETQUOTAROOT INBOX") == [b'* QUOTAROOT "INBOX"\r\n']
        untagged, tagged = c.command('GETQUOTA ""')
        assert tagged == b"t4 NO [NONEXISTENT] No such quota root\r\n"


def test_getquota_append_copy_over_quota(quota_server):
    s = quota_server
    addr, pw = s.new_user()
    with login(s, addr, pw) as c:
        assert c.ok("GETQUOTAROOT INBOX") == [b'* QUOTAROOT "INBOX" ""\r\n', b'* QUOTA "" (STORAGE 0 4)\r\n']
        untagged, tagged = c.command(b"APPEND INBOX (\\Seen) " + literal(BIG))
        assert tagged.startswith(b"t3 OK [APPENDUID "), tagged
        assert c.ok('GETQUOTA ""') == [b'* QUOTA "" (STORAGE 3 4)\r\n']  # 3000 octets = 2.9 KiB, rounded up
        untagged, tagged = c.command(b"APPEND Drafts " + literal(SMALL))
        assert tagged == b"t5 NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n"
        c.ok("SELECT INBOX")
        untagged, tagged = c.command("COPY 1 Archive")
        assert tagged == b"t7 NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n"
        # MOVE does not grow the account: allowed.
        c.ok("MOVE 1 Archive")
        untagged, tagged = c.command('GETQUOTA "other"')
        assert tagged == b"t9 NO [NONEXISTENT] No such quota root\r\n"
        untagged, tagged = c.command('SETQUOTA "" (STORAGE 100)')
        assert tagged.startswith(b"t10 NO [NOPERM] "), tagged
        untagged, tagged = c.command("GETQUOTAROOT Nope")
        assert tagged == b"t11 NO [NONEXISTENT] Mailbox does not exist\r\n"
        # STATUS SIZE / DELETED / DELETED-STORAGE (RFC 8438, RFC 9051, RFC 9208 §4.3)
        c.ok("SELECT Archive")
        c.ok("STORE 1 +FLAGS (\\Deleted)")
        assert c.ok("STATUS Archive (MESSAGES SIZE DELETED DELETED-STORAGE)") == [
            b'* STATUS "Archive" (MESSAGES 1 SIZE 3000 DELETED 1 DELETED-STORAGE 3)\r\n']
        c.ok("EXPUNGE")
        assert c.ok('GETQUOTA ""') == [b'* QUOTA "" (STORAGE 0 4)\r\n']


def test_appendlimit_toobig(quota_server):
    s = quota_server
    addr, pw = s.new_user()
    s.cli("user", "quota", addr, "1M")
    with login(s, addr, pw) as c:
        caps = c.ok("CAPABILITY")[0].split()
        assert b"APPENDLIMIT=4096" in caps
        assert c.ok("STATUS Sent (APPENDLIMIT)") == [b'* STATUS "Sent" (APPENDLIMIT 4096)\r\n']
        untagged, tagged = c.command(b"APPEND INBOX " + literal(b"z" * 4097))
        # The framer refuses (and skips) a LITERAL+ above the limit (RFC 7888 §4) before the session sees it.
        assert tagged == b"t4 NO [TOOBIG] Literal of 4097 octets exceeds the limit of 4096\r\n"
        untagged, tagged = c.command(b"APPEND INBOX " + literal(b"z" * 4096))
        assert tagged.startswith(b"t5 OK [APPENDUID "), tagged
        # A synchronising literal above the limit is refused before the client sends it.
        c.send(b"s1 APPEND INBOX {4097}\r\n")
        assert c.readline() == b"s1 NO [TOOBIG] Literal of 4097 octets exceeds the limit of 4096\r\n"
        assert c.ok("NOOP") == []


def test_user_quota_override(quota_server):
    s = quota_server
    addr, pw = s.new_user()
    r = s.cli("user", "quota", addr)
    assert r.returncode == 0 and r.stdout == f"{addr}: used 0 octets, limit 4096 octets (default)\n", r
    r = s.cli("user", "quota", addr, "1M")
    assert r.returncode == 0 and r.stdout == f"{addr}: used 0 octets, limit 1048576 octets\n", r
    with login(s, addr, pw) as c:
        assert c.ok('GETQUOTA ""') == [b'* QUOTA "" (STORAGE 0 1024)\r\n']
    r = s.cli("user", "quota", addr, "0")
    assert r.stdout == f"{addr}: used 0 octets, limit unlimited\n", r
    with login(s, addr, pw) as c:
        assert c.ok("GETQUOTAROOT INBOX") == [b'* QUOTAROOT "INBOX"\r\n']
    r = s.cli("user", "quota", addr, "default")
    assert r.stdout == f"{addr}: used 0 octets, limit 4096 octets (default)\n", r
    r = s.cli("user", "quota", addr, "lots")
    assert r.returncode != 0 and "is not a size" in r.stderr, r
    r = s.cli("user", "quota", "nobody@example.test", "1M")
    assert r.returncode != 0 and "no account" in r.stderr, r


def test_smtp_full_mailbox_452(quota_server):
    s = quota_server
    addr, pw = s.new_user()
    other, _ = s.new_user()
    # Room for SMALL but not for BIG after it: refused at end of data, nothing stored.
    s.deliver(addr, SMALL)
    with s.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        c.expect_cmd("MAIL FROM:<a@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        assert c.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]
        c.send(dot_stuff(BIG) + b".\r\n")
        assert c.reply() == ["452 4.2.2 Mailbox full: quota exceeded"]
        # The session goes on; another recipient with room still gets mail.
        c.expect_cmd("MAIL FROM:<a@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{other}>", ["250 2.1.5 Ok"])
        assert c.cmd("DATA")[0].startswith("354")
        c.send(dot_stuff(BIG) + b".\r\n")
        assert c.reply()[0].startswith("250 2.0.0 Ok: queued as ")
    assert s.count(addr) == 1 and s.count(other) == 1
    # Lower its limit below what it holds: now RCPT itself answers 452 4.2.2.
    assert s.cli("user", "quota", addr, "1K").returncode == 0
    with s.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        c.expect_cmd("MAIL FROM:<a@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", [f"452 4.2.2 <{addr}>: Recipient address rejected: Mailbox full"])
    assert "reject: RCPT" in s.log()


def test_parallel_appends_and_deliveries_cannot_pass_the_quota(make_server):
    """20 APPENDs (and then 20 SMTP deliveries) of 20 KiB at once against a 100 KiB quota: the check is atomic
    with the insert, so at most 5 fit and usage never exceeds the limit."""
    import imaplib
    import threading

    s = make_server(sections={"limits": {"quota_storage": "100K"}}, users=())
    addr, pw = s.new_user()
    msg = message(20 * 1024)
    conns = [s.imap(addr, pw) for _ in range(20)]
    barrier = threading.Barrier(len(conns))
    results: list[str] = []

    def append(m):
        barrier.wait()
        try:
            typ, data = m.append("INBOX", None, None, msg)
            results.append(typ)
        except imaplib.IMAP4.error as e:
            results.append("NO" if "OVERQUOTA" in str(e) else str(e))

    threads = [threading.Thread(target=append, args=(m,)) for m in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for m in conns:
        m.logout()
    assert len(results) == 20 and set(results) <= {"OK", "NO"}, results
    assert results.count("OK") == 5, results
    m = s.imap(addr, pw)
    try:
        typ, data = m.getquotaroot("INBOX")
        assert b'"" (STORAGE 100 100)' in data[1][0], data
    finally:
        m.logout()

    other, _ = s.new_user()
    replies: list[str] = []
    msg = message(19 * 1024)   # plus our Received: field: 5 fit in 100 KiB, 6 do not

    def deliver():
        with s.smtp() as c:
            c.expect("220 ")
            c.ehlo()
            c.expect_cmd("MAIL FROM:<a@remote.test>", ["250 2.1.0 Ok"])
            c.expect_cmd(f"RCPT TO:<{other}>", ["250 2.1.5 Ok"])
            assert c.cmd("DATA")[0].startswith("354")
            barrier2.wait()
            c.send(dot_stuff(msg) + b".\r\n")
            replies.append(c.reply()[0])

    barrier2 = threading.Barrier(20)
    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = [r for r in replies if r.startswith("250 ")]
    assert len(replies) == 20 and len(ok) == 5, replies
    assert all(r == "452 4.2.2 Mailbox full: quota exceeded" for r in replies if not r.startswith("250 ")), replies
    assert s.count(other) == 5
