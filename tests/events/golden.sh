#!/bin/bash
# Golden: gpauditctl search over a recorded audit log (tests/events/data/audit.log, written by a real
# kernel and auditd through events-search.sh), compared with CASE.out. The arguments are in CASE.args
# (one per line). GPAUDIT_REGEN=1 rewrites CASE.out.
set -u
ctl=$1 data=$2 case=$3
mapfile -t args < "$data/$case.args"
# @TESTDATA@ in an argument: tests/data (the GPO folders of the policy golden cases).
args=("${args[@]//@TESTDATA@/$data/../../data}")
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
# No state directory: the policy in force on the machine running the tests decides nothing here.
"$ctl" search --input "$data/audit.log" --computer linux1.gpa.test --state-dir "$data/no-such-state" --idmap none "${args[@]}" > "$actual" 2>&1
echo "exit $?" >> "$actual"
if [ -n "${GPAUDIT_REGEN:-}" ]; then
    cp "$actual" "$data/$case.out"
    echo "regenerated $data/$case.out"
    exit 0
fi
[ -f "$data/$case.out" ] || { echo "FAIL: $data/$case.out missing (GPAUDIT_REGEN=1 writes it)"; exit 1; }
if diff -u "$data/$case.out" "$actual"; then
    echo "ok $case"
else
    echo "FAIL: $case differs from $data/$case.out"
    exit 1
fi
