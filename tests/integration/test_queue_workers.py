"""Several queue workers on one store (issue 11): two `tern serve` processes with different
`[store] node_id` share one data directory, so both lease entries from the same outbound queue
(owned, fenced leases, renewed while a delivery runs). Against an independent MX (aiosmtpd), every
message must be delivered exactly once — also when one worker is SIGKILLed while it holds
deliveries open: its leases expire after `queue_lease_time` and the other worker takes them over.

"Delivered" means the MX answered 250 on a connection that was still open; a DATA whose
connection died before the reply (the killed worker's) is not a delivery, and its retry by the
other worker is the one copy that counts."""
from __future__ import annotations

import asyncio
import secrets
import time

import pytest

import ternlib
from ternlib_outbound import Handler, OutServer, Received, Sink, message, outbound_sections


class LossAwareHandler(Handler):
    """Records, for every DATA, whether its 250 reached an open connection."""

    async def handle_DATA(self, server, session, envelope):
        rec = Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                       content=bytes(envelope.original_content), tls=None, ehlo=session.host_name)
        with self.lock:
            n = len(self.received)
            self.received.append(rec)
        deadline = time.monotonic() + self.data_delay(envelope, n)
        while time.monotonic() < deadline and not self.release.is_set():
            await asyncio.sleep(0.05)
        transport = server.transport
        lost = transport is None or transport.is_closing()
        rec.answered = "lost" if lost else "250 2.0.0 Ok: sunk"
        return rec.answered if not lost else "451 4.3.0 connection lost"

    def accepted(self, rcpt: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if rcpt in r.rcpt_tos and r.answered.startswith("250")]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture()
def sink():
    s = Sink(ident="workers-sink")
    s.handler = LossAwareHandler()
    s.controller.handler = s.handler
    s.start()
    yield s
    s.stop()


def test_two_workers_deliver_every_message_exactly_once_when_one_is_killed(tmp_path, sink):
    extra = {"queue_lease_time": 3, "parallelism": 4, "destination_concurrency_limit": 4, "command_timeout": 30}
    sections_a = outbound_sections(sink.port, extra=extra)
    sections_a["store"] = {"node_id": "node-a"}
    a = OutServer(tmp_path / "a", sections=sections_a, roles=("smtp",), mynetworks=["127.0.0.1/32"])
    sections_b = outbound_sections(sink.port, extra=extra)
    sections_b["store"] = {"node_id": "node-b"}
    b = OutServer(tmp_path / "b", sections=sections_b, roles=(), mynetworks=["127.0.0.1/32"],
                  hostname="mailb.example.test")
    b.data_dir = a.data_dir          # one store, two processes
    b.write_config()
    t = "w" + secrets.token_hex(3)
    rcpts = [f"{t}n{i}@remote.test" for i in range(12)]
    # Every DATA is held for a while, so that a worker is killed with deliveries open.
    sink.handler.data_delay = lambda envelope, n: 1.0
    try:
        a.start()
        b.start()
        wait_until(lambda: "node-b" in b.log() or b.running(), 10, "worker b to start")
        for r in rcpts:
            a.submit([r], message(r, t + r.split("@")[0]))
        # Kill worker a while it holds at least one DATA open at the MX.
        wait_until(lambda: any(rec.ehlo == "mail.example.test" and not rec.answered for rec in sink.handler.deliveries()),
                   20, "worker a to hold a delivery open")
        a.kill9()
        # Worker b delivers everything, including what a had leased (after its lease expires).
        wait_until(lambda: all(sink.handler.accepted(r) for r in rcpts), 60, "every recipient to be delivered")
        time.sleep(4)  # longer than a lease: a late duplicate would show up now
        for r in rcpts:
            got = sink.handler.accepted(r)
            assert len(got) == 1, f"{r}: {len(got)} accepted deliveries: {[x.ehlo for x in got]}"
        # aiosmtpd cancels the DATA handler when the connection drops: such a DATA has no answer.
        killed = [rec for rec in sink.handler.deliveries() if rec.answered in ("", "lost")]
        assert killed, "worker a was killed before it held a delivery open"
        assert any(rec.ehlo == "mailb.example.test" for rec in sink.handler.deliveries()), "worker b delivered nothing"
        wait_until(lambda: b.queue_list().strip() == "Mail queue is empty", 10, "the queue to be empty")
    finally:
        for s in (a, b):
            if s.running():
                s.stop()


def test_same_node_id_twice_is_refused(tmp_path):
    sections = {"store": {"node_id": "dup"}}
    a = ternlib.TernServer(tmp_path / "a", sections=sections, roles=("smtp",))
    b = ternlib.TernServer(tmp_path / "b", sections=sections, roles=("smtp",))
    b.data_dir = a.data_dir
    b.write_config()
    try:
        a.start()
        r = ternlib.subprocess.run([str(ternlib.tern_binary()), *ternlib.SERVE, "--config", str(b.config_path)],
                                   capture_output=True, text=True, timeout=30, stdin=ternlib.subprocess.DEVNULL)
        assert r.returncode != 0
        assert "another tern serve" in r.stderr and "tern-dup.pid" in r.stderr, r.stderr
    finally:
        a.stop()
