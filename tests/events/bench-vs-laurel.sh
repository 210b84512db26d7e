#!/bin/bash
# Benchmark (root; run under the integration lock): the gpaudit-events plugin against laurel (Debian's
# auditd JSON plugin) on the same recorded audit stream, side by side in one run.
#   flock /tmp/gpa-integration.lock tests/events/bench-vs-laurel.sh build [EXECS] [ROUNDS]
# 1. records an exec storm (EXECS execs of a copy of /bin/true, default 20000) under Process Creation
#    and Process Termination rules with a private auditd (kernel rules and status restored at the end);
# 2. feeds the recorded log to each plugin's standard input, as auditd does, ROUNDS times interleaved
#    (default 3), and prints wall time, CPU time (user+sys), peak RSS and events per CPU second.
# GPAUDIT_BENCH_STREAM=FILE keeps the recorded stream in FILE, or replays FILE when it exists.
# Events per second count the input's exec events (the issue's convention: 20,000 execs / CPU seconds).
set -u
build=$(realpath "$1")
execs=${2:-20000}
rounds=${3:-3}
command -v laurel >/dev/null || { echo "laurel not installed (apt-get install laurel)"; exit 1; }
. "$(dirname "$0")/../integration/lib.sh"
chmod 755 "$work"
record() {
mkdir -p "$work/bin" "$work/laurel"
start_private_auditd log_format=RAW freq=1000 max_log_file=1024 q_depth=20000
auditctl -b 65536 -r 0 >/dev/null || fail "cannot set the backlog and rate limit"
printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n,System,x,{0CCE922B-69AE-11D9-BED3-505054503030},x,,1\r\n,System,x,{0CCE922C-69AE-11D9-BED3-505054503030},x,,1\r\n' > "$work/p.csv"
"$build/daemon/gpauditctl" apply --rules-file "$work/gpaudit.rules" --audit-csv "$work/p.csv" > "$work/apply.out" 2>&1 ||
    { cat "$work/apply.out"; fail "apply failed"; }
cp /bin/true "$work/bin/storm"
echo "recording $execs execs..."
for ((i = 0; i < execs; i++)); do "$work/bin/storm" a "$i"; done
cp /bin/true "$work/bin/storm-end" && "$work/bin/storm-end"
for _ in $(seq 120); do grep -q storm-end "$work/log/audit.log" && break; sleep 0.5; done
sleep 1
cp "$work/log/audit.log" "$work/stream.log"
remove_added_rules
}
if [ -n "${GPAUDIT_BENCH_STREAM:-}" ] && [ -f "$GPAUDIT_BENCH_STREAM" ]; then
    cp "$GPAUDIT_BENCH_STREAM" "$work/stream.log"
    mkdir -p "$work/laurel"
else
    record
    [ -n "${GPAUDIT_BENCH_STREAM:-}" ] && cp "$work/stream.log" "$GPAUDIT_BENCH_STREAM"
fi
records=$(wc -l < "$work/stream.log")
bytes=$(stat -c %s "$work/stream.log")
storm=$(grep -c 'type=SYSCALL.*syscall=59 .*exe=".*storm"' "$work/stream.log")
echo "stream: $records records, $bytes bytes, $storm execs of the storm"

cat > "$work/laurel/config.toml" <<TOML
directory = "$work/laurel"
user = "root"
statusreport-period = 0
[auditlog]
file = "audit.log"
size = 5000000000
generations = 2
TOML
measure() { # measure NAME COMMAND...: stdin = the stream; prints "name wall cpu rss"
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.$name" "$@" < "$work/stream.log" > /dev/null 2> "$work/err.$name" ||
        { echo "$name failed: $(cat "$work/err.$name")"; return 1; }
    read -r wall user sys rss < "$work/time.$name"
    echo "$name $wall $(echo "$user + $sys" | bc) $rss"
}
results=()
for ((r = 1; r <= rounds; r++)); do
    rm -rf "$work/laurel/"*.log* "$work/gpaudit-events.json"
    results+=("$(measure laurel laurel --config "$work/laurel/config.toml")")
    results+=("$(measure gpaudit-events "$build/daemon/gpaudit-events" --output "$work/gpaudit-events.json")")
done
laurel_lines=$(cat "$work/laurel/audit.log"* 2>/dev/null | wc -l)
ours_lines=$(wc -l < "$work/gpaudit-events.json")
ours_4688=$(grep -c '"EventID":4688' "$work/gpaudit-events.json")
printf '%s\n' "${results[@]}" | awk -v execs="$storm" '
    { wall[$1] += $2; cpu[$1] += $3; if ($4 > rss[$1]) rss[$1] = $4; n[$1]++ }
    END {
        printf "%-16s %9s %9s %11s %16s\n", "plugin", "wall s", "CPU s", "peak RSS", "execs/CPU s"
        for (p in n) printf "%-16s %9.3f %9.3f %8.1f MB %16.0f\n", p, wall[p]/n[p], cpu[p]/n[p], rss[p]/1024, execs/(cpu[p]/n[p])
        o = "gpaudit-events"; l = "laurel"
        if (n[o] && n[l])
            printf "gpaudit-events / laurel: %.2fx the events per CPU second (the issue asks for 2x), %.2fx the CPU, %.2fx the peak RSS\n",
                cpu[l]/cpu[o], cpu[o]/cpu[l], rss[o]/rss[l]
    }'
echo "output: laurel $laurel_lines JSON lines (every event); gpaudit-events $ours_lines (4688: $ours_4688, the rest 4689)"
