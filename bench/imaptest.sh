#!/usr/bin/env bash
# Dovecot's imaptest against a Tern started here: the scripted compliance tests, then the stress load.
#
# usage: IMAPTEST=/path/to/imaptest IMAPTEST_TESTS=/path/to/imaptest/src/tests bench/imaptest.sh
# env:   MODE=all|scripted|stress   (default all)
#        TEST=name    run only this scripted test (a file or directory under IMAPTEST_TESTS)
#        CLIENTS="10 50"   stress client counts     SECS=30  seconds per stress run
#        BUILD=release|debug (default release)   TERN=path  use this tern binary   KEEP=1 keep the data dir
#
# Getting imaptest (built outside this repository; nothing of it is committed here):
#   apt-get install -y dovecot-dev autoconf automake libtool build-essential
#   git clone -b release-2.3 https://github.com/dovecot/imaptest /var/tmp/imaptest
#   cd /var/tmp/imaptest && ./autogen.sh && ./configure --with-dovecot=/usr/lib/dovecot && make
#   (Debian 12's dovecot-dev 2.3.19 takes a fourth `params` argument in imap_parser_create();
#    if the build stops there, add `, NULL` to the three calls in src/*.c.)
#   then IMAPTEST=/var/tmp/imaptest/src/imaptest IMAPTEST_TESTS=/var/tmp/imaptest/src/tests
#
# The scripted run prints imaptest's own summary ("N test groups: F failed, S skipped due to
# missing capabilities" and "base protocol: F/N individual commands failed" …). The stress runs
# print commands/s from imaptest's totals line and the server's peak RSS.
# Only loopback is used; the server started here is stopped by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE=${MODE:-all}
CLIENTS=${CLIENTS:-"10 50"}
SECS=${SECS:-30}
BUILD=${BUILD:-release}

log() { printf '[imaptest] %s\n' "$*" >&2; }

if [ -z "${IMAPTEST:-}" ] || [ -z "${IMAPTEST_TESTS:-}" ] || [ ! -x "${IMAPTEST:-/nonexistent}" ]; then
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo
  echo "Set IMAPTEST (the imaptest binary) and IMAPTEST_TESTS (its src/tests directory) to run it."
  exit 0
fi
export LD_LIBRARY_PATH="/usr/lib/dovecot${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ -n "${TERN:-}" ]; then
  log "using $TERN"
elif [ "$BUILD" = release ]; then
  (cd "$ROOT" && swift build -c release --product tern >&2)
  TERN="$(cd "$ROOT" && swift build -c release --show-bin-path)/tern"
else
  (cd "$ROOT" && swift build --product tern >&2)
  TERN="$(cd "$ROOT" && swift build --show-bin-path)/tern"
fi

WORK=$(mktemp -d /var/tmp/tern-imaptest.XXXXXX)
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
max_connections = 1000
max_connections_per_ip = 1000
EOT
PASSWORD="imaptest-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for u in imaptest stress; do
  echo "$PASSWORD" | "$TERN" user add "$u@example.test" --password-stdin --config "$WORK/tern.toml" >/dev/null
done

ulimit -n "$(ulimit -Hn)"
: > "$WORK/stderr.log"
"$TERN" serve $( [ "$(id -u)" = 0 ] && echo --allow-root ) --config "$WORK/tern.toml" 2> "$WORK/stderr.log" > "$WORK/stdout.log" &
PID=$!
PORT=""
for _ in $(seq 1 300); do
  PORT=$(sed -n 's/.*listening imap on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stderr.log" | head -1)
  [ -n "$PORT" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/stderr.log" >&2; echo "tern serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$WORK/stderr.log" >&2; echo "no listening line" >&2; exit 1; }
log "tern $TERN pid $PID imap 127.0.0.1:$PORT"

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }

if [ "$MODE" = all ] || [ "$MODE" = scripted ]; then
  TESTPATH="$IMAPTEST_TESTS${TEST:+/$TEST}"
  log "scripted tests: $TESTPATH"
  "$IMAPTEST" host=127.0.0.1 port="$PORT" user=imaptest@example.test pass="$PASSWORD" \
    test="$TESTPATH" 2>&1 | tee "$WORK/scripted.log" || true
  echo "== scripted summary"
  grep -E 'test groups|individual commands failed' "$WORK/scripted.log" || echo "(no summary line)"
fi

if [ "$MODE" = all ] || [ "$MODE" = stress ]; then
  MBOX="$IMAPTEST_TESTS/default.mbox"
  for c in $CLIENTS; do
    for relogin in no yes; do
      extra=""
      [ "$relogin" = no ] && extra="logout=0"
      "$IMAPTEST" host=127.0.0.1 port="$PORT" user=stress@example.test pass="$PASSWORD" \
        mbox="$MBOX" clients="$c" secs="$SECS" $extra > "$WORK/stress-$c-$relogin.log" 2>&1 || true
      # The last totals line: the first column of the figures after the header is Logi, the
      # sum of all command columns divided by the seconds gives commands/s.
      total=$(awk '/^[0-9]+ +[0-9]+ /{last=$0} END{print last}' "$WORK/stress-$c-$relogin.log")
      cmds=$(echo "$total" | awk '{s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i; print s}')
      printf 'stress clients=%s relogin=%s: %s commands in %ss (%.0f/s), tern RSS %s MiB\n' \
        "$c" "$relogin" "${cmds:-0}" "$SECS" "$(echo "${cmds:-0} / $SECS" | bc -l)" "$(rss_mib)"
    done
  done
fi
