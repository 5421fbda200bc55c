#!/usr/bin/env bash
# Inbound SMTP benchmark: Postfix's smtp-source drives Tern's MX listener on loopback.
#
# usage: bench/smtp-inbound.sh            (run as root on Debian 12)
# env:   M=5000  messages            S=20  parallel sessions     L=4096  message size (bytes)
#        BASELINE=1  also run ../shared/bench/baseline (Postfix + Dovecot) with the same load,
#                    side by side, and print the ratio
#        SHARED=DIR  where shared/ is (default: the repo's sibling ../shared)
#        KEEP=1      keep the temp data dir
#        TERN=path   use this tern binary instead of building one (to compare two builds side by side)
#        VERIFY=1    keep SPF/DKIM/DMARC checks of port-25 mail on (default off: without a network every
#                    message would wait for DNS timeouts, and Postfix's baseline does not check either)
# Prints messages/s accepted (smtp-source wall time) and stored (messages counted through
# IMAP SELECT INBOX), the server-side per-message delay p50/p99 from Tern's log lines,
# server CPU seconds and peak RSS (VmHWM). Every message is its own SMTP session (smtp-source
# without -d), no TLS, like ../shared/bench/baseline/bench-smtp.sh.
# Only loopback is used; the server started here is stopped by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M=${M:-5000}
S=${S:-20}
L=${L:-4096}
BASELINE=${BASELINE:-0}
SHARED=${SHARED:-$ROOT/../shared}
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bench] %s\n' "$*" >&2; }

# --- smtp-source from Debian's postfix package, without ever starting the Postfix daemon
install_smtp_source() {
  if command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ]; then return; fi
  [ "$(id -u)" = 0 ] || { echo "need root to install postfix (for smtp-source)" >&2; exit 1; }
  log "installing postfix for smtp-source only (its daemon is not started)"
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -q postfix >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}
install_smtp_source
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)

# --- build Tern (release), unless TERN names a binary
if [ -z "${TERN:-}" ]; then
  log "swift build -c release --product tern"
  (cd "$ROOT" && swift build -c release --product tern >&2)
  TERN="$(cd "$ROOT" && swift build -c release --show-bin-path)/tern"
fi
VERIFY=${VERIFY:-0}

# --- temp config on the real disk (not tmpfs: fsync must cost what it costs)
WORK=$(mktemp -d /var/tmp/tern-bench.XXXXXX)
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

cat > "$WORK/tern.toml" <<EOF
hostname = "mail.example.test"
domains = ["example.test"]
data_dir = "$WORK/data"

[listen]
smtp = ["127.0.0.1:0"]
imap = ["127.0.0.1:0"]

[limits]
max_connections = 1000
max_connections_per_ip = 1000

[inbound]
verify = $( [ "$VERIFY" = 1 ] && echo true || echo false )
EOF
PASSWORD="bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$PASSWORD" | "$TERN" user add bob@example.test --password-stdin --config "$WORK/tern.toml" >/dev/null

: > "$WORK/stderr.log"   # exists before the loop below reads it (set -e, pipefail)
"$TERN" serve $( [ "$(id -u)" = 0 ] && echo --allow-root ) --config "$WORK/tern.toml" 2> "$WORK/stderr.log" > "$WORK/stdout.log" &
PID=$!
SMTP_PORT=""; IMAP_PORT=""
for _ in $(seq 1 300); do
  SMTP_PORT=$(sed -n 's/.*listening smtp on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stderr.log" | head -1)
  IMAP_PORT=$(sed -n 's/.*listening imap on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stderr.log" | head -1)
  [ -n "$SMTP_PORT" ] && [ -n "$IMAP_PORT" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/stderr.log" >&2; echo "tern serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$SMTP_PORT" ] && [ -n "$IMAP_PORT" ] || { cat "$WORK/stderr.log" >&2; echo "no listening lines" >&2; exit 1; }
IDLE_RSS=$(awk '/^VmRSS/{print $2}' "/proc/$PID/status")
log "tern pid $PID smtp 127.0.0.1:$SMTP_PORT imap 127.0.0.1:$IMAP_PORT (idle RSS ${IDLE_RSS} kB)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CPU0=$(cpu_ticks "$PID")
sync; sleep 1
log "smtp-source -c -l $L -m $M -s $S -f alice@remote.test -t bob@example.test 127.0.0.1:$SMTP_PORT"
t0=$(date +%s.%N)
set +e
"$SMTP_SOURCE" -c -l "$L" -m "$M" -s "$S" -f alice@remote.test -t bob@example.test "127.0.0.1:$SMTP_PORT" \
  > "$WORK/smtp-source.out" 2>&1
SRC_RC=$?
set -e
t1=$(date +%s.%N)
CPU1=$(cpu_ticks "$PID")
PEAK_RSS=$(awk '/^VmHWM/{print $2}' "/proc/$PID/status")
[ "$SRC_RC" = 0 ] || { log "smtp-source exited $SRC_RC:"; tr '\r' '\n' < "$WORK/smtp-source.out" | tail -5 >&2; }

STORED=$(python3 - "$IMAP_PORT" "$PASSWORD" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=60)
m.login("bob@example.test", sys.argv[2])
typ, data = m.select("INBOX", readonly=True)
print(int(data[0]))
m.logout()
PY
)

# server-side per-message delay from the log lines "ID: to=<…>, relay=local, delay=D, …"
read -r P50 P99 NDELAY < <(python3 - "$WORK/stderr.log" <<'PY'
import re, sys
d = sorted(float(x) for x in re.findall(r"relay=local, delay=([0-9.]+)", open(sys.argv[1], errors="replace").read()))
q = lambda p: d[min(len(d) - 1, int(p * len(d)))] if d else float("nan")
print(f"{q(0.50):.3f} {q(0.99):.3f} {len(d)}")
PY
)

HZ=$(getconf CLK_TCK)
awk -v m="$M" -v s="$S" -v l="$L" -v t0="$t0" -v t1="$t1" -v stored="$STORED" -v rc="$SRC_RC" \
    -v cpu="$(( CPU1 - CPU0 ))" -v hz="$HZ" -v peak="$PEAK_RSS" -v idle="$IDLE_RSS" \
    -v p50="$P50" -v p99="$P99" -v nd="$NDELAY" 'BEGIN {
  wall = t1 - t0
  printf "tern  smtp-inbound  messages=%d sessions=%d size=%dB  smtp-source rc=%d\n", m, s, l, rc
  printf "  wall time            %8.2f s\n", wall
  printf "  accepted             %8.1f msg/s\n", m / wall
  printf "  stored (IMAP count)  %8d messages, %8.1f msg/s\n", stored, stored / wall
  printf "  delay p50 / p99      %s / %s s (server log, %d deliveries)\n", p50, p99, nd
  printf "  server CPU           %8.2f s (%.0f%% of one core)\n", cpu / hz, 100 * cpu / hz / wall
  printf "  RSS idle / peak      %8.1f / %.1f MiB (VmRSS / VmHWM)\n", idle / 1024, peak / 1024
}'
TERN_RATE=$(awk -v n="$STORED" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", n / (b - a)}')

# stop Tern by PID before the baseline runs
kill -TERM "$PID"; wait "$PID" || true; PID=""

if [ "$BASELINE" = 1 ]; then
  BASE="$SHARED/bench/baseline"
  [ -x "$BASE/setup.sh" ] || { echo "no $BASE/setup.sh" >&2; exit 1; }
  log "baseline: Postfix + Dovecot via $BASE/setup.sh (loopback only)"
  "$BASE/setup.sh" all >&2
  # a new account has no Maildir until its first delivery; bench-smtp.sh -C counts in Maildir/new
  for d in /home/bob/Maildir /home/bob/Maildir/new /home/bob/Maildir/cur /home/bob/Maildir/tmp; do
    install -d -o bob -g bob -m 700 "$d"
  done
  set +e
  bash "$BASE/bench-smtp.sh" -d /home/bob/Maildir -C -c "$S" -l "$L" -m "$M" -r 1 \
    -f alice@remote.test -o "$WORK/baseline-out" 127.0.0.1:25 bob@example.test | tee "$WORK/baseline.txt"
  BRC=${PIPESTATUS[0]}
  set -e
  "$BASE/setup.sh" stop >&2 || true
  PF_RATE=$(sed -n 's/.*deliver *\([0-9.]*\) msg\/s.*/\1/p' "$WORK/baseline.txt" | head -1)
  echo "postfix delivered: ${PF_RATE:-NA} msg/s (bench-smtp.sh rc=$BRC)"
  if [ -n "$PF_RATE" ]; then
    awk -v t="$TERN_RATE" -v p="$PF_RATE" 'BEGIN{printf "ratio tern stored / postfix delivered: %.2f (target >= 2)\n", t / p}'
  fi
fi
