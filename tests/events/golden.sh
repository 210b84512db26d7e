#!/bin/bash
# Golden: gpauditctl COMMAND (search, the default, or analyze) over an audit log recorded from the real
# kernel, compared with CASE.out; the arguments are in CASE.args (one per line). GPAUDIT_REGEN=1 rewrites
# CASE.out.
#  search:  tests/events/data/audit.log, written by a real kernel and auditd through events-search.sh
#  analyze: tests/events/data/tracking.log, recorded by analyze.sh (a login session with a USER_LOGIN,
#           an exec in place, a three-deep chain, a SIGKILLed process; filtered to the session's
#           records with ausearch -ul 4242 --raw)
set -u
ctl=$1 data=$2 case=$3 command=${4:-search}
mapfile -t args < "$data/$case.args"
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
case $command in
    search)
        # @TESTDATA@ in an argument: tests/data (the GPO folders of the policy golden cases).
        args=("${args[@]//@TESTDATA@/$data/../../data}")
        # No state directory: the policy in force on the machine running the tests decides nothing here.
        "$ctl" search --input "$data/audit.log" --computer linux1.gpa.test --state-dir "$data/no-such-state" \
            --idmap none "${args[@]}" > "$actual" 2>&1
        ;;
    analyze) "$ctl" analyze "${args[@]}" --input "$data/tracking.log" > "$actual" 2>&1 ;;
    *) echo "FAIL: unknown command $command (search or analyze)"; exit 1 ;;
esac
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
