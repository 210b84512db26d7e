#!/bin/bash
# Integration (root, real kernel): the rules gpauditctl generates are accepted by the kernel.
# For each policy, generate the rules for this host, load them with `auditctl -R`, and check that the
# kernel lists every one of them; then remove exactly the rules this test added and restore the
# audit status (failure mode, backlog, rate, enabled) as it was, pass or fail.
# This test does not skip: without root or audit it fails and says why (CI runs it as root).
set -u
ctl=$(realpath "$1")
data=$2
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root to load audit rules (run the integration suite as root)"
command -v auditctl >/dev/null || fail "auditctl not found (install the auditd package)"
tmp=$(mktemp -d)
auditctl -s > "$tmp/status.before" 2>&1 || fail "audit status unavailable: $(cat "$tmp/status.before")"
auditctl -l > "$tmp/rules.before" || fail "cannot list audit rules"
status() { awk -v k="$1" '$1 == k {print $2}' "$tmp/status.before"; }
[ "$(status enabled)" = 2 ] && fail "the kernel's audit configuration is immutable (-e 2): cannot test here"

# Delete every rule listed now that was not listed before this test (our additions only).
remove_added() {
    auditctl -l > "$tmp/rules.now"
    grep -vxF -f "$tmp/rules.before" "$tmp/rules.now" | grep -v '^No rules' | while IFS= read -r rule; do
        case $rule in
            "-w "*) del="-W ${rule#-w }" ;;
            "-a "*) del="-d ${rule#-a }" ;;
            *) continue ;;
        esac
        # shellcheck disable=SC2086 # the listed rule is split into auditctl's words on purpose
        auditctl $del >/dev/null || echo "WARNING: could not remove: $rule"
    done
}
restore() {
    remove_added
    auditctl -f "$(status failure)" -b "$(status backlog_limit)" -r "$(status rate_limit)" >/dev/null
    auditctl -e "$(status enabled)" >/dev/null
    if ! diff -u "$tmp/rules.before" <(auditctl -l) >/dev/null; then
        echo "WARNING: the kernel's rules differ from before the test"
    fi
    rm -rf "$tmp"
}
trap restore EXIT

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
    auditctl -l > "$tmp/rules.now"
    got=$(grep -vxF -f "$tmp/rules.before" "$tmp/rules.now" | grep -vc '^No rules')
    if [ "$got" != "$want" ]; then
        echo "FAIL $case: generated $want rules, the kernel lists $got new ones"; failed=1
    else
        echo "ok $case: the kernel accepted all $want rules"
    fi
    remove_added
done
exit $failed
