#!/usr/bin/env bash
# Outbound SMTP benchmark: N messages are queued through Tern's MX listener (the client is in
# mynetworks) for a remote domain whose MX (embedded DNS data) is Postfix's smtp-sink on loopback;
# prints queue-to-sink deliveries/s, the time to drain the queue, and Tern's peak RSS.
#
# usage: bench/smtp-outbound.sh        (as root on Debian 12; installs postfix for its tools only)
# env:   M=2000 messages   S=20 injecting sessions   L=4096 message size   P=10 outbound parallelism
# Loopback only; every process started here is stopped by its PID.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M=${M:-2000}; S=${S:-20}; L=${L:-4096}; P=${P:-10}

if ! command -v smtp-source >/dev/null || ! command -v smtp-sink >/dev/null; then
  made=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q postfix >/dev/null
  [ "$made" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

(cd "$ROOT" && swift build -c release >/dev/null)
BIN="$ROOT/.build/release/tern"
WORK=$(mktemp -d)
SINK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smtp-sink -u root 127.0.0.1:"$SINK_PORT" 256 >/dev/null 2>&1 &
SINK_PID=$!
cat > "$WORK/tern.toml" <<TOML
hostname = "mail.example.test"
domains = ["example.test"]
data_dir = "$WORK/data"
mynetworks = ["127.0.0.0/8"]
[listen]
smtp = ["127.0.0.1:0"]
[limits]
max_connections_per_ip = 1000
[outbound]
port = $SINK_PORT
parallelism = $P
[dns]
local_data = ["remote.test. 300 IN MX 10 mx.remote.test.", "mx.remote.test. 300 IN A 127.0.0.1"]
TOML
"$BIN" serve $( [ "$(id -u)" = 0 ] && echo --allow-root ) --config "$WORK/tern.toml" 2> "$WORK/tern.log" &
TERN_PID=$!
cleanup() { kill "$TERN_PID" "$SINK_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q "listening smtp" "$WORK/tern.log" && break; sleep 0.1; done
PORT=$(grep -o 'listening smtp on 127.0.0.1:[0-9]*' "$WORK/tern.log" | head -1 | cut -d: -f2)

start=$(date +%s.%N)
smtp-source -c -l "$L" -m "$M" -s "$S" -f alice@example.test -t bob@remote.test 127.0.0.1:"$PORT" >/dev/null
accepted=$(date +%s.%N)
while ! "$BIN" queue list --config "$WORK/tern.toml" | grep -q "Mail queue is empty"; do sleep 0.2; done
drained=$(date +%s.%N)
sent=$(grep -c "status=sent (250" "$WORK/tern.log" || true)
python3 - "$M" "$start" "$accepted" "$drained" "$sent" "$(grep VmHWM /proc/$TERN_PID/status | awk '{print $2}')" <<'PY'
import sys
m, start, accepted, drained, sent, hwm = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5]), int(sys.argv[6])
print(f"tern smtp-outbound  messages={m}  delivered to smtp-sink={sent}")
print(f"  accepted (queued)   {m / (accepted - start):8.1f} msg/s   ({accepted - start:.2f} s)")
print(f"  delivered           {sent / (drained - start):8.1f} msg/s   (queue empty after {drained - start:.2f} s)")
print(f"  peak RSS            {hwm / 1024:8.1f} MiB")
PY
