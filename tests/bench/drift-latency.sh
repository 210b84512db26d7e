#!/bin/bash
# How fast gpauditd restores its rules after someone removes them, two builds side by side:
#   sudo flock /tmp/gpa-integration.lock tests/bench/drift-latency.sh [AFTER_GPAUDITD] [BEFORE_GPAUDITD] [ROUNDS] [TRIALS]
# (defaults: build/daemon/gpauditd, ../main/build/daemon/gpauditd when it exists, 3 rounds of 5 trials).
# The lab's policy is synced once into a state directory (gpauditd in the lab's namespace); then each
# build in turn, ROUNDS times interleaved, runs as gpauditd in the host's namespaces (where the kernel
# multicasts CONFIG_CHANGE records; the DC is out of reach there, so it keeps the cached policy in
# force, as on a host whose DC is down) with auditing enabled, and gpaudit-bench-drift removes one
# gpaudit rule (as `auditctl -d`), then every one (as `auditctl -D`), TRIALS times each, measuring from
# the last remove_rule record to the restore (the kernel's record timestamps, millisecond resolution).
# Prints median and p90 of each build and kind.
# The kernel's rules and status are restored at the end (tests/integration/lib.sh).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
after=${1:-$src/build/daemon/gpauditd}
before=${2:-$src/../main/build/daemon/gpauditd}
rounds=${3:-3}
trials=${4:-5}
bench=$(dirname "$after")/../tests/bench/gpaudit-bench-drift
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
[ -x "$bench" ] || { echo "$bench not built (meson compile -C build gpaudit-bench-drift)"; exit 1; }
builds=(after)
[ -x "$before" ] && builds=(before after)
tmp=$(mktemp -d)
[ -n "${GPA_BENCH_KEEP:-}" ] && echo "files kept in $tmp"
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
source "$src/tests/integration/lib.sh"
trap 'restore_kernel; [ -n "${GPA_BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
cat > "$tmp/gpauditd.conf" <<CONF
realm: $GPA_REALM
machine: LINUX1\$
keytab: $GPA_KEYTAB
state_dir: $tmp/state
socket: $tmp/control.sock
rules_file: $tmp/gpaudit.rules
refresh_interval: 1d
retry_min: 1h
retry_max: 2h
CONF
"$GPA_LAB_EXEC" "$after" --config "$tmp/gpauditd.conf" --foreground 2> "$tmp/first.log" &
pid=$!
for _ in $(seq 100); do grep -q "sync ok" "$tmp/first.log" && break; sleep 0.2; done
kill "$pid"; wait "$pid"
grep -q "sync ok" "$tmp/first.log" || { cat "$tmp/first.log"; echo "gpauditd did not sync"; exit 1; }
auditctl -e 1 > /dev/null
for ((r = 0; r < rounds; r++)); do
    for b in "${builds[@]}"; do
        bin=$after; [ "$b" = before ] && bin=$before
        "$bin" --config "$tmp/gpauditd.conf" --foreground 2>> "$tmp/$b.log" &
        pid=$!
        started_pids+=("$pid")
        for _ in $(seq 100); do grep -q "sync last-known-good" "$tmp/$b.log" && break; sleep 0.1; done
        for kind in one all; do
            "$bench" --trials "$trials" --remove "$kind" --label "$b-$kind" | grep trial | tee -a "$tmp/$b-$kind.trials"
        done
        kill "$pid"; wait "$pid"
        cat "$tmp/$b.log" >> "$tmp/$b.log.all"; : > "$tmp/$b.log"
    done
done
python3 - "$tmp" "${builds[@]}" <<'PY'
import re, statistics, sys
d, builds = sys.argv[1], sys.argv[2:]
def pct(v, p):
    v = sorted(v); k = p * (len(v) - 1); lo = int(k); hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)
print("drift restore latency: from the last CONFIG_CHANGE (remove_rule) record to the restore, ms")
for kind, what in (("one", "one rule removed (auditctl -d)"), ("all", "every gpaudit rule removed (auditctl -D)")):
    print(f" {what}")
    for b in builds:
        text = open(f"{d}/{b}-{kind}.trials").read()
        lat = [float(m.group(1)) for m in re.finditer(r"restored (\d+) ms after", text)]
        took = [float(m.group(1)) for m in re.finditer(r"removed \(in ([\d.]+) ms", text)]
        miss = text.count("NOT restored")
        if not lat:
            print(f"  {b:6}  nothing restored ({miss} trials)"); continue
        print(f"  {b:6}  n={len(lat):3}  median {statistics.median(lat):6.0f}  p90 {pct(lat, 0.9):6.0f}  "
              f"min {min(lat):5.0f}  max {max(lat):5.0f}   (the removal itself: median {statistics.median(took):.0f} ms)"
              + (f"  ({miss} not restored)" if miss else ""))
PY
