#!/bin/bash
# The three figures of issue 13 in one run (each benchmark prints its own details first):
#   sudo flock /tmp/gpa-integration.lock tests/bench/issue13-figures.sh [BUILD] [BEFORE_BUILD] [ROUNDS]
# (defaults: build, ../main/build when it exists, 5 rounds)
#  1. drift restored after the CONFIG_CHANGE record: median and p90, this build and BEFORE_BUILD
#     (tests/bench/drift-latency.sh; gpauditd in the host's namespaces, audit enabled)
#  2. an unchanged sync in a fresh `gpauditctl sync` process against samba-gpupdate --rsop, interleaved,
#     and idle gpauditd's Rss/Pss (tests/bench/sync-vs-samba-gpupdate.sh, the lab as it is)
#  3. the scale lab (LINUX1 8 OUs deep, 120 GPOs along its path): a full sync against
#     samba-gpupdate --force (tests/bench/sync-vs-samba-gpupdate.sh --scale)
# Not a test: it asserts nothing. Root; the lab DC (tests/lab/lab-up.sh) and the kernel, under the lock.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
before=${2:-$src/../main/build}
rounds=${3:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== 1. drift"
bash "$src/tests/bench/drift-latency.sh" "$build/daemon/gpauditd" "$before/daemon/gpauditd" 2 "$rounds" 2>&1 | tee "$out/drift"
echo "== 2. unchanged sync in a fresh process, idle memory"
bash "$src/tests/bench/sync-vs-samba-gpupdate.sh" "$build/daemon/gpauditctl" "$rounds" 2>&1 | tee "$out/sync"
echo "== 3. the scale lab"
bash "$src/tests/bench/sync-vs-samba-gpupdate.sh" "$build/daemon/gpauditctl" 3 --scale \
    $([ -x "$before/daemon/gpauditctl" ] && echo --before "$before/daemon/gpauditctl") 2>&1 | tee "$out/scale"
echo
echo "== issue 13, the three figures"
echo "1. drift restored after the last CONFIG_CHANGE record (median, p90 in ms; target: within 250 ms):"
sed -n '/^drift restore latency/,$p' "$out/drift" | tail -n +2
echo "2. $(grep 'FIGURE unchanged' "$out/sync" | sed 's/^FIGURE //')  (target: at least 10x)"
grep 'FIGURE gpauditd' "$out/sync" | sed 's/^FIGURE /   /'
echo "   (target: Pss at most 6 MiB, idle)"
echo "3. $(grep 'FIGURE full' "$out/scale" | sed 's/^FIGURE //')  (target: 10x)"
grep 'the other build' "$out/scale" | sed 's/^/   /'
