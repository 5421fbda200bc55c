#!/usr/bin/env bash
# Measures `tern import maildir` on a generated Dovecot-style Maildir: messages/s and peak RSS
# (GNU time), to show that memory stays bounded (one batch of ≤500 messages / 16 MiB).
# usage: bench/import.sh [MESSAGES=100000] [SIZE_BYTES=2048]   (TERN_BIN overrides the binary)
set -euo pipefail
N=${1:-100000}
SIZE=${2:-2048}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TERN="${TERN_BIN:-$ROOT/.build/release/tern}"
[ -x "$TERN" ] || { echo "build first: swift build -c release --product tern" >&2; exit 1; }
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
WORK=$(mktemp -d /tmp/tern-import-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK/Maildir" "$N" "$SIZE" <<'PY'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for sub in ("cur", "new", "tmp"):
    os.makedirs(f"{root}/{sub}")
body = ("x" * 70 + "\n") * max(1, size // 71)
uidlist = [f"3 V1700000000 N{n + 1}"]
for i in range(1, n + 1):
    base = f"{1700000000 + i}.M{i}P1.mx.example.test,S={size}"
    flags = "S" if i % 3 else "FS"
    with open(f"{root}/cur/{base}:2,{flags}", "w") as f:
        f.write(f"From: a@remote.test\nTo: bob@example.test\nSubject: message {i}\nMessage-ID: <{i}@remote.test>\n\n{body}")
    uidlist.append(f"{i} :{base}")
with open(f"{root}/dovecot-uidlist", "w") as f:
    f.write("\n".join(uidlist) + "\n")
PY
cat > "$WORK/tern.toml" <<TOML
hostname = "mail.example.test"
domains = ["example.test"]
data_dir = "$WORK/data"
TOML
echo "bench-password-1" | "$TERN" user add bob@example.test --password-stdin --config "$WORK/tern.toml" >/dev/null
start=$(date +%s.%N)
/usr/bin/time -f "%M %e" -o "$WORK/time" "$TERN" import maildir bob@example.test "$WORK/Maildir" --config "$WORK/tern.toml" | tail -1
end=$(date +%s.%N)
read -r rss_kb secs < "$WORK/time"
python3 -c "import sys; n=$N; s=$secs; print(f'import maildir: {n} messages of {$SIZE} B in {s:.1f} s = {n/s:.0f} msg/s, peak RSS {$rss_kb/1024:.1f} MiB')"
start=$(date +%s.%N)
/usr/bin/time -f "%M %e" -o "$WORK/time" "$TERN" import maildir bob@example.test "$WORK/Maildir" --config "$WORK/tern.toml" | tail -1
read -r rss_kb secs < "$WORK/time"
python3 -c "print(f'second run (everything already present): {$secs:.1f} s, peak RSS {$rss_kb/1024:.1f} MiB')"
