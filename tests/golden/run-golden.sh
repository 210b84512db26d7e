#!/bin/bash
# Golden test of one case folder: runs gpauditctl rules, show and show --json on the case's inputs and
# compares stdout, stderr and the exit code with the expected-* files beside them.
#   case folder: gpos (GPO folder names, lowest precedence first) and/or audit.csv, GptTmpl.inf;
#                args (extra options, one line); exit-code (expected, default 0)
# Set GPAUDIT_REGEN=1 to rewrite the expected files on purpose (review the diff before committing).
set -u
case_dir=$1
ctl=$(realpath "$2")
cd "$case_dir" || exit 1
args=()
if [ -f args ]; then read -r -a args < args; fi
sources=()
if [ -f gpos ]; then
    while IFS= read -r gpo; do [ -n "$gpo" ] && sources+=(--gpo "$gpo"); done < gpos
fi
[ -f audit.csv ] && sources+=(--audit-csv audit.csv)
[ -f GptTmpl.inf ] && sources+=(--inf GptTmpl.inf)
expected_exit=0
[ -f exit-code ] && expected_exit=$(cat exit-code)

failed=0
for mode in rules show json; do
    case $mode in
        rules) cmd=(rules) ;;
        show) cmd=(show) ;;
        json) cmd=(show --json) ;;
    esac
    out=$(mktemp) err=$(mktemp)
    "$ctl" "${cmd[@]}" --no-host-check "${args[@]}" "${sources[@]}" >"$out" 2>"$err"
    rc=$?
    if [ "$rc" != "$expected_exit" ]; then
        echo "FAIL $case_dir: gpauditctl ${cmd[*]} exited $rc, expected $expected_exit"; cat "$err"; failed=1
    fi
    for stream in out err; do
        file=expected-$mode.$stream
        actual=$out; [ $stream = err ] && actual=$err
        if [ "${GPAUDIT_REGEN:-}" = 1 ]; then
            if [ -s "$actual" ] || [ $stream = out ]; then cat "$actual" > "$file"; else rm -f "$file"; fi
        elif [ -f "$file" ]; then
            if ! diff -u "$file" "$actual"; then echo "FAIL $case_dir: $mode std$stream differs from $file"; failed=1; fi
        elif [ -s "$actual" ]; then
            echo "FAIL $case_dir: unexpected std$stream for $mode:"; cat "$actual"; failed=1
        fi
    done
    rm -f "$out" "$err"
done
exit $failed
