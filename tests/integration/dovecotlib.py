"""A throw-away Dovecot (Debian's dovecot-imapd) on a loopback ephemeral port, with Maildir++
mailboxes under a temp directory: the real "before" side of a migration test.

Runs as root (CI and dev machines here are root), with mail processes as `nobody`, a
passwd-file passdb and a static userdb; foreground (`-F`) so it is stopped by PID.
"""
from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, users: dict[str, str]):
        self.root = Path(tempfile.mkdtemp(prefix="tern-dovecot-"))
        os.chmod(self.root, 0o755)
        self.mail = self.root / "mail"
        self.mail.mkdir()
        nobody = pwd.getpwnam("nobody")
        self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
        os.chown(self.mail, self.uid, self.gid)
        self.port = free_port()
        self.users = users
        (self.root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{self.mail}/%n
mail_uid = {self.uid}
mail_gid = {self.gid}
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = .
}}
passdb {{
  driver = passwd-file
  args = {self.root}/users
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
        self.proc: subprocess.Popen | None = None

    def maildir(self, user: str) -> Path:
        return self.mail / user

    def start(self):
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise AssertionError("dovecot exited: " + self.proc.stderr.read().decode() + self.log())
        raise AssertionError("dovecot did not start:\n" + self.log())

    def log(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def imap(self, user: str) -> imaplib.IMAP4:
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        m.login(user, self.users[user])
        return m

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def chown_tree(self, path: Path):
        for dirpath, dirnames, filenames in os.walk(path):
            os.chown(dirpath, self.uid, self.gid)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), self.uid, self.gid)
