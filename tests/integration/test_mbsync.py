"""A real sync client: mbsync (isync) keeps a local Maildir and a Tern account in step both ways.

mbsync speaks IMAP over plaintext loopback here (`SSLType None`): Tern allows LOGIN on loopback
(`[auth] loopback_plaintext`, default true), which keeps the test independent of certificates;
test_imap_tls.py covers STARTTLS/implicit TLS. mbsync stores messages with LF line endings in the
Maildir and converts back to CRLF on upload, and it adds an X-TUID bookkeeping header to what it
propagates either way; bytes are compared after undoing exactly those two changes.
"""
from __future__ import annotations

import imaplib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ternlib import HOST, TIMEOUT

pytestmark = pytest.mark.skipif(shutil.which("mbsync") is None, reason="mbsync (Debian isync) is not installed")

# Maildir info flags ↔ IMAP system flags (Maildir spec; mbsync's mapping).
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}


def msg(n: int, subject: str) -> bytes:
    return (f"From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}.{n}@remote.test>\r\nDate: Sun, 29 Nov 2026 10:00:0{n % 10} +0000\r\n\r\n"
            f"body of {subject}\r\nline two\r\n").encode()


def write_config(tmp: Path, port: int, user: str, password: str) -> Path:
    local = tmp / "mail"
    local.mkdir()
    rc = tmp / "mbsyncrc"
    rc.write_text(f"""IMAPAccount tern
Host {HOST}
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account tern

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel tern
Far :remote:
Near :local:
Patterns *
Create Both
Remove None
Expunge Both
Sync All
SyncState *
""")
    return rc


def mbsync(rc: Path) -> str:
    r = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "HOME": str(rc.parent)})
    assert r.returncode == 0, f"mbsync failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


def strip_tuid(data: bytes) -> bytes:
    """mbsync (isync 1.4) inserts an `X-TUID:` header into every message it propagates, in either
    direction (its own bookkeeping for finding a message after an interruption)."""
    return re.sub(rb"(?m)^X-TUID: [^\n]*\n", b"", data, count=1)


def local_state(root: Path) -> dict[str, list[tuple[bytes, frozenset]]]:
    """Folder → sorted (message bytes, flags) of the Maildir."""
    out = {}
    for d in sorted(p for p in root.rglob("cur") if p.is_dir()):
        folder = str(d.parent.relative_to(root))
        items = []
        for sub in ("cur", "new"):
            for f in (d.parent / sub).iterdir():
                info = f.name.split(":2,")[1] if ":2," in f.name else ""
                flags = frozenset(MAILDIR_FLAGS[c] for c in info if c in MAILDIR_FLAGS)
                items.append((strip_tuid(f.read_bytes()), flags))
        out[folder] = sorted(items, key=lambda x: x[0])
    return out


def server_state(port: int, user: str, password: str) -> dict[str, list[tuple[bytes, frozenset]]]:
    """Mailbox → sorted (message bytes with CRLF→LF, system flags) on the server."""
    m = imaplib.IMAP4(HOST, port, timeout=TIMEOUT)
    m.login(user, password)
    out = {}
    typ, boxes = m.list()
    assert typ == "OK"
    for line in boxes:
        name = re.search(rb'"/" "?([^"]*)"?$', line).group(1).decode()
        typ, data = m.select(f'"{name}"', readonly=True)
        assert typ == "OK", (name, data)
        items = []
        if int(data[0]) > 0:
            typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[])")
            assert typ == "OK"
            for part in data:
                if isinstance(part, tuple):
                    flags = frozenset(f.decode() for f in imaplib.ParseFlags(part[0]) if f.decode() in MAILDIR_FLAGS.values())
                    items.append((strip_tuid(part[1].replace(b"\r\n", b"\n")), flags))
        out[name] = sorted(items, key=lambda x: x[0])
    m.logout()
    return out


def all_bodies(state) -> list[bytes]:
    return [b for items in state.values() for b, _ in items]


def test_mbsync_round_trip(server, tmp_path):
    user, password = server.new_user("sync")
    port = server.ports["imap"]
    for i in (1, 2, 3):
        server.deliver(user, msg(i, f"inbox{i}"))
    m = server.imap(user, password)
    m.create("Work")
    m.append("Work", "(\\Seen)", None, msg(4, "work4"))
    m.logout()

    rc = write_config(tmp_path, port, user, password)
    local = tmp_path / "mail"
    mbsync(rc)
    first = local_state(local)
    assert {k: len(v) for k, v in first.items()} == {
        "Archive": 0, "Drafts": 0, "INBOX": 3, "Junk": 0, "Sent": 0, "Trash": 0, "Work": 1}
    assert first == server_state(port, user, password)
    assert [b for b, _ in first["Work"]] == [msg(4, "work4").replace(b"\r\n", b"\n")]
    assert first["Work"][0][1] == {"\\Seen"}

    # Local side: a new folder with a new message, a flag, a move between folders.
    new_folder = local / "Local"
    for sub in ("cur", "new", "tmp"):
        (new_folder / sub).mkdir(parents=True)
    (new_folder / "new" / "1700000000.local1.host").write_bytes(msg(5, "local5").replace(b"\r\n", b"\n"))
    inbox_files = sorted((local / "INBOX" / "cur").iterdir()) + sorted((local / "INBOX" / "new").iterdir())
    by_subject = {re.search(rb"Subject: (\S+)", f.read_bytes()).group(1).decode(): f for f in inbox_files}
    f1 = by_subject["inbox1"]
    base, _, info = f1.name.partition(":2,")
    f1.rename(f1.parent.parent / "cur" / f"{base}:2,{''.join(sorted(set(info + 'FS')))}")
    f2 = by_subject["inbox2"]
    moved = re.sub(r",U=\d+", "", f2.name.split(":2,")[0])  # a moved file loses its UID (mbsync's rule)
    f2.rename(local / "Work" / "cur" / f"{moved}:2,S")

    # Server side: a new folder with a message, a flag, a move between mailboxes.
    m = server.imap(user, password)
    m.create("Remote")
    m.append("Remote", "(\\Answered)", None, msg(6, "remote6"))
    m.select("Work")
    m.store("1", "+FLAGS", "(\\Flagged)")
    m.select("INBOX")
    typ, data = m.search(None, 'SUBJECT "inbox3"')
    typ, _ = m._simple_command("MOVE", data[0].decode(), "Archive")
    assert typ == "OK"
    m.logout()

    mbsync(rc)
    second_local = local_state(local)
    second_server = server_state(port, user, password)
    assert second_local == second_server
    counts = {k: len(v) for k, v in second_server.items()}
    assert counts == {"Archive": 1, "Drafts": 0, "INBOX": 1, "Junk": 0, "Local": 1, "Remote": 1,
                      "Sent": 0, "Trash": 0, "Work": 2}, counts
    # Every message exists exactly once (no duplicates, none lost), with the right flags.
    bodies = all_bodies(second_server)
    assert len(bodies) == len(set(bodies)) == 6
    flags = {re.search(rb"Subject: (\S+)", b).group(1).decode(): f for items in second_server.values() for b, f in items}
    assert flags == {"inbox1": {"\\Flagged", "\\Seen"}, "inbox2": {"\\Seen"}, "inbox3": frozenset(),
                     "work4": {"\\Seen", "\\Flagged"}, "local5": frozenset(), "remote6": {"\\Answered"}}

    # A third run with nothing changed changes nothing.
    mbsync(rc)
    assert local_state(local) == second_local
    assert server_state(port, user, password) == second_server
