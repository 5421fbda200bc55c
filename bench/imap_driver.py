#!/usr/bin/env python3
"""Load driver for bench/imap.sh: raw IMAP over asyncio on loopback (see the header of imap.sh)."""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import resource
import statistics
import time

HOST = "127.0.0.1"


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.r, self.w, self.n = reader, writer, 0

    @classmethod
    async def connect(cls, port: int) -> "Client":
        r, w = await asyncio.open_connection(HOST, port, limit=1 << 24)
        c = cls(r, w)
        await r.readline()
        return c

    async def command(self, cmd: bytes) -> tuple[list[bytes], bytes]:
        """Sends one command, reads to its tagged reply (literals included); raises unless OK."""
        self.n += 1
        tag = b"b%d" % self.n
        self.w.write(tag + b" " + cmd + b"\r\n")
        lines = []
        while True:
            line = await self.r.readline()
            if not line:
                raise ConnectionError("closed")
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                line += await self.r.readexactly(int(m.group(1)))
                line += await self.r.readline()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError(f"{cmd[:60]!r}: {line!r}")
                return lines, line
            lines.append(line)

    async def login(self, user: str, password: str):
        await self.command(f'LOGIN "{user}" "{password}"'.encode())

    async def append_literal_plus(self, messages: list[bytes]):
        """Pipelines APPENDs with non-synchronising literals (RFC 7888)."""
        tags = []
        for m in messages:
            self.n += 1
            tags.append(b"b%d" % self.n)
            self.w.write(tags[-1] + b" APPEND INBOX {%d+}\r\n" % len(m) + m + b"\r\n")
        await self.w.drain()
        pending = set(tags)
        while pending:
            line = await self.r.readline()
            tag = line.split(b" ", 1)[0]
            if tag in pending:
                assert b" OK " in line, line
                pending.discard(tag)

    def close(self):
        self.w.close()


def rss_kib(pid: int) -> tuple[int, int]:
    status = open(f"/proc/{pid}/status").read()
    return (int(re.search(r"VmRSS:\s+(\d+)", status).group(1)), int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    import os
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed_message(i: int) -> bytes:
    body = "".join(f"Line {k} of message {i}: lorem ipsum dolor sit amet, consectetur.\r\n" for k in range(60))
    return (f"From: sender{i}@remote.test\r\nTo: bench@example.test\r\nSubject: bench message {i}\r\n"
            f"Date: Sun, 29 Nov 2026 10:{i % 60:02d}:00 +0000\r\nMessage-ID: <{i}@bench.test>\r\n\r\n{body}").encode()


async def fill(port: int, user: str, password: str, target: int):
    c = await Client.connect(port)
    await c.login(user, password)
    await c.append_literal_plus([seed_message(i) for i in range(min(100, target))])
    untagged, _ = await c.command(b"SELECT INBOX")
    count = int(next(l for l in untagged if l.endswith(b" EXISTS\r\n")).split()[1])
    while count < target:
        take = min(count, target - count)
        await c.command(b"COPY 1:%d INBOX" % take)
        count += take
    untagged, _ = await c.command(b"NOOP")
    await c.command(b"LOGOUT")
    c.close()
    return count


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000


async def mixed(port: int, password: str, clients: int, seconds: float, count: int, pid: int):
    latencies: dict[str, list[float]] = {"SELECT": [], "FETCH flags": [], "FETCH body": [], "STORE": []}
    deadline = time.monotonic() + seconds

    async def worker(k: int):
        rnd = random.Random(k)
        c = await Client.connect(port)
        await c.login("small@example.test", password)
        while time.monotonic() < deadline:
            a = rnd.randint(1, count - 20)
            for name, cmd in (("SELECT", b"SELECT INBOX"),
                              ("FETCH flags", b"FETCH %d:%d (UID FLAGS)" % (a, a + 19)),
                              ("FETCH body", b"FETCH %d BODY.PEEK[]" % rnd.randint(1, count)),
                              ("STORE", b"STORE %d +FLAGS (\\Seen)" % rnd.randint(1, count))):
                t0 = time.monotonic()
                await c.command(cmd)
                latencies[name].append(time.monotonic() - t0)
        await c.command(b"LOGOUT")
        c.close()

    cpu0 = cpu_seconds(pid)
    t0 = time.monotonic()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    total = sum(len(v) for v in latencies.values())
    every = [x for v in latencies.values() for x in v]
    rss, peak = rss_kib(pid)
    print(f"mixed load: {clients} clients, {wall:.1f} s, mailbox of {count} messages")
    print(f"  commands/s           {total / wall:10.1f}  ({total} commands)")
    print(f"  latency p50 / p99    {pct(every, .5):8.2f} / {pct(every, .99):.2f} ms (all commands)")
    for name, v in latencies.items():
        print(f"    {name:<12} n={len(v):6d}  p50 {pct(v, .5):8.2f} ms  p99 {pct(v, .99):8.2f} ms")
    print(f"  server CPU           {cpu:10.2f} s ({100 * cpu / wall:.0f}% of one core)")
    print(f"  server RSS now/peak  {rss / 1024:10.1f} / {peak / 1024:.1f} MiB")


async def big_mailbox(port: int, password: str, count: int, pid: int):
    c = await Client.connect(port)
    await c.login("big@example.test", password)
    sel, fet = [], []
    for _ in range(5):
        t0 = time.monotonic()
        await c.command(b"SELECT INBOX")
        t1 = time.monotonic()
        untagged, _ = await c.command(b"FETCH 1:* (UID FLAGS)")
        t2 = time.monotonic()
        assert len(untagged) == count, len(untagged)
        sel.append(t1 - t0)
        fet.append(t2 - t1)
    await c.command(b"LOGOUT")
    c.close()
    rss, peak = rss_kib(pid)
    print(f"big mailbox: {count} messages (median of 5)")
    print(f"  SELECT               {statistics.median(sel) * 1000:10.1f} ms")
    print(f"  FETCH 1:* (UID FLAGS) {statistics.median(fet) * 1000:9.1f} ms")
    print(f"  server RSS now/peak  {rss / 1024:10.1f} / {peak / 1024:.1f} MiB")


async def idlers(port: int, password: str, n: int, pid: int):
    before, _ = rss_kib(pid)
    sem = asyncio.Semaphore(50)
    conns: list[Client] = []

    async def one():
        async with sem:
            c = await Client.connect(port)
            await c.login("idle@example.test", password)
            await c.command(b"SELECT INBOX")
            c.w.write(b"i1 IDLE\r\n")
            line = await c.r.readline()
            assert line.startswith(b"+ "), line
            conns.append(c)

    t0 = time.monotonic()
    await asyncio.gather(*(one() for _ in range(n)))
    setup = time.monotonic() - t0
    await asyncio.sleep(2)
    after, peak = rss_kib(pid)
    print(f"idle: {len(conns)} connections in IDLE (set up in {setup:.1f} s)")
    print(f"  server RSS before/with {before / 1024:8.1f} / {after / 1024:.1f} MiB "
          f"({(after - before) / max(1, len(conns)):.1f} KiB per connection), peak {peak / 1024:.1f} MiB")
    for c in conns:
        c.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--small", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--idlers", type=int, default=1000)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rss, _ = rss_kib(a.pid)
    print(f"server RSS at start    {rss / 1024:10.1f} MiB")
    t0 = time.monotonic()
    n = await fill(a.port, "small@example.test", a.password, a.small)
    print(f"filled {n} messages in {time.monotonic() - t0:.1f} s")
    await mixed(a.port, a.password, a.clients, a.seconds, n, a.pid)
    if a.big:
        t0 = time.monotonic()
        n = await fill(a.port, "big@example.test", a.password, a.big)
        print(f"filled {n} messages in {time.monotonic() - t0:.1f} s")
        await big_mailbox(a.port, a.password, n, a.pid)
    if a.idlers:
        await idlers(a.port, a.password, a.idlers, a.pid)


if __name__ == "__main__":
    asyncio.run(main())
