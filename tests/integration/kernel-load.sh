#!/bin/bash
# Integration (root, real kernel): the rules gpauditctl generates are accepted by the kernel.
# For each policy, generate the rules for this host, load them with `auditctl -R`, and check that the
# kernel lists every one of them; then remove exactly the rules this test added and restore the
# audit status (failure mode, backlog, rate, enabled) as it was, pass or fail.
# This test does not skip: without root or audit it fails and says why (CI runs it as root).
set -u
ctl=$(realpath "$1")
data=$2
. "$(dirname "$0")/lib.sh"
tmp=$work

failed=0
for case in all-success-failure all-no-auditing domain-ou-precedence gpmc-backup per-user; do
    dir="$data/$case"
    sources=()
    if [ -f "$dir/gpos" ]; then
        while IFS= read -r gpo; do sources+=(--gpo "$dir/$gpo"); done < "$dir/gpos"
    fi
    [ -f "$dir/audit.csv" ] && sources+=(--audit-csv "$dir/audit.csv")
    extra=()
    [ -f "$dir/sidmap.txt" ] && extra=(--sid-map "$dir/sidmap.txt")
    "$ctl" rules "${extra[@]}" "${sources[@]}" > "$tmp/$case.rules" 2>"$tmp/$case.err"
    rc=$?
    [ $rc = 0 ] || { echo "FAIL $case: gpauditctl rules exited $rc"; cat "$tmp/$case.err"; failed=1; continue; }
    want=$(grep -c '^-a' "$tmp/$case.rules")
    if ! out=$(auditctl -R "$tmp/$case.rules" 2>&1) || grep -qi 'error' <<<"$out"; then
        echo "FAIL $case: the kernel refused rules:"; echo "$out"; failed=1
    fi
    got=$(added_rules | wc -l)
    if [ "$got" != "$want" ]; then
        echo "FAIL $case: generated $want rules, the kernel lists $got new ones"; failed=1
    else
        echo "ok $case: the kernel accepted all $want rules"
    fi
    remove_added_rules
done
exit $failed
