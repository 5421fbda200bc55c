#!/usr/bin/env bash
# IMAP benchmark: Tern's IMAP listener on loopback, driven by bench/imap_driver.py (asyncio, raw IMAP).
#
# usage: bench/imap.sh                    (Debian 12; python3 only)
# env:   N=20     concurrent clients              T=20  seconds of mixed load
#        SMALL=10000  messages in the mixed-load mailbox
#        BIG=100000   messages in the SELECT / FETCH 1:* (UID FLAGS) mailbox (0 skips)
#        IDLERS=1000  idle IDLE connections for the RSS figure (0 skips)
#        BUILD=release|debug (default release)   KEEP=1  keep the temp data dir
#        TERN=path   use this tern binary instead of building one
# Phases:
#   1. mixed load: N clients loop SELECT INBOX, FETCH 20 messages (UID FLAGS), FETCH one
#      BODY.PEEK[], STORE +FLAGS \Seen on one message, on a SMALL-message mailbox; prints
#      commands/s, p50/p99 latency per command and overall, server RSS and CPU.
#   2. SELECT + `FETCH 1:* (UID FLAGS)` latency on a BIG-message mailbox (median of 5).
#   3. RSS with IDLERS connections logged in, INBOX selected, in IDLE.
# Mailboxes are filled fast: 100 distinct ~4 KiB messages by APPEND, then COPY 1:* into the
# same mailbox doubles them (copies share the message file) up to the target count.
# Only loopback is used; the server started here is stopped by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=${N:-20}
T=${T:-20}
SMALL=${SMALL:-10000}
BIG=${BIG:-100000}
IDLERS=${IDLERS:-1000}
BUILD=${BUILD:-release}

log() { printf '[bench] %s\n' "$*" >&2; }

if [ -n "${TERN:-}" ]; then
  log "using $TERN"
elif [ "$BUILD" = release ]; then
  log "swift build -c release --product tern"
  (cd "$ROOT" && swift build -c release --product tern >&2)
  TERN="$(cd "$ROOT" && swift build -c release --show-bin-path)/tern"
else
  (cd "$ROOT" && swift build --product tern >&2)
  TERN="$(cd "$ROOT" && swift build --show-bin-path)/tern"
fi

# --- temp config on the real disk (not tmpfs: fsync must cost what it costs)
WORK=$(mktemp -d /var/tmp/tern-imap-bench.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  [ "${KEEP:-0}" = 1 ] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/tern.toml" <<EOT
hostname = "mail.example.test"
domains = ["example.test"]
data_dir = "$WORK/data"

[listen]
imap = ["127.0.0.1:0"]

[limits]
max_connections = $(( IDLERS + N + 100 ))
max_connections_per_ip = $(( IDLERS + N + 100 ))
max_connections_per_user_ip = $(( IDLERS + N + 100 ))
EOT
PASSWORD="bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for u in small big idle; do
  echo "$PASSWORD" | "$TERN" user add "$u@example.test" --password-stdin --config "$WORK/tern.toml" >/dev/null
done

ulimit -n "$(ulimit -Hn)"
: > "$WORK/stderr.log"   # exists before the wait loop reads it (set -e, pipefail)
"$TERN" serve $( [ "$(id -u)" = 0 ] && echo --allow-root ) --config "$WORK/tern.toml" 2> "$WORK/stderr.log" > "$WORK/stdout.log" &
PID=$!
IMAP_PORT=""
for _ in $(seq 1 300); do
  IMAP_PORT=$(sed -n 's/.*listening imap on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stderr.log" | head -1)
  [ -n "$IMAP_PORT" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/stderr.log" >&2; echo "tern serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$IMAP_PORT" ] || { cat "$WORK/stderr.log" >&2; echo "no listening line" >&2; exit 1; }
log "tern ${TERN:+$TERN }($BUILD) pid $PID imap 127.0.0.1:$IMAP_PORT"

python3 "$ROOT/bench/imap_driver.py" --port "$IMAP_PORT" --password "$PASSWORD" --pid "$PID" \
  --clients "$N" --seconds "$T" --small "$SMALL" --big "$BIG" --idlers "$IDLERS"
