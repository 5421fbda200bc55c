"""SMTP MX role over plaintext: exact replies, limits, and what lands in the mailbox."""
from __future__ import annotations

import re
import smtplib
import subprocess
import time
from pathlib import Path

import pytest

from ternlib import EHLO_PLAIN, HOST, HOSTNAME, SMTPConn, split_trace

SAMPLE = (
    b"From: Alice <alice@remote.test>\r\n"
    b"To: Bob <bob@example.test>\r\n"
    b"Subject: hello over plain SMTP\r\n"
    b"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
    b"Message-ID: <plain-1@remote.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"First line.\r\n"
    b".a line that starts with a dot (stuffed on the wire)\r\n"
    b"..two dots\r\n"
    b".\tdot then tab\r\n"
    b"Gr\xc3\xbc\xc3\x9fe, 8bit UTF-8 text\r\n"
    b"trailing spaces   \r\n"
    b"\r\n"
    b"\r\n"
    b"last line\r\n"
)


def session(server, helo=True) -> SMTPConn:
    c = server.smtp()
    c.expect("220 ")
    if helo:
        c.ehlo()
    return c


def test_greeting_is_exact(server):
    with server.smtp() as c:
        assert c.reply() == [f"220 {HOSTNAME} ESMTP Tern"]


def test_ehlo_lists_exact_extensions(server):
    with session(server, helo=False) as c:
        assert c.cmd("EHLO client.remote.test") == EHLO_PLAIN


def test_helo_is_accepted(server):
    with session(server, helo=False) as c:
        r = c.cmd("HELO client.remote.test")
        assert len(r) == 1 and r[0].startswith(f"250 {HOSTNAME}"), r


def test_full_transaction_and_stored_bytes(server, user):
    addr, _ = user
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        qid = c.send_data(SAMPLE)
        c.expect_cmd("QUIT", ["221 2.0.0 Bye"])
        assert c.wait_closed(5) == b""
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("sender") == b"alice@remote.test"
    assert m.group("helo") == b"client.remote.test"
    assert m.group("tls") is None
    assert m.group("proto") == b"ESMTP"
    assert m.group("id").decode() == qid
    assert m.group("rcpt").decode() == addr
    assert body == SAMPLE


def test_helo_session_records_smtp_protocol(server, user):
    addr, _ = user
    with session(server, helo=False) as c:
        c.cmd("HELO old.remote.test")
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: helo\r\n\r\nbody\r\n")
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("proto") == b"SMTP" and m.group("helo") == b"old.remote.test"
    assert body == b"Subject: helo\r\n\r\nbody\r\n"


def test_smtplib_sendmail_roundtrip(server, user):
    addr, _ = user
    with smtplib.SMTP(HOST, server.ports["smtp"], local_hostname="py.remote.test", timeout=10) as s:
        code, _ = s.ehlo()
        assert code == 250
        assert s.has_extn("pipelining") and s.has_extn("8bitmime") and s.has_extn("smtputf8")
        assert s.esmtp_features["size"] == "52428800"
        refused = s.sendmail("carol@remote.test", [addr], SAMPLE)
        assert refused == {}
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("sender") == b"carol@remote.test" and m.group("helo") == b"py.remote.test"
    assert body == SAMPLE


def test_null_sender_is_accepted(server, user):
    addr, _ = user
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: bounce\r\n\r\nundeliverable\r\n")
    [stored] = server.fetch_all(addr)
    assert stored.startswith(b"Return-Path: <>\r\n")
    assert split_trace(stored)[1] == b"Subject: bounce\r\n\r\nundeliverable\r\n"


def test_esmtp_parameters_8bitmime_smtputf8_size(server, user):
    addr, _ = user
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test> BODY=8BITMIME SMTPUTF8 SIZE=1000", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: params\r\n\r\n\xe2\x9c\x93\r\n")
    assert split_trace(server.fetch_all(addr)[0])[1] == b"Subject: params\r\n\r\n\xe2\x9c\x93\r\n"


def test_several_local_recipients_share_one_file(server):
    a1, _ = server.new_user()
    a2, _ = server.new_user()
    msgdir = server.data_dir / "messages"
    before = sum(1 for p in msgdir.rglob("*") if p.is_file()) if msgdir.exists() else 0
    data = b"Subject: to two\r\n\r\nshared body\r\n"
    server.deliver([a1, a2], data)
    after = sum(1 for p in msgdir.rglob("*") if p.is_file())
    assert after - before == 1, f"expected one message file for two recipients, {after - before} appeared"
    for a in (a1, a2):
        [stored] = server.fetch_all(a)
        assert split_trace(stored)[1] == data


def test_rset_noop_vrfy_help_quit(server):
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd("RSET", ["250 2.0.0 Ok"])
        # RSET cleared the transaction: RCPT now needs MAIL again
        c.expect_cmd("RCPT TO:<bob@example.test>", ["503 5.5.1 Error: need MAIL command"])
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])
        r = c.cmd("VRFY bob@example.test")
        assert len(r) == 1 and r[0].startswith("252 2.0.0 "), r
        r = c.cmd("HELP")
        assert r[-1][:3] in ("211", "214"), r
        c.expect_cmd("QUIT", ["221 2.0.0 Bye"])


def test_sequence_and_syntax_errors(server):
    with session(server, helo=False) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["503 5.5.1 Error: send HELO/EHLO first"])
        c.ehlo()
        c.expect_cmd("RCPT TO:<bob@example.test>", ["503 5.5.1 Error: need MAIL command"])
        c.expect_cmd("FROBNICATE", ["500 5.5.1 Error: command not recognized"])
        for bad in ("MAIL FROM:<no-at-sign>", "MAIL FROM:<a@b@c>", "MAIL FROM:<alice@remote.test"):
            r = c.cmd(bad)
            assert len(r) == 1 and r[0].startswith("501 5.1.3 Bad address syntax"), (bad, r)
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        r = c.cmd("RCPT TO:<not an address>")
        assert r[0].startswith("501 5.1.3 Bad address syntax"), r
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])


def test_data_without_recipients_is_refused(server):
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        r = c.cmd("DATA")
        assert r[0][:9] in ("503 5.5.1", "554 5.5.1"), r  # Postfix: 554 5.5.1 Error: no valid recipients
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])


def test_unknown_local_user_and_relay_denied(server):
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd("RCPT TO:<nosuchuser@example.test>", [
            "550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in local recipient table"])
        c.expect_cmd("RCPT TO:<someone@other.test>", ["554 5.7.1 <someone@other.test>: Relay access denied"])
        c.expect_cmd("RCPT TO:<bob@example.test>", ["250 2.1.5 Ok"])
        c.expect_cmd("RSET", ["250 2.0.0 Ok"])


def test_recipient_addresses_are_case_insensitive_in_domain(server, user):
    addr, _ = user
    local, domain = addr.split("@")
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{local}@{domain.upper()}>", ["250 2.1.5 Ok"])


def test_command_line_too_long(server):
    with session(server) as c:
        # 512 octets including CRLF is the limit: 510 + CRLF passes the length check
        r = c.cmd("NOOP " + "x" * 505)
        assert r == ["250 2.0.0 Ok"], r
        r = c.cmd("NOOP " + "x" * 506)
        assert r == ["500 5.5.2 Error: line too long"], r
        r = c.cmd("MAIL FROM:<" + "a" * 600 + "@remote.test>")
        assert r == ["500 5.5.2 Error: line too long"], r
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])


def test_data_line_length_limit(server, user):
    addr, _ = user
    ok_line = b"y" * 998 + b"\r\n"  # exactly 1000 octets with CRLF
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: long ok\r\n\r\n" + ok_line)
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        assert c.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]
        c.send(b"Subject: too long\r\n\r\n" + b"z" * 999 + b"\r\nmore\r\n.\r\n")
        r = c.reply()
        assert len(r) == 1 and r[0].startswith("500 5.5.2 "), r
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])
    msgs = server.fetch_all(addr)
    assert len(msgs) == 1, "the message with a 1001-octet line must not be stored"
    assert split_trace(msgs[0])[1].endswith(ok_line)


def test_mail_size_parameter_over_limit(server):
    with session(server) as c:
        r = c.cmd("MAIL FROM:<alice@remote.test> SIZE=52428801")
        assert len(r) == 1 and r[0].startswith("552 5.3.4 "), r
        c.expect_cmd("MAIL FROM:<alice@remote.test> SIZE=52428800", ["250 2.1.0 Ok"])


def test_too_many_recipients(server):
    with session(server) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.send("".join("RCPT TO:<bob@example.test>\r\n" for _ in range(101)))
        replies = [c.reply() for _ in range(101)]
        assert all(r == ["250 2.1.5 Ok"] for r in replies[:100]), replies[:100]
        assert replies[100] == ["452 4.5.3 Error: too many recipients"]
        c.expect_cmd("RSET", ["250 2.0.0 Ok"])


def test_pipelined_transaction(server, user):
    addr, _ = user
    data = b"Subject: pipelined\r\n\r\none packet\r\n"
    with session(server) as c:
        c.send(f"MAIL FROM:<alice@remote.test>\r\nRCPT TO:<nosuch@example.test>\r\nRCPT TO:<{addr}>\r\nDATA\r\n".encode())
        assert c.reply() == ["250 2.1.0 Ok"]
        assert c.reply()[0].startswith("550 5.1.1 ")
        assert c.reply() == ["250 2.1.5 Ok"]
        assert c.reply() == ["354 End data with <CR><LF>.<CR><LF>"]
        c.send(data + b".\r\nNOOP\r\nQUIT\r\n")
        assert re.fullmatch(r"250 2\.0\.0 Ok: queued as \w+", c.reply()[0])
        assert c.reply() == ["250 2.0.0 Ok"]
        assert c.reply() == ["221 2.0.0 Bye"]
    assert split_trace(server.fetch_all(addr)[0])[1] == data


def test_several_messages_in_one_session(server, user):
    addr, _ = user
    with session(server) as c:
        ids = []
        for i in range(3):
            c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
            c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
            ids.append(c.send_data(f"Subject: n{i}\r\n\r\nbody {i}\r\n".encode()))
    assert len(set(ids)) == 3, ids
    bodies = [split_trace(s)[1] for s in server.fetch_all(addr)]
    assert bodies == [f"Subject: n{i}\r\n\r\nbody {i}\r\n".encode() for i in range(3)]


def test_garbage_does_not_take_the_server_down(server):
    with server.smtp() as c:
        c.expect("220 ")
        c.send(b"\x00\xff\xfe binary \x01\x02\r\n")
        r = c.reply()
        assert r[0][0] == "5", r
        c.send(b"\r\n")
        assert c.reply()[0][0] == "5"
    with server.smtp() as c:
        c.expect("220 ")
        c.send(b"A" * 100_000)  # no CRLF at all
        try:
            r = c.reply()
            assert r[0].startswith("500 5.5.2"), r
        except (ConnectionError, OSError):
            pass
    with session(server) as c:
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])
    assert server.running()


def test_swaks_delivers(server, user):
    addr, _ = user
    r = subprocess.run(["swaks", "--server", HOST, "--port", str(server.ports["smtp"]),
                        "--from", "swaks@remote.test", "--to", addr, "--helo", "swaks.remote.test",
                        "--header", "Subject: via swaks", "--body", "swaks body line"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"<-  250 2\.0\.0 Ok: queued as \w+", r.stdout), r.stdout
    assert "<-  221 2.0.0 Bye" in r.stdout, r.stdout
    [stored] = server.fetch_all(addr)
    m, body = split_trace(stored)
    assert m.group("helo") == b"swaks.remote.test" and m.group("sender") == b"swaks@remote.test"
    assert b"Subject: via swaks\r\n" in body and b"\r\n\r\nswaks body line\r\n" in body


def test_log_lines_per_message_and_delivery(server, user):
    addr, _ = user
    qid = server.deliver(addr, b"Subject: logs\r\n\r\nlogged\r\n", sender="logger@remote.test")
    deadline = time.time() + 3
    while True:
        log = server.log()
        from_re = rf"{qid}: from=<logger@remote\.test>, size=\d+, nrcpt=1\b"
        to_re = (rf"{qid}: to=<{re.escape(addr)}>, relay=local, delay=[0-9.]+, "
                 rf"status=sent \(delivered to INBOX\)")
        if (re.search(from_re, log) and re.search(to_re, log)) or time.time() > deadline:
            break
        time.sleep(0.1)
    assert re.search(from_re, log), f"no from= line for {qid} in log:\n{log[-3000:]}"
    assert re.search(to_re, log), f"no to= line for {qid} in log:\n{log[-3000:]}"
    for line in log.splitlines():
        assert "\n" not in line


def test_passwords_never_logged(server, user):
    addr, password = user
    m = server.imap(addr, password)
    m.logout()
    m = server.imap()
    try:
        m.login(addr, "wrong-" + password)
    except Exception:
        pass
    assert password not in server.log()


# ----------------------------------------------------------------- small limits (own server)


@pytest.fixture(scope="module")
def limited(make_module_server):
    return make_module_server(sections={
        "smtp": {"message_size_limit": 10000, "recipient_limit": 150, "timeout": 2, "hard_error_limit": 3,
                 "line_length_limit": 200, "command_line_limit": 600},
        "imap": {"timeout": 2, "literal_size_limit": 2048},
        "limits": {"max_connections_per_ip": 4, "max_connections_per_user_ip": 6},
    })


def test_configured_size_is_advertised_and_enforced(limited):
    addr, _ = limited.new_user()
    with session(limited, helo=False) as c:
        r = c.cmd("EHLO client.remote.test")
        assert "250-SIZE 10000" in r, r
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<{addr}>", ["250 2.1.5 Ok"])
        assert c.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]
        c.send(b"Subject: big\r\n\r\n" + (b"x" * 98 + b"\r\n") * 200 + b".\r\n")
        r = c.reply()
        assert len(r) == 1 and r[0].startswith("552 5.3.4 "), r
        c.expect_cmd("NOOP", ["250 2.0.0 Ok"])
        r = c.cmd("MAIL FROM:<alice@remote.test> SIZE=10001")
        assert r[0].startswith("552 5.3.4 "), r
    assert limited.count(addr) == 0


def test_configured_line_and_recipient_limits(limited):
    with session(limited) as c:
        assert c.cmd("NOOP " + "x" * 593) == ["250 2.0.0 Ok"]  # 600 octets with CRLF
        assert c.cmd("NOOP " + "x" * 594) == ["500 5.5.2 Error: line too long"]
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.send("RCPT TO:<bob@example.test>\r\n" * 151)
        replies = [c.reply() for _ in range(151)]
        assert all(r == ["250 2.1.5 Ok"] for r in replies[:150]), replies[:150]
        assert replies[150] == ["452 4.5.3 Error: too many recipients"]
        assert c.cmd("DATA") == ["354 End data with <CR><LF>.<CR><LF>"]
        c.send(b"Subject: l\r\n\r\n" + b"w" * 199 + b"\r\n.\r\n")
        r = c.reply()
        assert r[0].startswith("500 5.5.2 "), r


def test_idle_smtp_connection_times_out(limited):
    with limited.smtp() as c:
        c.expect("220 ")
        t0 = time.monotonic()
        rest = c.wait_closed(8)
        assert time.monotonic() - t0 >= 1.5
        assert rest == b"" or rest.startswith(b"421 4.4.2 "), rest


def test_idle_imap_connection_times_out(limited):
    with limited.imap_raw() as c:
        c.readline()
        rest = c.wait_closed(8)
        assert rest == b"" or rest.startswith(b"* BYE"), rest


def test_hard_error_limit_disconnects(limited):
    with session(limited) as c:
        got = []
        try:
            for _ in range(6):
                got.append(c.cmd("BOGUS"))
        except OSError:  # ConnectionError, BrokenPipeError: the server hung up
            pass
        else:
            raise AssertionError(f"still connected after 6 errors with hard_error_limit = 3: {got}")
        assert 3 <= len(got) <= 4, got
        assert all(r[0][:3] in ("500", "421") for r in got), got


def test_connections_per_ip_limit(limited):
    conns = []
    try:
        for _ in range(4):
            c = limited.smtp()
            c.expect("220 ")
            conns.append(c)
        extra = limited.smtp()
        try:
            data = extra.wait_closed(5)
            assert data == b"" or data.startswith(b"421 "), data
        finally:
            extra.close()
    finally:
        for c in conns:
            c.close()
    # once the others are closed a new connection is served again (allow the server a moment)
    deadline = time.monotonic() + 5
    while True:
        try:
            with limited.smtp() as c:
                first = c.reply()
        except ConnectionError as e:
            first = [f"closed: {e}"]
        if first[0].startswith("220 ") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert first[0].startswith("220 "), first


def test_logged_in_connections_leave_the_per_address_pool(limited):
    """An office behind one NAT address: logged-in IMAP sessions count per user and address
    (`max_connections_per_user_ip`), not against `max_connections_per_ip`, which bounds the
    unauthenticated ones; past either the refusal says why ([UNAVAILABLE], RFC 5530 [LIMIT])."""
    addr, password = limited.new_user()
    sessions = []
    try:
        for _ in range(6):  # more than max_connections_per_ip = 4
            sessions.append(limited.imap(addr, password))
        extra = limited.imap_raw()
        try:
            c = extra
            c.readline()
            c.send(b"L LOGIN " + addr.encode() + b" " + password.encode() + b"\r\n")
            line = c.readline()
            assert line.startswith(b"L NO [LIMIT] "), line
        finally:
            extra.close()
        # four unauthenticated connections fill the address's pool; the fifth is refused
        raws = [limited.imap_raw() for _ in range(4)]
        try:
            for r in raws:
                assert r.readline().startswith(b"* OK "), "greeting"
            refused = limited.imap_raw()
            try:
                line = refused.readline()
                assert line.startswith(b"* BYE [UNAVAILABLE] "), line
            finally:
                refused.close()
        finally:
            for r in raws:
                r.close()
    finally:
        for s in sessions:
            try:
                s.logout()
            except Exception:
                pass


def test_configured_imap_literal_limit(limited):
    with limited.imap_raw() as c:
        c.readline()
        c.send(b"L1 LOGIN {3000}\r\n")
        line = c.readline()
        assert line.startswith(b"L1 NO [TOOBIG]"), line
        c.ok("NOOP")


def test_concurrent_sessions_get_distinct_uids(server):
    import threading
    addr, _ = server.new_user()
    errors = []

    def one(i):
        try:
            server.deliver(addr, f"Subject: c{i}\r\n\r\nbody {i}\r\n".encode())
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    bodies = sorted(split_trace(s)[1] for s in server.fetch_all(addr))
    assert bodies == sorted(f"Subject: c{i}\r\n\r\nbody {i}\r\n".encode() for i in range(20))
    m = server.imap(addr)
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "ALL")
    assert [int(x) for x in data[0].split()] == list(range(1, 21))
    m.logout()
