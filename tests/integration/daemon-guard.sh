#!/bin/bash
# gpauditd against the lab DC and the real kernel: what gpauditctl apply/revert do while it runs, and
# the report-only guardrail.
#  1. gpauditd runs (its first sync applied the lab's policy): `gpauditctl apply --gpo/--audit-csv` and
#     `gpauditctl revert` are refused (exit 1) with a message that names gpauditd and what to do
#     instead; the kernel's rules and the rules file do not change; their --dry-run is answered
#  2. gpauditd stopped: apply and revert work again
#  3. report_only: true: gpauditd computes the policy and changes nothing (no rule in the kernel, no
#     rules file, state.yaml untouched, 0 netlink writes); sync, status and status --json say
#     "report-only", and so does the journal record (GPAUDIT_MODE)
# The immutable-kernel path (staged for the next boot) is the pure decision of core::decideApply,
# unit-tested with a status double (tests/unit/test_guardrails.cxx): never `auditctl -e 2` here.
# Kernel hygiene (lib.sh): rules and status restored; only the daemons this test started are stopped.
set -u
source "$(dirname "$0")/daemon-lib.sh" "$1" "$2" "$3"
data="$source_dir/tests/data"
rules_file=$dtmp/rules.d/30-gpaudit.rules
write_conf() {
    lab_daemon_conf "$conf" "$rules_file" 'refresh_interval: 1h' 'refresh_random_delay: 0' 'drift_check_interval: 1s' "$1"
}
# gpauditctl with this host's configuration (the socket it names says whether gpauditd runs).
ctlc() { "$GPA_LAB_EXEC" "$gpauditctl" "$@" --config "$conf"; }
csv="$data/all-success-failure/audit.csv"

# 1. gpauditd runs: apply and revert are refused, their dry runs answered.
write_conf ""
start_gpauditd "$conf" "$log" "$sock"
wait_for 20 grep -q 'sync ok' "$log" || { cat "$log"; fail "no first sync"; }
before=$(auditctl -l | md5sum)
n=$(ours)
[ "$n" -gt 10 ] || fail "the first sync put $n rules in the kernel"
file_before=$(md5sum < "$rules_file")
ctlc apply --audit-csv "$csv" > "$dtmp/apply.out" 2> "$dtmp/apply.err"
rc=$?
[ $rc = 1 ] || fail "apply while gpauditd runs: exit $rc, expected 1: $(cat "$dtmp/apply.out" "$dtmp/apply.err")"
grep -q "apply refused: gpauditd is running ($sock) and keeps this host's audit rules equal to the domain's policy" \
    "$dtmp/apply.err" || fail "apply refusal message: $(cat "$dtmp/apply.err")"
grep -q "Use 'gpauditctl sync'" "$dtmp/apply.err" || fail "the refusal does not say what to do"
echo "apply while gpauditd runs: $(cat "$dtmp/apply.err")"
ctlc revert > "$dtmp/revert.out" 2> "$dtmp/revert.err"
rc=$?
[ $rc = 1 ] || fail "revert while gpauditd runs: exit $rc, expected 1"
grep -q "revert refused: gpauditd is running" "$dtmp/revert.err" || fail "revert refusal: $(cat "$dtmp/revert.err")"
grep -q "systemctl disable --now gpauditd" "$dtmp/revert.err" || fail "the revert refusal does not say what to do"
[ "$(auditctl -l | md5sum)" = "$before" ] || fail "a refused apply/revert changed the kernel's rules"
[ "$(md5sum < "$rules_file")" = "$file_before" ] || fail "a refused apply/revert changed $rules_file"
ctlc apply --dry-run --audit-csv "$csv" > "$dtmp/dry.out" 2>&1 || fail "apply --dry-run while gpauditd runs: $(cat "$dtmp/dry.out")"
grep -qE '^would add [0-9]+, would remove [0-9]+' "$dtmp/dry.out" || fail "apply --dry-run: $(cat "$dtmp/dry.out")"
ctlc revert --dry-run > "$dtmp/rdry.out" 2>&1 || fail "revert --dry-run while gpauditd runs: $(cat "$dtmp/rdry.out")"
grep -qE "^would remove [0-9]+ rules; would remove $rules_file" "$dtmp/rdry.out" || fail "revert --dry-run: $(cat "$dtmp/rdry.out")"
[ "$(auditctl -l | md5sum)" = "$before" ] || fail "a dry run changed the kernel's rules"
# The drift check had nothing to undo: no drift was restored.
grep -q 'MESSAGE_ID=bc77a7e5255547d081b7f0d293398e55' "$log" && fail "gpauditd restored drift after a refused apply"
echo "ok: apply/revert refused while gpauditd runs; their dry runs answered; nothing changed"

# 2. gpauditd stopped: apply and revert work.
stop_gpauditd
ctlc apply --audit-csv "$csv" > "$dtmp/apply2.out" 2>&1 || fail "apply without gpauditd: $(cat "$dtmp/apply2.out")"
tail -n 1 "$dtmp/apply2.out"
ctlc revert > "$dtmp/revert2.out" 2>&1 || fail "revert without gpauditd: $(cat "$dtmp/revert2.out")"
tail -n 1 "$dtmp/revert2.out"
[ "$(ours)" = 0 ] || fail "revert left $(ours) gpaudit rules"
[ ! -e "$rules_file" ] || fail "revert left $rules_file"
echo "ok: apply and revert work once gpauditd is stopped"

# 3. report-only: computed and shown, nothing changed.
write_conf "report_only: true"
state_before=$(md5sum < "$state/state.yaml")
start_gpauditd "$conf" "$log" "$sock"
wait_for 20 grep -q 'sync ok' "$log" || { cat "$log"; fail "no sync in report-only mode"; }
grep 'sync ok' "$log" | head -n 1
grep -q 'sync ok: .* report-only: [0-9]* rules, nothing sent to the kernel (would add [1-9]' "$log" ||
    fail "the sync's log line does not say report-only: $(grep 'sync ok' "$log")"
grep -q 'MESSAGE_ID=384a73786af34858a37f86ff9a12d5cc .*GPAUDIT_MODE=report-only' "$log" ||
    fail "the sync record lacks GPAUDIT_MODE=report-only: $(grep MESSAGE_ID "$log")"
ctl sync > "$dtmp/sync.out" 2> "$dtmp/sync.err" || fail "sync in report-only mode: $(cat "$dtmp/sync.err")"
grep -q '^sync ok: .* rules (report-only: would add [1-9][0-9]*, would remove 0' "$dtmp/sync.out" ||
    fail "sync output: $(cat "$dtmp/sync.out")"
grep -q 'report-only: would add [1-9][0-9]*, would remove 0, unchanged 0; 0 netlink writes' "$dtmp/sync.err" ||
    fail "sync progress: $(cat "$dtmp/sync.err")"
grep -q 'report_only in gpauditd.conf: nothing was changed' "$dtmp/sync.err" || fail "sync does not say why"
ctl sync --json > "$dtmp/sync.json" 2>/dev/null || fail "sync --json"
json_get "$dtmp/sync.json" 'd["mode"]' | grep -qx 'report-only' || fail "sync --json mode: $(head -c 300 "$dtmp/sync.json")"
ctl status > "$dtmp/status.txt" || fail "status"
grep -q '^  mode:        report-only (report_only in gpauditd.conf)' "$dtmp/status.txt" ||
    fail "status: $(cat "$dtmp/status.txt")"
ctl status --json > "$dtmp/status.json" || fail "status --json"
json_get "$dtmp/status.json" 'd["mode"]' | grep -qx 'report-only' || fail "status --json: $(cat "$dtmp/status.json")"
[ "$(ours)" = 0 ] || fail "report-only put $(ours) rules in the kernel"
[ ! -e "$rules_file" ] || fail "report-only wrote $rules_file"
[ "$(md5sum < "$state/state.yaml")" = "$state_before" ] || fail "report-only recorded a new last-known-good"
echo "ok: report-only: $(grep -o 'rules (report-only: [^)]*)' "$dtmp/sync.out"); nothing in the kernel, no rules file"
stop_gpauditd
echo "PASS"
