"""fetchmail (an independent POP3 client) retrieves over POP3 with STLS and over POP3S (RFC 1939,
RFC 2595, RFC 8314), delivering to an MDA (`cat >> file`): the bytes must be the stored message."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ternlib import HOST
from ternlib_submission import make_factory

pytestmark = pytest.mark.skipif(shutil.which("fetchmail") is None, reason="fetchmail is not installed (scripts/install-deps)")

MSGS = [b"Subject: fm one\r\nFrom: a@remote.test\r\n\r\nfirst body\r\n.leading dot\r\n",
        b"Subject: fm two\r\nFrom: b@remote.test\r\n\r\n" + b"line of text\r\n" * 500]


def run_fetchmail(tmp_path, port: int, user: str, password: str, implicit_tls: bool, keep: bool) -> tuple[bytes, str]:
    out = tmp_path / "delivered.mbox"
    out.write_bytes(b"")
    rc = tmp_path / "fetchmailrc"
    tls = "ssl" if implicit_tls else "sslproto 'auto'"
    rc.write_text(
        'set invisible\n'
        f'poll {HOST} with proto POP3 port {port} auth password\n'
        f'  user "{user}" there with password "{password}" is "tester" here\n'
        f'  {tls} no sslcertck {"keep" if keep else "nokeep"} fetchall\n'
        f'  mda "cat >> {out}; printf \'\\\\n===\\\\n\' >> {out}"\n')
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    proc = subprocess.run(["fetchmail", "-f", str(rc), "--pidfile", str(tmp_path / "fm.pid"), "-v", "--nosyslog"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out.read_bytes(), proc.stdout + proc.stderr


@pytest.fixture()
def pop(tmp_path_factory, request):
    s = make_factory(tmp_path_factory, request)(roles=("smtp", "imap", "pop3", "pop3s"), users=("bob", "alice"))
    addr = "bob@example.test"
    for m in MSGS:
        s.deliver(addr, m)
    return s, addr, s.fetch_all(addr)


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["pop3-stls", "pop3s"])
def test_fetchmail_retrieves_exact_bytes(pop, tmp_path, implicit_tls):
    s, addr, stored = pop
    port = s.ports["pop3s" if implicit_tls else "pop3"]
    delivered, log = run_fetchmail(tmp_path, port, addr, s.users[addr], implicit_tls, keep=True)
    if not implicit_tls:
        assert "POP3> STLS" in log and "+OK" in log, log
    assert "2 messages" in log, log
    # fetchmail hands the MDA LF line ends (stripcr is the default with an MDA).
    expected = b"".join(m.replace(b"\r\n", b"\n") + b"\n===\n" for m in stored)
    assert delivered == expected
    assert s.count(addr) == 2, "keep leaves the messages on the server"


def test_fetchmail_deletes_at_quit(pop, tmp_path):
    s, addr, stored = pop
    delivered, log = run_fetchmail(tmp_path, s.ports["pop3s"], addr, s.users[addr], True, keep=False)
    assert delivered.count(b"\n===\n") == 2 and "flushed" in log, log
    assert s.count(addr) == 0, "DELE applied at QUIT"
