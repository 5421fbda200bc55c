"""Findings of the adversarial review: log injection, stalled TLS handshakes, trickling clients,
quoted local parts, AUTHENTICATE with an over-long response, IMAP error limit, mailbox names."""
from __future__ import annotations

import base64
import socket
import time

import pytest

from ternlib import HOST

TIMEOUT_S = 2


@pytest.fixture(scope="module")
def srv(make_module_server):
    return make_module_server(sections={"smtp": {"timeout": TIMEOUT_S, "auth": True}, "imap": {"timeout": TIMEOUT_S}})


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (reads and discards what it sends)."""
    start = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    raise AssertionError(f"connection still open after {seconds} s")


def test_client_text_cannot_forge_log_lines(srv):
    forged = "x\r\n2026-11-29T15:20:00.000Z info imap: login: user=<admin@example.test> FORGED"
    with srv.imap_raw() as c:
        c.readline()
        c.send(f"a LOGIN {{{len(forged)}}}\r\n".encode())
        assert c.readline().startswith(b"+")
        c.send(forged.encode() + b" wrongpass\r\n")
        assert c.readline() == b"a NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
    with srv.smtp() as c:
        c.reply()
        c.cmd("EHLO a.test")
        assert c.cmd("AUTH LOGIN " + base64.b64encode(b"y\r\nFAKE LINE").decode())[0].startswith("334")
        assert c.cmd(base64.b64encode(b"MySecretPassw0rd!").decode()) == ["535 5.7.8 Error: authentication failed"]
    time.sleep(0.3)
    log = srv.log()
    assert "FORGED" not in log and "FAKE LINE" not in log, "client-supplied login names are not logged"
    assert "MySecretPassw0rd" not in log
    assert "\r" not in log and "\x00" not in log


@pytest.mark.parametrize("role", ["imaps", "smtp-starttls"])
def test_stalled_tls_handshake_is_closed(srv, role):
    if role == "imaps":
        s = socket.create_connection((HOST, srv.ports["imaps"]))
        s.sendall(b"\x16\x03\x01\x02\x00\x01")  # a partial ClientHello, then silence
    else:
        s = socket.create_connection((HOST, srv.ports["smtp"]))
        s.recv(1024)
        s.sendall(b"EHLO a\r\nSTARTTLS\r\n")
    with s:
        assert closed_within(s, TIMEOUT_S + 6) < TIMEOUT_S + 5


def test_trickling_client_is_cut_off(srv):
    with socket.create_connection((HOST, srv.ports["smtp"])) as s:
        s.recv(1024)
        start = time.monotonic()
        s.settimeout(0.2)
        try:
            for _ in range(int((TIMEOUT_S + 6) / 0.5)):
                s.sendall(b"N")  # one byte of a never-ending NOOP line every half second
                time.sleep(0.5)
                try:
                    if s.recv(4096).startswith(b"421"):
                        break
                except socket.timeout:
                    pass
            else:
                raise AssertionError("trickling client was never cut off")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert time.monotonic() - start < TIMEOUT_S + 4


def test_quoted_local_part_equals_plain(srv):
    with srv.smtp() as c:
        c.reply()
        c.cmd("EHLO a.test")
        c.expect_cmd("MAIL FROM:<alice@remote.test>", ["250 2.1.0 Ok"])
        c.expect_cmd('RCPT TO:<"bob"@example.test>', ["250 2.1.5 Ok"])
        c.expect_cmd('RCPT TO:<"b o b"@example.test>', [
            '550 5.1.1 <"b o b"@example.test>: Recipient address rejected: User unknown in local recipient table'])


def test_authenticate_with_overlong_response_stays_in_step(srv):
    with srv.imap_raw() as c:
        c.readline()
        c.send(b"d AUTHENTICATE PLAIN\r\n")
        assert c.readline().startswith(b"+")
        c.send(b"A" * 70000 + b"\r\n")  # above the 64 KiB command line limit
        assert c.readline() == b"d BAD Authentication response line too long\r\n"
        c.send(b"e NOOP\r\n")
        assert c.readline() == b"e OK NOOP completed\r\n"


def test_imap_closes_after_too_many_bad_commands(srv):
    with srv.imap_raw() as c:
        c.readline()
        c.send(b"".join(b"x%d XYZZY\r\n" % i for i in range(60)))
        lines = [c.readline() for _ in range(52)]
        assert lines[-1] == b"* BYE Too many invalid commands\r\n"


def test_mailbox_names_are_bounded(srv):
    user, pw = srv.new_user()
    with srv.imap_raw() as c:
        c.readline()
        c.send(f"a LOGIN {user} {pw}\r\n".encode())
        assert c.readline().startswith(b"a OK")
        for i, name in enumerate(["..", "a/../b", "x" * 300, "a//b"]):
            c.send(f'c{i} CREATE "{name}"\r\n'.encode())
            assert c.readline() == f"c{i} NO [CANNOT] Invalid mailbox name\r\n".encode()


def test_decoded_mailbox_name_cannot_inject_responses(srv):
    """`&AA0ACg-` is modified UTF-7 for CR LF: a name carrying it must never end a response line early."""
    user, pw = srv.new_user()
    with srv.imap_raw() as c:
        c.readline()
        c.send(f"a LOGIN {user} {pw}\r\n".encode())
        assert c.readline().startswith(b"a OK")
        c.send(b'c RENAME "&AA0ACg-c OK [ALERT] forged" foo\r\n')
        assert c.readline() == b"c NO [NONEXISTENT] Mailbox does not exist\r\n"
        c.send(b'd CREATE "x&AA0ACg-d OK [ALERT] forged"\r\n')
        assert c.readline() == b"d NO [CANNOT] Invalid mailbox name\r\n"
        c.send(b'e DELETE "&AA0ACg-e OK [ALERT] forged"\r\n')
        line = c.readline()
        assert line.startswith(b"e NO [NONEXISTENT]") and line.count(b"\r") == 1 and b"\n" not in line[:-1], line
        c.send(b"f NOOP\r\n")
        assert c.readline() == b"f OK NOOP completed\r\n"
