"""Operations: the pid file, systemd notifications (READY/RELOADING/STOPPING), the refusal to run as
root, `log_file` with reopening on SIGHUP (logrotate), no secrets in logs at debug level, and the
systemd unit in dist/tern.service."""
from __future__ import annotations

import base64
import configparser
import imaplib
import os
import poplib
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import ternlib
from ternlib import HOST, REPO, tern_binary, toml_value
from ternlib_submission import SubServer


class TopLevelServer(SubServer):
    """A TernServer with extra top-level keys (log_file, log_level)."""

    def __init__(self, workdir, top: dict | None = None, **kw):
        self.top = dict(top or {})
        super().__init__(workdir, **kw)

    def config_text(self) -> str:
        head, sep, rest = super().config_text().partition("\n\n")
        extra = "".join(f"\n{k} = {toml_value(v)}" for k, v in self.top.items())
        return f"{head}{extra}{sep}{rest}"


@pytest.fixture()
def make_top(tmp_path_factory, request):
    return ternlib.server_factory(TopLevelServer, tmp_path_factory, request, prefix="tern-ops")


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------- pid file, root


def test_pid_file_written_and_removed(make_server):
    srv = make_server(roles=("smtp",))
    pid_file = srv.data_dir / "tern.pid"
    assert pid_file.read_text() == f"{srv.pid}\n"
    # a second server on the same data_dir is refused while the first runs
    other = subprocess.run([str(tern_binary()), *ternlib.SERVE, "--config", str(srv.config_path)],
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert other.returncode == 1
    assert f"another tern serve (pid {srv.pid}) is running" in other.stderr, other.stderr
    assert srv.stop() == 0
    assert not pid_file.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to check the root refusal")
def test_serve_refuses_root_without_allow_root(make_server):
    srv = make_server(roles=("smtp",), start=False)
    r = subprocess.run([str(tern_binary()), "serve", "--config", str(srv.config_path)],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert r.stderr.startswith("tern: refusing to run as root (euid 0).\n"), r.stderr
    assert "--allow-root" in r.stderr and "User=tern" in r.stderr
    assert not (srv.data_dir / "tern.pid").exists()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_serve_runs_unprivileged(make_top):
    """As user nobody (no --allow-root) with a data_dir it owns: the server accepts mail and
    delivers it to a remote MX (socket options that need privileges would break both)."""
    outbound = pytest.importorskip("ternlib_outbound")
    sink = outbound.Sink().start()
    srv = make_top(roles=("smtp",), start=False, users=(), mynetworks=["127.0.0.1/32"], sections={
        "outbound": {"port": sink.port}, "dns": {"local_data": outbound.LOCAL_DATA}})
    srv.data_dir.mkdir(exist_ok=True)
    for p in [srv.workdir, srv.data_dir, *srv.data_dir.rglob("*")]:
        os.chown(p, 65534, 65534)
    os.chmod(srv.workdir, 0o755)
    for parent in srv.workdir.parents:  # pytest temp dirs are 0700 root: let nobody reach the config
        if parent == Path("/"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    log = srv.workdir / "nobody.log"
    with open(log, "wb") as err:
        p = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(tern_binary()),
                              "serve", "--config", str(srv.config_path)], stdout=subprocess.DEVNULL, stderr=err,
                             stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: "listening smtp on" in log.read_text() or p.poll() is not None, what="listening line")
        assert p.poll() is None, log.read_text()
        srv.ports = {"smtp": int(log.read_text().split("listening smtp on 127.0.0.1:")[1].split()[0])}
        srv.deliver("x@remote.test", b"Subject: from nobody\r\n\r\nhello\r\n", sender="bob@example.test")
        got = sink.wait_deliveries(1, timeout=15)
        assert got[0].rcpt_tos == ["x@remote.test"]
        assert "running as root" not in log.read_text()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(15) == 0, log.read_text()
        sink.stop()


# --------------------------------------------------------------------------- sd_notify


def test_systemd_notifications(make_server, tmp_path, monkeypatch):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(15)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    srv = make_server(roles=("smtp",))
    ready = sock.recv(4096).decode()
    assert ready.splitlines()[0] == "READY=1" and f"MAINPID={srv.pid}" in ready, ready
    os.kill(srv.pid, signal.SIGHUP)
    reloading = sock.recv(4096).decode().splitlines()
    assert reloading[0] == "RELOADING=1" and reloading[1].startswith("MONOTONIC_USEC="), reloading
    assert sock.recv(4096).decode().splitlines()[:2] == ["READY=1", "STATUS=serving; reloaded"]
    srv.proc.send_signal(signal.SIGTERM)
    assert sock.recv(4096).decode().splitlines()[0] == "STOPPING=1"
    assert srv.stop() == 0
    sock.close()


# --------------------------------------------------------------------------- logs


def test_log_file_and_reopen_on_sighup(make_top):
    srv = make_top(roles=("smtp",), start=False)
    log_file = srv.workdir / "logs" / "tern.log"
    log_file.parent.mkdir()
    srv.top["log_file"] = str(log_file)
    srv.write_config()
    stderr_path = srv.workdir / "stderr.txt"
    with open(stderr_path, "wb") as err:
        srv.proc = subprocess.Popen([str(tern_binary()), *ternlib.SERVE, "--config", str(srv.config_path)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    srv.ports, _ = ternlib.wait_for_listeners(srv.proc, log_file, 0, ("smtp",), 30)  # the lines are in the file
    srv.log_path = log_file
    assert "listening smtp on" in log_file.read_text()
    assert stderr_path.read_text() == ""
    # logrotate: move the file away, then SIGHUP; new lines go to a new file at the configured path
    rotated = log_file.with_suffix(".log.1")
    log_file.rename(rotated)
    os.kill(srv.pid, signal.SIGHUP)
    wait_for(lambda: log_file.exists() and "reload: configuration" in log_file.read_text(), what="reopened log file")
    assert "received SIGHUP" in rotated.read_text()
    srv.deliver("bob@example.test", b"Subject: x\r\n\r\nafter rotation\r\n")
    wait_for(lambda: "relay=local" in log_file.read_text(), what="delivery line in the new file")
    assert "relay=local" not in rotated.read_text()
    assert oct(log_file.stat().st_mode & 0o777) == "0o640"


def test_unwritable_log_file_refused(make_top, tmp_path):
    srv = make_top(roles=("smtp",), start=False, users=(), top={"log_file": str(tmp_path / "no" / "such" / "dir" / "tern.log")})
    r = srv.cli("check")
    assert r.returncode == 1
    assert "log_file" in r.stdout and "cannot be written" in r.stdout, r.stdout


def test_no_password_in_logs_at_debug_level(make_top):
    srv = make_top(roles=("smtp", "imap", "pop3"), top={"log_level": "debug"}, sections={"smtp": {"auth": True}})
    bob = "bob@example.test"
    good = srv.users[bob]
    wrong = "Wr0ng-" + good[::-1]
    # SMTP AUTH PLAIN (initial response), AUTH LOGIN (challenges), good and bad
    with srv.smtp() as c:
        c.expect("220 ")
        c.ehlo()
        assert c.cmd("AUTH PLAIN " + base64.b64encode(f"\0{bob}\0{wrong}".encode()).decode())[0].startswith("535")
        assert c.cmd("AUTH LOGIN")[0].startswith("334")
        assert c.cmd(base64.b64encode(bob.encode()).decode())[0].startswith("334")
        assert c.cmd(base64.b64encode(good.encode()).decode()) == ["235 2.7.0 Authentication successful"]
    # IMAP LOGIN, good and bad; a password typed as the user name
    m = imaplib.IMAP4(HOST, srv.ports["imap"], timeout=10)
    with pytest.raises(imaplib.IMAP4.error):
        m.login(good, wrong)
    m.login(bob, good)
    m.logout()
    # POP3 USER/PASS, bad then good
    p = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    p.user(bob)
    with pytest.raises(poplib.error_proto):
        p.pass_(wrong)
    p.user(bob)
    p.pass_(good)
    p.quit()
    time.sleep(0.3)
    text = srv.log()
    # the level really is debug: commands are logged, with their secrets redacted
    assert "debug smtp: < AUTH PLAIN [redacted] from [127.0.0.1]" in text, text
    assert re.search(r"debug imap: < \w+ LOGIN from \[127\.0\.0\.1\]", text), text
    assert "debug pop3: < PASS [redacted] from [127.0.0.1]" in text, text
    assert "debug pop3: < USER [redacted] from [127.0.0.1]" in text, text
    for secret in (good, wrong):
        assert secret not in text, f"{secret!r} found in the log"
        for encoded in (base64.b64encode(f"\0{bob}\0{secret}".encode()).decode(), base64.b64encode(secret.encode()).decode()):
            assert encoded not in text, f"base64 of a password found in the log"
    assert f"sasl_username={bob}" in text  # the login itself is logged


# --------------------------------------------------------------------------- systemd unit


UNIT = REPO / "dist" / "tern.service"


def test_unit_file_keys():
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNIT)
    service = parser["Service"]
    assert service["User"] == "tern"
    assert service["AmbientCapabilities"] == "CAP_NET_BIND_SERVICE"
    assert service["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/tern"
    assert service["PrivateTmp"] == "yes" and service["ProtectHome"] == "yes"
    assert service["Type"] == "notify"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["ExecStart"].endswith("tern serve --config /etc/tern/tern.toml")
    assert "--allow-root" not in service["ExecStart"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_file_verifies(tmp_path):
    unit = tmp_path / "tern.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/tern", str(tern_binary())))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    assert r.returncode == 0 and not problems, "\n".join(problems)


def test_stale_pid_file_is_ignored_and_never_signalled(make_server):
    """After a crash the pid in data_dir/tern.pid may belong to another program: it is neither
    signalled by `tern reload` nor a reason to refuse starting."""
    srv = make_server(roles=("smtp",), start=False)
    srv.data_dir.mkdir(exist_ok=True)
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        (srv.data_dir / "tern.pid").write_text(f"{bystander.pid}\n")
        r = srv.cli("reload")
        assert r.returncode == 1 and "names no running tern serve (stale)" in r.stderr, r.stderr
        assert bystander.poll() is None, "the bystander was signalled"
        srv.start()
        assert (srv.data_dir / "tern.pid").read_text() == f"{srv.pid}\n"
        r = srv.cli("reload")
        assert r.returncode == 0, r.stdout + r.stderr
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
