# Shared by the events integration tests (sourced by events-search.sh and analyze.sh, with $ctl set):
# tests/integration/lib.sh's kernel hygiene and a private auditd of the test's own, started here;
# $work/bin for the test's programs; pass/flunk report a check (the test ends with `exit $failed`);
# apply_policy, record_log; the Python checks import checks.py from $events_dir (PYTHONPATH).
events_dir=$(dirname "${BASH_SOURCE[0]}")
. "$events_dir/../integration/lib.sh"
chmod 755 "$work"
failed=0
pass() { echo "ok $*"; }
flunk() { echo "FAIL $*"; failed=1; }
command -v python3 >/dev/null || fail "python3 not found (the checks are Python)"
mkdir -p "$work/bin"
start_private_auditd

# apply_policy ROW...: gpauditctl apply of an audit.csv with one row per "XX,VALUE": the subcategory
# GUID {0CCE92XX-69AE-11D9-BED3-505054503030} set to VALUE (1 Success, 2 Failure, 3 both); its rules
# file $work/gpaudit.rules.
apply_policy() {
    local csv="$work/policy.csv" row
    {
        printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n'
        for row in "$@"; do
            printf ',System,x,{0CCE92%s-69AE-11D9-BED3-505054503030},x,,%s\r\n' "${row%,*}" "${row#*,}"
        done
    } > "$csv"
    "$ctl" apply --rules-file "$work/gpaudit.rules" --audit-csv "$csv" > "$work/apply.out" 2>&1 ||
        { cat "$work/apply.out"; fail "apply failed"; }
}

# record_log: runs a sentinel program and waits for its exec in the auditd's log, which then holds every
# record of what ran before it; copies the log to $work/recorded.log (and to $GPAUDIT_EVENTS_KEEP when set).
record_log() {
    cp /bin/true "$work/bin/ev-sentinel"
    "$work/bin/ev-sentinel"
    for _ in $(seq 40); do
        ausearch -if "$log" -x "$work/bin/ev-sentinel" --just-one >/dev/null 2>&1 && break
        sleep 0.25
    done
    ausearch -if "$log" -x "$work/bin/ev-sentinel" --just-one >/dev/null 2>&1 ||
        fail "the sentinel's record never reached the log"
    cp "$log" "$work/recorded.log"
    [ -n "${GPAUDIT_EVENTS_KEEP:-}" ] && cp "$work/recorded.log" "$GPAUDIT_EVENTS_KEEP"
    return 0
}
