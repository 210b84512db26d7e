# Shared by the integration tests (sourced). Kernel hygiene: the kernel's audit rules and status are
# saved at the start and restored at the end, pass or fail; only rules the test added are removed,
# and only processes the test started are stopped, by PID.
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root to change audit rules (run the integration suite as root)"
command -v auditctl >/dev/null || fail "auditctl not found (install the auditd package)"
work=$(mktemp -d)
auditctl -s > "$work/status.before" 2>&1 || fail "audit status unavailable: $(cat "$work/status.before")"
auditctl -l > "$work/rules.before" || fail "cannot list audit rules"
saved_status() { awk -v k="$1" '$1 == k {print $2}' "$work/status.before"; }
[ "$(saved_status enabled)" = 2 ] && fail "the kernel's audit configuration is immutable (-e 2): cannot test here"
started_pids=()

# Deletes every rule listed now that was not listed when the test began. auditctl lists both a file
# watch and a directory tree rule as "-w PATH -p PERM -k KEY": try the explicit -F path= form first,
# then `auditctl -W`, which means a tree rule when PATH is a directory.
remove_added_rules() {
    auditctl -l > "$work/rules.now"
    grep -vxF -f "$work/rules.before" "$work/rules.now" | grep -v '^No rules' | while IFS= read -r rule; do
        case $rule in
            "-w "*)
                read -r _ path _ perm rest <<<"$rule"
                # shellcheck disable=SC2086
                auditctl -d always,exit -F path="$path" -F perm="$perm" $rest >/dev/null 2>&1 && continue
                del="-W ${rule#-w }"
                ;;
            "-a "*) del="-d ${rule#-a }" ;;
            *) continue ;;
        esac
        # shellcheck disable=SC2086 # the listed rule is split into auditctl's words on purpose
        auditctl $del >/dev/null 2>&1 || echo "WARNING: could not remove: $rule"
    done
}
restore_kernel() {
    for pid in "${started_pids[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    remove_added_rules
    auditctl -f "$(saved_status failure)" -b "$(saved_status backlog_limit)" -r "$(saved_status rate_limit)" >/dev/null
    auditctl -e "$(saved_status enabled)" >/dev/null
    if ! diff -u "$work/rules.before" <(auditctl -l) >/dev/null; then
        echo "WARNING: the kernel's rules differ from before the test"
    fi
    rm -rf "$work"
}
trap restore_kernel EXIT

# Rules added since the test began (lines of auditctl -l).
added_rules() { auditctl -l | grep -vxF -f "$work/rules.before" | grep -v '^No rules'; }
