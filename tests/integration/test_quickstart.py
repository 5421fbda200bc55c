"""`tern quickstart DOMAIN --offline` (issue 7 item 1): writes a production config that
`tern check` accepts, creates postmaster@DOMAIN whose printed password works over IMAP and
submission, prints the zone (MX, SPF, both DKIM selectors, DMARC, SRV), the client settings,
the firewall lines and the provider requests; a second run without --force changes nothing.
The written config listens on all interfaces, so it is only checked: the server started here
uses the same data_dir with loopback ephemeral listeners.
"""
from __future__ import annotations

import hashlib
import re
import smtplib
import subprocess
from pathlib import Path

import ternlib
from ternlib_submission import SubServer


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(ternlib.tern_binary()), *args], capture_output=True, text=True, timeout=120)


def tree_digest(*roots: Path) -> dict:
    out = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file() and "tern.sqlite" not in p.name:
                out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def test_quickstart_offline(tmp_path):
    etc, data = tmp_path / "etc", tmp_path / "lib"
    args = ["quickstart", "example.test", "--offline", "--dir", str(etc), "--data-dir", str(data),
            "--ip", "192.0.2.10", "--ip", "2001:db8::10"]
    r = run(*args)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    m = re.search(r"  address:  postmaster@example\.test\n  password: (\S+)\n", out)
    assert m, out
    password = m.group(1)
    config = etc / "tern.toml"
    text = config.read_text()
    assert 'hostname = "mail.example.test"\n' in text
    assert 'smtp = ["0.0.0.0:25", "[::]:25"]\n' in text
    assert f'data_dir = "{data}"\n' in text
    check = run("check", "--config", str(config))
    assert check.returncode == 0, check.stdout

    # Client settings, firewall, provider requests.
    assert "Incoming IMAP: mail.example.test port 993, SSL/TLS" in out
    assert "Outgoing SMTP: mail.example.test port 465, SSL/TLS   (or port 587, STARTTLS)" in out
    assert "ufw allow 25,465,587,143,993,110,995/tcp" in out
    assert "firewall-cmd --permanent" in out
    assert "reverse DNS (PTR) of 192.0.2.10 → mail.example.test" in out
    assert "skipped (--offline)" in out
    # The zone.
    assert re.search(r"^example\.test\.\s+\d+\s+IN\s+MX\s+10 mail\.example\.test\.$", out, re.M), out
    assert re.search(r"^mail\.example\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.10$", out, re.M), out
    assert re.search(r"^mail\.example\.test\.\s+\d+\s+IN\s+AAAA\s+2001:db8::10$", out, re.M), out
    assert re.search(r'^example\.test\.\s+\d+\s+IN\s+TXT\s+"v=spf1 mx -all"$', out, re.M), out
    assert re.search(r"^_dmarc\.example\.test\.\s+\d+\s+IN\s+TXT\s+\"v=DMARC1; p=reject; rua=mailto:postmaster@example\.test\"", out, re.M), out
    dkim = re.findall(r"^(\S+)\._domainkey\.example\.test\.\s+\d+\s+IN\s+TXT\s+(.*)$", out, re.M)
    assert len(dkim) >= 2, out
    assert any("k=ed25519" in v for _, v in dkim) and any("k=rsa" in v for _, v in dkim), dkim
    for srv in ("_submission._tcp", "_submissions._tcp", "_imap._tcp", "_imaps._tcp", "_pop3s._tcp"):
        assert re.search(rf"^{srv}\.example\.test\.\s+\d+\s+IN\s+SRV\s+", out, re.M), (srv, out)

    # Second run without --force: nothing changes, no new password.
    before = tree_digest(etc, data)
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert "password:" not in again.stdout
    assert f"Configuration: {config} exists, kept (pass --force to rewrite it)." in again.stdout
    assert "postmaster@example.test exists; password unchanged" in again.stdout
    assert tree_digest(etc, data) == before

    # The printed password works over IMAP and submission (loopback listeners, same data_dir).
    server = SubServer(tmp_path / "srv", roles=("imap", "submission"))
    server.data_dir = data
    server.write_config()
    server.start()
    try:
        imap = server.imap("postmaster@example.test", password)
        imap.logout()
        with smtplib.SMTP(ternlib.HOST, server.ports["submission"], timeout=10) as s:
            s.starttls(context=ternlib.insecure_context())
            assert s.login("postmaster@example.test", password)[0] == 235
    finally:
        server.stop()
