"""`tern serve --dev`: first run creates ./tern-dev/, second run reuses it (same demo password)."""
from __future__ import annotations

import imaplib
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from ternlib import HOST, SMTPConn, insecure_context, split_trace, tern_binary, wait_for_listeners

DEV_PORTS = {"smtp": 2525, "imap": 2143, "imaps": 2993}


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def run_dev(cwd: Path, run: int):
    out = cwd / f"dev-{run}.stdout"
    err = cwd / f"dev-{run}.stderr"
    with open(out, "wb") as o, open(err, "wb") as e:
        p = subprocess.Popen([str(tern_binary()), "serve", "--dev"], cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=o, stderr=e)
    try:
        ports, hosts = wait_for_listeners(p, err, 0, tuple(DEV_PORTS), 60)
        deadline = time.monotonic() + 5
        while "password:" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    except BaseException:
        stop(p)
        raise
    return p, ports, hosts, out


def stop(p: subprocess.Popen) -> int:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
    return p.returncode


def test_dev_mode_twice(tmp_path):
    busy = [p for p in [*DEV_PORTS.values(), 29465] if port_busy(p)]
    if busy:
        pytest.skip(f"dev ports busy: {busy}")

    p, ports, hosts, out = run_dev(tmp_path, 1)
    try:
        assert ports == DEV_PORTS, ports
        assert set(hosts.values()) == {"127.0.0.1"}, hosts
        text = out.read_text()
        assert re.search(r"address:\s+demo@example\.test\b", text), f"stdout (flushed?):\n{text}"
        m = re.search(r"password:\s+(\S+)", text)
        assert m, f"no 'password:' line on stdout (flushed?):\n{text}"
        password = m.group(1)
        assert len(password) >= 8
        for port in DEV_PORTS.values():
            assert str(port) in text, f"port {port} not printed:\n{text}"
        dev = tmp_path / "tern-dev"
        assert (dev / "tern.toml").is_file()
        chk = subprocess.run([str(tern_binary()), "check", "--config", str(dev / "tern.toml")],
                             capture_output=True, text=True, timeout=30)
        assert chk.returncode == 0 and "config OK" in chk.stdout, chk.stdout + chk.stderr

        with SMTPConn(HOST, 2525) as c:
            c.expect("220 ")
            c.ehlo()
            c.expect_cmd("MAIL FROM:<someone@remote.test>", ["250 2.1.0 Ok"])
            c.expect_cmd("RCPT TO:<demo@example.test>", ["250 2.1.5 Ok"])
            c.send_data(b"From: someone@remote.test\r\nSubject: dev\r\n\r\nhello dev\r\n")   # exactly one From (DMARC on)
        m = imaplib.IMAP4(HOST, 2143, timeout=10)
        m.starttls(ssl_context=insecure_context())
        m.login("demo@example.test", password)
        typ, data = m.select("INBOX")
        assert data == [b"1"], data
        m.logout()
        # dev mode serves metrics on a fixed loopback port and prints it
        assert "Metrics (Prometheus):        http://127.0.0.1:29465/metrics" in text, text
        with urllib.request.urlopen("http://127.0.0.1:29465/metrics", timeout=10) as r:
            body = r.read().decode()
        assert re.search(r'^tern_messages_received_total\{protocol="smtp"\} 1$', body, re.M), body
    finally:
        assert stop(p) == 0

    p, ports, hosts, out = run_dev(tmp_path, 2)
    try:
        text = out.read_text()
        m = re.search(r"password:\s+(\S+)", text)
        assert m and m.group(1) == password, f"second run must reuse the demo account:\n{text}"
        im = imaplib.IMAP4_SSL(HOST, 2993, ssl_context=insecure_context(), timeout=10)
        im.login("demo@example.test", password)
        im.select("INBOX")
        typ, data = im.fetch("1", "(BODY.PEEK[])")
        rest = split_trace(data[0][1])[1]
        # Email authentication is on in dev mode: our results follow the trace fields (SPF/DMARC can only be
        # temperror/none here: remote.test is not in DNS).
        m = re.match(rb"Authentication-Results: mail\.example\.test;\r\n(?:\t[^\r\n]*\r\n)+"
                     rb"Received-SPF: [^\r\n]*\r\n(?:\t[^\r\n]*\r\n)+", rest)
        assert m, rest[:600]
        assert rest[m.end():] == b"From: someone@remote.test\r\nSubject: dev\r\n\r\nhello dev\r\n"
        im.logout()
    finally:
        assert stop(p) == 0
