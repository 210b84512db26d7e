#!/bin/bash
# The demo (root, Debian 12): installs what is missing, builds, starts the lab domain controller (a
# Samba AD DC for GPA.TEST on loopback in a network namespace, tests/lab/lab-up.sh), and runs gpauditd
# as the lab's computer LINUX1$: machine Kerberos ticket from its keytab, LDAP sign+seal discovery of
# the GPOs that apply, SYSVOL over signed SMB, merge, translation, rules loaded into this kernel. Then
# `gpauditctl status` and `gpauditctl show` (the resultant policy with the winning GPO per line and the
# GPO list) over the daemon's control socket, and a real audit record caused by the policy (Process
# Creation: Success), read from a private auditd. gpauditd and auditd are stopped by PID and the
# kernel's audit rules and status restored at the end; nothing in /etc is written. The lab stays up for more experiments; tests/lab/lab-down.sh removes it.
set -u
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it loads audit rules into the kernel and starts the lab DC)"; exit 1; }
bash tests/install-deps.sh || exit 1
[ -f build/build.ninja ] || meson setup build >/dev/null || exit 1
meson compile -C build >/dev/null || { echo "demo: build failed (meson compile -C build)"; exit 1; }
echo "demo: starting the lab domain controller (about 20 s the first time)"
bash tests/lab/lab-up.sh > /tmp/gpaudit-demo-lab.env 2> /tmp/gpaudit-demo-lab.log < /dev/null ||
    { tail -20 /tmp/gpaudit-demo-lab.log; exit 1; }
eval "$(cat /tmp/gpaudit-demo-lab.env)"
. tests/integration/lib.sh # kernel hygiene: the audit rules and status are saved now and restored on exit
ctl=$(realpath build/daemon/gpauditctl)
daemon=$(realpath build/daemon/gpauditd)
state=$work/state
sock=$work/control.sock
cat > "$work/gpauditd.conf" <<CONF
realm: $GPA_REALM
machine: LINUX1\$
keytab: $GPA_KEYTAB
state_dir: $state
socket: $sock
rules_file: $work/gpaudit.rules
CONF

echo
echo "\$ gpauditd --config gpauditd.conf --foreground &     # as LINUX1\$ of $GPA_REALM, DC $GPA_DC_HOST"
"$GPA_LAB_EXEC" "$daemon" --config "$work/gpauditd.conf" --foreground 2> "$work/gpauditd.log" &
started_pids+=("$!")
for _ in $(seq 100); do grep -q "sync ok\|sync failed\|sync partial" "$work/gpauditd.log" && break; sleep 0.2; done
sed 's/ \[MESSAGE_ID=.*//' "$work/gpauditd.log"
grep -q "sync ok" "$work/gpauditd.log" || fail "gpauditd's first sync did not succeed"
echo
echo "\$ gpauditctl status"
"$GPA_LAB_EXEC" "$ctl" status --socket "$sock" || fail "gpauditctl status"
echo
echo "\$ gpauditctl show"
"$GPA_LAB_EXEC" "$ctl" show --socket "$sock" || fail "gpauditctl show"

# A private auditd (its own configuration and log), started here and stopped by PID.
current_pid=$(awk '$1 == "pid" {print $2}' "$work/status.before")
if [ "$current_pid" != 0 ] && kill -0 "$current_pid" 2>/dev/null; then
    echo "demo: an audit daemon (pid $current_pid) is running; see its log: ausearch -k gpaudit-process-creation"
    exit 0
fi
mkdir -p "$work/auditd/plugins.d" "$work/log" "$work/bin"
printf '%s\n' "local_events = yes" "write_logs = yes" "log_file = $work/log/audit.log" "log_group = root" \
    "log_format = ENRICHED" "flush = INCREMENTAL_ASYNC" "freq = 1" "plugin_dir = $work/auditd/plugins.d" \
    "space_left = 2" "admin_space_left = 1" "disk_full_action = IGNORE" > "$work/auditd/auditd.conf"
auditd -n -s nochange -c "$work/auditd" > "$work/auditd.out" 2>&1 &
auditd_pid=$!
started_pids+=("$auditd_pid")
for _ in $(seq 50); do
    [ "$(auditctl -s | awk '$1 == "pid" {print $2}')" = "$auditd_pid" ] && break
    sleep 0.1
done
auditctl -e 1 > /dev/null
cp /bin/true "$work/bin/gpaudit-demo-marker"
echo
echo "\$ $work/bin/gpaudit-demo-marker; ausearch -i -k gpaudit-process-creation -x gpaudit-demo-marker"
"$work/bin/gpaudit-demo-marker"
for _ in $(seq 40); do
    ausearch -i -if "$work/log/audit.log" -k gpaudit-process-creation -x gpaudit-demo-marker > "$work/record" 2>/dev/null &&
        break
    sleep 0.25
done
[ -s "$work/record" ] || fail "no audit record for the marker's execution"
cat "$work/record"
if "$ctl" search --help > /dev/null 2>&1; then
    echo
    echo "\$ gpauditctl search --subcategory process-creation --input audit.log   # the same event as Windows' 4688"
    "$ctl" search --subcategory process-creation --input "$work/log/audit.log" > "$work/4688" 2>&1 ||
        fail "gpauditctl search: $(cat "$work/4688")"
    grep '"EventID":4688' "$work/4688" | grep gpaudit-demo-marker | tail -1 | grep . ||
        fail "gpauditctl search did not render the marker's execution as a 4688"
fi
echo
echo "demo: done; the kernel's audit rules and status are being restored. The lab DC stays up:"
echo "      tests/lab/lab-down.sh removes it."
