"""`[metrics] listen`: Prometheus text format at /metrics, parsed with the prometheus_client text
parser; counters move as mail flows (SMTP reception, local delivery, outbound deferral, IMAP and
POP3 logins, TLS handshakes, command latency histograms, queue gauges)."""
from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request

import pytest

prometheus_client = pytest.importorskip("prometheus_client", reason="pip install prometheus_client (scripts/install-deps)")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

import ternlib  # noqa: E402
from ternlib import HOST, insecure_context  # noqa: E402
from ternlib_submission import SubServer  # noqa: E402

METRICS_RE = re.compile(r"listening metrics on (\S+):(\d+)")


def scrape(port: int) -> dict[tuple, float]:
    """{(sample name, sorted label items): value} of one scrape."""
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(m: dict, name: str, **labels) -> float:
    return m.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def srv(tmp_path_factory, request):
    dead = socket.socket()
    dead.bind((HOST, 0))
    dead_port = dead.getsockname()[1]
    dead.close()  # nobody listens there: outbound attempts are deferred
    make = ternlib.server_factory(SubServer, tmp_path_factory, request, prefix="tern-metrics",
                                  default_roles=("smtp", "submission", "imap", "pop3"))
    s = make(mynetworks=["127.0.0.1/32"], sections={
        "metrics": {"listen": f"{HOST}:0"},
        "outbound": {"port": dead_port, "connect_timeout": 2},
        "dns": {"local_data": ["remote.test. 300 IN MX 10 mx.remote.test.", "mx.remote.test. 300 IN A 127.0.0.1"]},
    })
    m = METRICS_RE.search(s.log())
    assert m, s.log()
    s.metrics_port = int(m.group(2))
    return s


def test_other_paths_404(srv):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://{HOST}:{srv.metrics_port}/", timeout=10)
    assert e.value.code == 404


def test_series_exist_before_any_event(srv):
    m = scrape(srv.metrics_port)
    for proto in ("smtp", "submission", "imap", "pop3"):
        assert (("tern_connections_total", (("protocol", proto),))) in m
        assert ("tern_logins_total", (("protocol", proto), ("result", "failure"))) in m
    assert ("tern_queue_messages", ()) in m
    assert ("tern_auth_results_total", (("method", "dkim"), ("result", "pass"))) in m


def test_counters_move_as_mail_flows(srv):
    before = scrape(srv.metrics_port)
    bob = "bob@example.test"
    # one message to a local mailbox over the MX role
    srv.deliver(bob, b"Subject: metrics\r\n\r\nhello\r\n")
    # one message to a remote domain (relayed for mynetworks): queued, then deferred (nobody listens)
    with srv.session("smtp") as c:
        c.expect_cmd("MAIL FROM:<bob@example.test>", ["250 2.1.0 Ok"])
        c.expect_cmd("RCPT TO:<x@remote.test>", ["250 2.1.5 Ok"])
        c.send_data(b"Subject: away\r\n\r\nhello remote\r\n")
    # IMAP: STARTTLS + a good login, and a bad one
    m = srv.imap()
    m.starttls(ssl_context=insecure_context())
    m.login(bob, srv.users[bob])
    m.select("INBOX")
    m.logout()
    bad = srv.imap()
    with pytest.raises(Exception):
        bad.login(bob, "wrong password")
    bad.logout()
    # POP3 login
    import poplib
    p = poplib.POP3(HOST, srv.ports["pop3"], timeout=10)
    p.user(bob)
    p.pass_(srv.users[bob])
    p.stat()
    p.quit()
    srv.wait_log(r"to=<x@remote\.test>, relay=\S+, .*status=deferred", timeout=15)
    after = scrape(srv.metrics_port)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("tern_connections_total", protocol="smtp") == 2
    assert delta("tern_connections_total", protocol="imap") == 2
    assert delta("tern_connections_total", protocol="pop3") == 1
    assert delta("tern_tls_handshakes_total", protocol="imap", version="TLSv1.3") == 1
    assert delta("tern_messages_received_total", protocol="smtp") == 2
    assert delta("tern_messages_delivered_total", transport="local") == 1
    assert delta("tern_messages_deferred_total") == 1
    assert delta("tern_messages_bounced_total") == 0
    assert delta("tern_logins_total", protocol="imap", result="success") == 1
    assert delta("tern_logins_total", protocol="imap", result="failure") == 1
    assert delta("tern_logins_total", protocol="pop3", result="success") == 1
    # latency histograms: one observation per command, in consistent buckets
    assert delta("tern_command_duration_seconds_count", protocol="smtp", command="mail") == 2
    assert delta("tern_command_duration_seconds_count", protocol="smtp", command="data_end") == 2
    assert delta("tern_command_duration_seconds_count", protocol="imap", command="login") == 2
    assert delta("tern_command_duration_seconds_count", protocol="pop3", command="stat") == 1
    assert value(after, "tern_command_duration_seconds_bucket", protocol="smtp", command="data_end", le="+Inf") == \
        value(after, "tern_command_duration_seconds_count", protocol="smtp", command="data_end")
    assert value(after, "tern_command_duration_seconds_sum", protocol="smtp", command="data_end") > 0
    # the deferred message waits in the queue
    assert value(after, "tern_queue_messages") == 1
    assert 0 <= value(after, "tern_queue_oldest_age_seconds") < 120
    assert value(after, "tern_connections_open", protocol="smtp") == 0


def wait_closed(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `sock` (what it sends is read and discarded)."""
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
    raise AssertionError(f"metrics connection still open after {seconds} s")


def test_half_sent_request_is_closed_after_timeout(srv):
    with socket.create_connection((HOST, srv.metrics_port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")      # the blank line never comes
        took = wait_closed(s, 20)
        assert 8 <= took <= 15, took


def test_malformed_request_gets_400_and_close(srv):
    with socket.create_connection((HOST, srv.metrics_port), timeout=5) as s:
        s.sendall(b"\x00\x01 garbage\r\n\r\n")
        data = b""
        s.settimeout(5)
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data


def test_connection_cap_closes_extra_connections_and_smtp_still_accepts(srv):
    held = []
    try:
        for _ in range(64):
            c = socket.create_connection((HOST, srv.metrics_port), timeout=5)
            c.sendall(b"GET /metrics HTTP/1.1\r\n")
            held.append(c)
        time.sleep(0.3)
        extra = socket.create_connection((HOST, srv.metrics_port), timeout=5)
        assert wait_closed(extra, 3) < 3
        extra.close()
        with socket.create_connection((HOST, srv.ports["smtp"]), timeout=5) as smtp:
            assert smtp.recv(512).startswith(b"220 ")
    finally:
        for c in held:
            c.close()
    time.sleep(0.5)
    assert value(scrape(srv.metrics_port), "tern_queue_messages") >= 0


def test_metrics_off_by_default(make_server):
    s = make_server(roles=("smtp",))
    assert "listening metrics" not in s.log()


def test_bad_metrics_address_refused(make_server):
    s = make_server(roles=("smtp",), start=False, users=(), sections={"metrics": {"listen": "nonsense"}})
    r = s.cli("check")
    assert r.returncode == 1
    assert '[metrics] listen "nonsense" is not host:port' in r.stdout, r.stdout


def test_check_shows_metrics_address(make_server):
    s = make_server(roles=("smtp",), start=False, users=(), sections={"metrics": {"listen": "127.0.0.1:9465"}})
    r = s.cli("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "  metrics: http://127.0.0.1:9465/metrics\n" in r.stdout, r.stdout
    assert "  log: stderr, level info\n" in r.stdout, r.stdout


def test_email_auth_results_are_counted(make_server):
    """Port-25 mail is checked (SPF, DKIM, DMARC) and each verdict is counted by method and result."""
    s = make_server(sections={
        "metrics": {"listen": f"{HOST}:0"},
        "inbound": {"verify": True, "dns_timeout": 1},
        "dns": {"local_data": ['remote.test. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"']},
    }, roles=("smtp",))
    port = int(METRICS_RE.search(s.log()).group(2))
    before = scrape(port)
    s.deliver("bob@example.test", b"From: alice@remote.test\r\nSubject: auth metrics\r\n\r\nhello\r\n",
              sender="alice@remote.test")
    after = scrape(port)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after if k[0] == "tern_auth_results_total"}
    assert delta[("tern_auth_results_total", (("method", "spf"), ("result", "pass")))] == 1, delta
    assert delta[("tern_auth_results_total", (("method", "dkim"), ("result", "none")))] == 1, delta
    assert sum(v for k, v in delta.items() if ("method", "dmarc") in k[1]) == 1, delta
