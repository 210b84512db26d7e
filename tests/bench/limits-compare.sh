#!/bin/bash
# End-to-end comparison of gpauditctl builds on the files of the limits benchmark: `gpauditctl rules`
# on each chosen file, wall time and peak RSS (/usr/bin/time), rules written, exit status, each run
# capped at TIMEOUT seconds (default 60). Prints figures; asserts nothing.
#   tests/bench/limits-compare.sh BENCH_PROGRAM CTL [CTL...]
#   e.g. tests/bench/limits-compare.sh build/tests/bench/gpaudit-bench-limits build/daemon/gpauditctl \
#            ../main/build/daemon/gpauditctl
set -u
bench=$(realpath "$1"); shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bench" --write "$dir" > /dev/null || { echo "cannot write the files"; exit 1; }
# 2: 1,000 per-user rows, each a new SID; 7: one FileGlobalSacl row of distinct ACEs (4 MiB);
# 8: 1,024 distinct ACEs then duplicates (4 MiB); 9: the same system row repeated (4 MiB).
cases=${CASES:-2 7 8 9}
printf '%-6s %-50s %10s %12s %8s %s\n' case gpauditctl "time s" "peak RSS" rules exit
for n in $cases; do
    for ctl in "$@"; do
        ctl=$(realpath "$ctl")
        /usr/bin/time -f '%e %M' -o "$dir/time" timeout "${TIMEOUT:-60}" "$ctl" rules --no-host-check \
            --sid-map "$dir/sidmap.txt" --audit-csv "$dir/case-$n.csv" > "$dir/out" 2> /dev/null
        rc=$?
        read -r secs kb < <(tail -n 1 "$dir/time")
        [ $rc = 124 ] && secs=">${TIMEOUT:-60}"
        label=$ctl
        [ ${#label} -gt 50 ] && label="...${label: -47}"
        printf '%-6s %-50s %10s %9.1f MB %8s %s\n' "$n" "$label" "$secs" "$(echo "$kb / 1024" | bc -l)" \
            "$(grep -c '^-a' "$dir/out")" "$rc"
    done
done
