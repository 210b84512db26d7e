#!/bin/bash
# The kernel's CONFIG_CHANGE records as gpauditd reads them (kernel::ConfigWatch: the audit multicast
# group with an in-kernel socket filter): a rule added and deleted with auditctl yields add_rule and
# remove_rule records with the key and the login uid of whoever ran auditctl. Auditing is enabled for the
# test (the kernel emits these records only then) and the status restored after (lib.sh).
set -u
probe=$1
source "$(dirname "$0")/lib.sh"
auditctl -e 1 > /dev/null
out=$work/probe.out
"$probe" 2 10 > "$out" 2> "$work/probe.err" &
probe_pid=$!
started_pids+=("$probe_pid")
for _ in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
grep -q ready "$out" || fail "probe did not start: $(cat "$work/probe.err")"
key=gpaudit-config-watch-test
auditctl -a always,exit -F arch=b64 -S chmod -k "$key" > /dev/null || fail "auditctl -a"
auditctl -d always,exit -F arch=b64 -S chmod -k "$key" > /dev/null || fail "auditctl -d"
wait "$probe_pid" || fail "probe: $(cat "$out" "$work/probe.err")"
started_pids=()
cat "$out"
auid=$(cat /proc/self/loginuid)
grep -q "^op=add_rule auid=$auid .*key=$key" "$out" || fail "no add_rule record with auid=$auid"
grep -q "^op=remove_rule auid=$auid .*key=$key" "$out" || fail "no remove_rule record with auid=$auid"
echo PASS
