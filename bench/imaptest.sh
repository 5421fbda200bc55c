#!/usr/bin/env bash
# Dovecot's imaptest against a Tern started here: the scripted compliance tests, then the stress load.
#
# usage: IMAPTEST=/path/to/imaptest IMAPTEST_TESTS=/path/to/imaptest/src/tests bench/imaptest.sh
# env:   MODE=all|scripted|stress   (default all)
#        TEST=name    run only this scripted test (a file or directory under IMAPTEST_TESTS)
#        CLIENTS="10 50"   stress client counts     SECS=30  seconds per stress run
#        MODE=leak    one long stress run (LEAK_SECS=3600, LEAK_CLIENTS=50, no logout) printing Tern's
#                     RSS once a minute: memory must stay flat after warm-up
#        DOVECOT=1    also run the stress load against a private Dovecot (Debian's dovecot-imapd,
#                     loopback, temp dir, same mbox, same yescrypt hash) for side-by-side figures
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
# Tests with a second user (`user 2: $user2`, e.g. urlauth2) log in as stress@example.test, whose
# mailbox "imaptest" is created here first (only the first user's is recreated by imaptest).
# Upstream urlauth2 lacks `messages: all` since imaptest's default became 0 messages (2021), so it
# fails on any server; the scripted run uses a copy of the tests with that line added.
#
# The scripted run prints imaptest's own summary ("N test groups: F failed, S skipped due to
# missing capabilities" and "base protocol: F/N individual commands failed" …). The stress runs
# print commands/s from imaptest's totals line and each server's peak RSS (Dovecot: the sum over
# all its processes), Tern and Dovecot alternating, with and without a login per cycle.
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
max_connections_per_user_ip = 1000
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
python3 - "$PORT" "$PASSWORD" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("stress@example.test", sys.argv[2])
m.create("imaptest")
m.logout()
PY

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }

if [ "$MODE" = all ] || [ "$MODE" = scripted ]; then
  TESTS_DIR="$IMAPTEST_TESTS"
  if [ -f "$IMAPTEST_TESTS/urlauth2" ] && ! grep -q '^messages:' "$IMAPTEST_TESTS/urlauth2"; then
    cp -r "$IMAPTEST_TESTS" "$WORK/tests"
    sed -i 's/^capabilities: urlauth$/&\nmessages: all/' "$WORK/tests/urlauth2"
    TESTS_DIR="$WORK/tests"
  fi
  TESTPATH="$TESTS_DIR${TEST:+/$TEST}"
  log "scripted tests: $TESTPATH"
  "$IMAPTEST" host=127.0.0.1 port="$PORT" user=imaptest@example.test user2=stress@example.test pass="$PASSWORD" \
    test="$TESTPATH" 2>&1 | tee "$WORK/scripted.log" || true
  echo "== scripted summary"
  grep -E 'test groups|individual commands failed' "$WORK/scripted.log" || echo "(no summary line)"
fi

if [ "$MODE" = all ] || [ "$MODE" = stress ]; then
  MBOX="$IMAPTEST_TESTS/default.mbox"
  # The same password hash on both sides: Tern's yescrypt hash of the stress user, given to
  # Dovecot as {CRYPT} (libxcrypt verifies it for both), so re-login costs compare fairly.
  HASH=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select password_hash from accounts where address=?", ("stress@example.test",)).fetchone()[0])' "$WORK/data/tern.sqlite")

  DPID=""
  DPORT=""
  if [ "${DOVECOT:-1}" = 1 ] && command -v dovecot >/dev/null 2>&1; then
    D="$WORK/dovecot"
    mkdir -p "$D/mail" "$D/home"
    chmod 755 "$D" "$WORK"
    chown nobody:nogroup "$D/mail" "$D/home"
    DPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo "stress@example.test:{CRYPT}$HASH::::::" > "$D/users"
    cat > "$D/dovecot.conf" <<EOD
protocols = imap
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$D/mail/%n
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = $D/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DPORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
service imap {
  process_limit = 1024
}
# imaptest logs every client in as the same user: lift the per-user+IP limit on both sides.
mail_max_userip_connections = 1000
EOD
    dovecot -F -c "$D/dovecot.conf" > "$D/stdout.log" 2>&1 &
    DPID=$!
    for _ in $(seq 1 100); do
      python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $DPORT), 1).close()" 2>/dev/null && break
      sleep 0.1
    done
    log "dovecot $(dovecot --version | cut -d' ' -f1) pid $DPID imap 127.0.0.1:$DPORT"
  fi
  stop_dovecot() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
      kill -TERM "$DPID"; for _ in $(seq 1 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
      wait "$DPID" 2>/dev/null || true
    fi
  }
  trap 'stop_dovecot; cleanup' EXIT

  # RSS (MiB) of a process and all its descendants.
  tree_rss() {
    local pids="$1" all="" next
    while [ -n "$pids" ]; do
      all="$all $pids"
      next=""
      for p in $pids; do next="$next $(cat /proc/"$p"/task/*/children 2>/dev/null)"; done
      pids=$(echo $next)
    done
    for p in $all; do awk '/VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null; done | awk '{s+=$1} END {printf "%.1f", s/1024}'
  }

  # One stress run: prints "commands/s peak-RSS-MiB".
  stress_run() {
    local port="$1" pid="$2" clients="$3" extra="$4" out="$5"
    "$IMAPTEST" host=127.0.0.1 port="$port" user=stress@example.test pass="$PASSWORD" \
      mbox="$MBOX" clients="$clients" secs="$SECS" $extra > "$out" 2>&1 &
    local ipid=$! peak=0 now
    while kill -0 "$ipid" 2>/dev/null; do
      now=$(tree_rss "$pid")
      peak=$(awk -v a="$peak" -v b="$now" 'BEGIN {print (b > a) ? b : a}')
      sleep 1
    done
    wait "$ipid" || true
    # The last line of imaptest's report holds the command totals of the whole run.
    local total
    total=$(tail -1 "$out" | awk '{s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i; print s}')
    printf '%.0f %s' "$(echo "${total:-0} / $SECS" | bc -l)" "$peak"
  }

  printf '%-34s %14s %10s %16s %10s\n' "imaptest stress ($SECS s each)" "tern cmds/s" "tern MiB" "dovecot cmds/s" "dov. MiB"
  for c in $CLIENTS; do
    for relogin in no yes; do
      extra=""
      [ "$relogin" = no ] && extra="logout=0"
      t=$(stress_run "$PORT" "$PID" "$c" "$extra" "$WORK/stress-tern-$c-$relogin.log")
      d="- -"
      [ -n "$DPID" ] && d=$(stress_run "$DPORT" "$DPID" "$c" "$extra" "$WORK/stress-dovecot-$c-$relogin.log")
      printf '%-34s %14s %10s %16s %10s\n' "clients=$c login-per-cycle=$relogin" $t $d
    done
  done
  echo "(errors reported by imaptest: tern $(cat "$WORK"/stress-tern-*.log | grep -c '^Error' || true)," \
       "dovecot $(cat "$WORK"/stress-dovecot-*.log 2>/dev/null | grep -c '^Error' || true); logs in $WORK when KEEP=1)"
fi

if [ "$MODE" = leak ]; then
  LEAK_SECS=${LEAK_SECS:-3600}
  LEAK_CLIENTS=${LEAK_CLIENTS:-50}
  log "leak check: $LEAK_CLIENTS clients for $LEAK_SECS s"
  "$IMAPTEST" host=127.0.0.1 port="$PORT" user=stress@example.test pass="$PASSWORD" \
    mbox="$IMAPTEST_TESTS/default.mbox" clients="$LEAK_CLIENTS" secs="$LEAK_SECS" logout=0 > "$WORK/leak.log" 2>&1 &
  IPID=$!
  start=$(date +%s)
  printf '%8s %10s\n' "seconds" "tern MiB"
  while kill -0 "$IPID" 2>/dev/null; do
    printf '%8d %10s\n' "$(( $(date +%s) - start ))" "$(rss_mib)"
    for _ in $(seq 1 60); do kill -0 "$IPID" 2>/dev/null || break; sleep 1; done
  done
  wait "$IPID" || true
  printf '%8d %10s  (after the load stopped)\n' "$(( $(date +%s) - start ))" "$(rss_mib)"
fi
