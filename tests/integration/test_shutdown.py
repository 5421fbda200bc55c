"""Graceful shutdown on SIGTERM: no new connections, idle sessions told goodbye (SMTP 421 4.3.2,
IMAP * BYE, POP3 -ERR), a message being received is finished and acknowledged, exit 0."""
from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from ternlib import HOST
from ternlib_submission import make_factory


def conn(port: int) -> socket.socket:
    s = socket.create_connection((HOST, port), timeout=10)
    s.recv(1000)
    return s


def test_sigterm_is_graceful(tmp_path_factory, request):
    srv = make_factory(tmp_path_factory, request)(roles=("smtp", "imap", "pop3"), users=("bob",))
    smtp_idle = conn(srv.ports["smtp"])
    smtp_data = conn(srv.ports["smtp"])
    smtp_data.sendall(b"EHLO a\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: x\r\n\r\npart one\r\n")
    time.sleep(0.3)
    assert smtp_data.recv(1000).endswith(b"354 End data with <CR><LF>.<CR><LF>\r\n")
    imap = conn(srv.ports["imap"])
    imap.sendall(f"a LOGIN bob@example.test {srv.users['bob@example.test']}\r\nb SELECT INBOX\r\nc IDLE\r\n".encode())
    time.sleep(0.3)
    imap.recv(10000)
    pop = conn(srv.ports["pop3"])
    os.kill(srv.pid, signal.SIGTERM)
    assert smtp_idle.recv(1000) == b"421 4.3.2 mail.example.test Service shutting down\r\n"
    assert imap.recv(1000) == b"* BYE Server shutting down\r\n"
    assert pop.recv(1000) == b"-ERR [SYS/TEMP] Server shutting down\r\n"
    with pytest.raises(OSError):
        socket.create_connection((HOST, srv.ports["smtp"]), timeout=2).recv(10)  # listener closed
    smtp_data.sendall(b"part two\r\n.\r\n")
    reply = b""
    while not reply.endswith(b"shutting down\r\n"):
        chunk = smtp_data.recv(1000)
        if not chunk:
            break
        reply += chunk
    assert reply.startswith(b"250 2.0.0 Ok: queued as ") and reply.endswith(b"421 4.3.2 mail.example.test Service shutting down\r\n"), reply
    assert srv.proc.wait(15) == 0
    srv.proc = None
    srv.start()
    assert srv.count("bob@example.test") == 1, "the acknowledged message survived the shutdown"
