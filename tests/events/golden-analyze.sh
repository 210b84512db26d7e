#!/bin/bash
# Golden: gpauditctl analyze over a log recorded from the real kernel by analyze.sh (a login session
# with a USER_LOGIN, an exec in place, a three-deep chain, a SIGKILLed process; filtered to the
# session's records with ausearch -ul 4242 --raw), compared with CASE.out. Arguments in CASE.args (one
# per line). GPAUDIT_REGEN=1 rewrites CASE.out.
set -u
ctl=$1 data=$2 case=$3
mapfile -t args < "$data/$case.args"
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$ctl" analyze "${args[@]}" --input "$data/tracking.log" > "$actual" 2>&1
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
