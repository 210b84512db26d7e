#!/bin/bash
# Runs INSIDE the boot test's virtual machine (tests/integration/boot.sh puts it in the image as
# /usr/local/sbin/gpaudit-boot-check, started by gpaudit-boot-check.service once auditd and gpauditd
# have started). It checks the booted system, prints one line per check on /dev/ttyS1 (a file on the
# host), ends with "PHASE N PASS" or "FAIL: ...", and powers the machine off.
#   phase 1 (the DC reachable): both units active, no ordering cycle, gpauditd after auditd, the
#     lab's policy in the kernel, READY/STATUS and the watchdog, the journal's MESSAGE_IDs with their
#     fields, drift, systemctl reload, systemctl stop leaves the rules
#   phase 2 (next boot, the DC unreachable): augenrules loaded the cached policy from rules.d before
#     gpauditd started; gpauditd active, applied nothing new, logs its failed syncs
exec > /dev/ttyS1 2>&1
set -u
state=/var/lib/gpaudit-boot-check
mkdir -p "$state"
phase=$(cat "$state/phase" 2>/dev/null || echo 1)
say() { echo "$*"; }
finish() { echo "END"; sync; systemctl poweroff --no-block; exit "$1"; }
fail() { echo "FAIL: phase $phase: $*"; finish 1; }
wait_for() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.2; done
    return 1
}
ours() { auditctl -l | grep -c 'key=gpaudit-'; }
show() { systemctl show gpauditd.service -p "$1" --value; }
has_record() { journalctl -b -o cat --no-pager MESSAGE_ID="$1" | grep -q .; }
# record LABEL MESSAGE-ID FIELD...: the last record with that MESSAGE_ID in this boot; prints its unit
# and the fields, fails when one is missing.
record() {
    local label=$1 id=$2 field value line
    shift 2
    journalctl -b -n1 -o verbose --no-pager MESSAGE_ID="$id" > "$state/record.txt"
    grep -q . "$state/record.txt" || fail "$label: no journal record with MESSAGE_ID=$id"
    line="$label: MESSAGE_ID=$id"
    for field in _SYSTEMD_UNIT "$@"; do
        value=$(sed -n "s/^    $field=//p" "$state/record.txt" | head -n1)
        [ -n "$value" ] || fail "$label: the record has no $field: $(cat "$state/record.txt")"
        line+=" $field=$value"
    done
    say "$line"
    say "  MESSAGE=$(sed -n 's/^    MESSAGE=//p' "$state/record.txt")"
}
field() { sed -n "s/^    $1=//p" "$state/record.txt" | head -n1; }

say "phase $phase: checks start at uptime $(cut -d' ' -f1 /proc/uptime) s; kernel $(uname -r)"

# Both units active, no ordering cycle, gpauditd after auditd.
journalctl -b --no-pager > "$state/journal$phase.txt"
if grep -i -m 8 'ordering cycle' "$state/journal$phase.txt"; then fail "an ordering cycle in the journal"; fi
say "ordering cycle: none in the journal of this boot ($(wc -l < "$state/journal$phase.txt") lines)"
active=$(systemctl is-active auditd.service gpauditd.service | tr '\n' ' ')
say "systemctl is-active auditd gpauditd: $active"
if [ "$active" != "active active " ]; then
    journalctl -b --no-pager -u auditd -u gpauditd | tail -n 30
    fail "units not active: $active"
fi
systemctl show gpauditd.service -p After --value | tr ' ' '\n' | grep -qx auditd.service ||
    fail "gpauditd.service is not ordered after auditd.service: $(show After)"
auditd_up=$(systemctl show auditd.service -p ActiveEnterTimestampMonotonic --value)
gpauditd_start=$(show ExecMainStartTimestampMonotonic)
[ "$gpauditd_start" -ge "$auditd_up" ] || fail "gpauditd started at $gpauditd_start us, before auditd was up at $auditd_up us"
say "order: auditd active at $auditd_up us, gpauditd started at $gpauditd_start us (monotonic)"
failed_units=$(systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')
say "failed units: ${failed_units:-none}"

if [ "$phase" = 1 ]; then
    # The lab's policy in the kernel (this machine's own kernel).
    wait_for 120 has_record 384a73786af34858a37f86ff9a12d5cc ||
        { journalctl -b --no-pager -u gpauditd | tail -n 30; fail "no sync done record"; }
    rules=$(ours)
    [ "$rules" -gt 10 ] || { journalctl -b --no-pager -u gpauditd | tail -n 30; fail "the lab's policy is not in the kernel ($rules rules)"; }
    say "auditctl -l: $rules rules with gpaudit- keys, e.g. $(auditctl -l | grep -m1 'key=gpaudit-process-creation')"
    gpauditctl status > "$state/status.txt" 2>&1 || { cat "$state/status.txt"; fail "gpauditctl status"; }
    grep -q "applied  GPA Domain Audit" "$state/status.txt" || { cat "$state/status.txt"; fail "status lacks the lab's GPOs"; }
    sed 's/^/  gpauditctl status: /' "$state/status.txt" | head -n 14

    # READY (Type=notify: active only once READY=1 came), STATUS=, the watchdog.
    props=$(systemctl show gpauditd.service -p Type,NotifyAccess,StatusText,WatchdogUSec,NRestarts,MainPID)
    sed 's/^/  systemctl show: /' <<<"$props"
    grep -qx 'Type=notify' <<<"$props" || fail "not Type=notify"
    grep -q '^StatusText=Last sync .* rules in force' <<<"$props" || fail "no STATUS= from gpauditd"
    grep -qx 'WatchdogUSec=30s' <<<"$props" || fail "the watchdog is not on (the test's drop-in sets 30s)"
    say "watchdog as packaged: $(grep -h '^WatchdogSec=' /lib/systemd/system/gpauditd.service /usr/lib/systemd/system/gpauditd.service 2>/dev/null | head -n1) (the test's drop-in: 30s)"
    ping1=$(show WatchdogTimestampMonotonic)
    pid=$(show MainPID)
    sleep 17   # gpauditd pings every WatchdogSec/2
    ping2=$(show WatchdogTimestampMonotonic)
    [ "$ping2" -gt "$ping1" ] || fail "no watchdog ping in 17 s (WatchdogTimestampMonotonic $ping1 -> $ping2)"
    if [ "$(show MainPID)" != "$pid" ] || [ "$(show NRestarts)" != 0 ]; then
        journalctl -b --no-pager -u gpauditd | grep -v 'audit(' | tail -n 20
        fail "gpauditd was restarted (NRestarts=$(show NRestarts))"
    fi
    say "watchdog: pings at $ping1 us and $ping2 us (monotonic); MainPID $pid unchanged, NRestarts=0"

    # The journal: documented MESSAGE_IDs and fields (gpauditd(8)).
    record "started" e2e15b15851c44d3a20eca735c903e1e GPAUDIT_SOCKET
    record "sync done" 384a73786af34858a37f86ff9a12d5cc GPAUDIT_RESULT GPAUDIT_DC GPAUDIT_GPOS_APPLIED \
        GPAUDIT_RULES GPAUDIT_RULES_ADDED GPAUDIT_RULES_REMOVED
    [ "$(field GPAUDIT_RESULT)" = ok ] || fail "the first sync is not ok"
    auditctl -D > /dev/null
    wait_for 30 sh -c "[ \$(auditctl -l | grep -c 'key=gpaudit-') -ge $rules ]" || fail "drift: the rules were not restored"
    wait_for 20 has_record bc77a7e5255547d081b7f0d293398e55 || fail "drift: no record"
    record "drift restored (auditctl -D)" bc77a7e5255547d081b7f0d293398e55 GPAUDIT_MISSING GPAUDIT_BY GPAUDIT_RULES

    # systemctl reload reads /etc/gpauditd.conf again.
    sed -i 's/^drift_check_interval:.*/drift_check_interval: 3s/' /etc/gpauditd.conf
    systemctl reload gpauditd.service ||
        { journalctl -b --no-pager -u gpauditd | tail -n 15; fail "systemctl reload gpauditd failed"; }
    reloaded() { journalctl -b -o cat -u gpauditd | grep -q 'reload: configuration read again from /etc/gpauditd.conf.*drift check every 3s'; }
    wait_for 20 reloaded || { journalctl -b -o cat -u gpauditd | grep -i reload; fail "reload: the new drift_check_interval was not read"; }
    gpauditctl status | grep -q 'check every 3s' || fail "status does not show the reloaded drift_check_interval"
    [ "$(show MainPID)" = "$pid" ] || fail "reload restarted gpauditd"
    say "reload: $(journalctl -b -o cat -u gpauditd | grep -m1 'reload: configuration read again')"
    say "reload: gpauditctl status: $(gpauditctl status | grep -m1 'check every')"

    # systemctl stop leaves the rules.
    auditctl -l | grep 'key=gpaudit-' | sort > "$state/rules1.txt"
    systemctl stop gpauditd.service || fail "systemctl stop gpauditd failed"
    [ "$(systemctl is-active gpauditd.service)" = inactive ] || fail "gpauditd not inactive after stop"
    auditctl -l | grep 'key=gpaudit-' | sort | cmp -s - "$state/rules1.txt" || fail "systemctl stop changed the kernel's rules"
    say "stop: gpauditd inactive; $(wc -l < "$state/rules1.txt") gpaudit- rules still in the kernel"
    record "stopped" 6093b4936ffa41d58c91b6ab04acc123 GPAUDIT_RULES
    ours_file=$(grep -l 'gpaudit-' /etc/audit/rules.d/*.rules 2>/dev/null | head -n1)
    [ -n "$ours_file" ] || fail "no rules file with gpaudit- rules in /etc/audit/rules.d"
    say "rules.d: $(ls /etc/audit/rules.d | tr '\n' ' ')(gpaudit's: $ours_file, $(grep -c 'gpaudit-' "$ours_file") rule lines)"
    echo 2 > "$state/phase"
    say "PHASE 1 PASS"
    finish 0
fi

# Phase 2: the DC unreachable, a fresh kernel: the cached policy comes from rules.d through augenrules.
if timeout 3 bash -c 'exec 3<>/dev/tcp/dc1.gpa.test/389' 2>/dev/null; then fail "the DC is reachable"; fi
say "the DC (dc1.gpa.test:389) is unreachable from this boot"
auditctl -l | grep 'key=gpaudit-' | sort > "$state/rules2.txt"
if ! cmp -s "$state/rules1.txt" "$state/rules2.txt"; then
    diff "$state/rules1.txt" "$state/rules2.txt" | head -n 10
    fail "the kernel's gpaudit rules are not the cached policy of the last boot"
fi
say "auditctl -l: the same $(wc -l < "$state/rules2.txt") gpaudit- rules as before the reboot"
grep -q 'key=gpaudit-\|-k gpaudit-' /etc/audit/audit.rules || fail "augenrules did not merge rules.d into /etc/audit/audit.rules"
say "augenrules: /etc/audit/audit.rules (from rules.d at auditd's start) has $(grep -c 'gpaudit-' /etc/audit/audit.rules) gpaudit- lines"
wait_for 60 has_record 384a73786af34858a37f86ff9a12d5cc || fail "no record of the cached policy applied at start"
record "cached policy at start" 384a73786af34858a37f86ff9a12d5cc GPAUDIT_RESULT GPAUDIT_RULES GPAUDIT_RULES_ADDED GPAUDIT_RULES_REMOVED
[ "$(field GPAUDIT_RESULT)" = cached ] || fail "the policy applied at start is not the cached one"
# gpauditd starts after auditd: augenrules had loaded the rules already, gpauditd added none.
[ "$(field GPAUDIT_RULES_ADDED)" = 0 ] || fail "gpauditd added $(field GPAUDIT_RULES_ADDED) rules: rules.d did not bring the cached policy"
wait_for 120 has_record c460edfae07c4cfb8e11cb1672f4aeb9 || fail "no record of the failed sync"
record "sync failed" c460edfae07c4cfb8e11cb1672f4aeb9 GPAUDIT_RESULT GPAUDIT_FAILURES GPAUDIT_RETRY_USEC
[ "$(systemctl is-active gpauditd.service)" = active ] || fail "gpauditd is not active after a failed sync"
say "status: $(show StatusText)"
say "PHASE 2 PASS"
finish 0
