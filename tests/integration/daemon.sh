#!/bin/bash
# gpauditd against the lab DC and the real kernel:
#  1. a bad configuration file: a clear error naming file and line, exit 1, nothing started
#  2. start with no cache: first sync applies the lab's policy; gpauditctl status/show/rules/sync answer
#     over the control socket; a client that is not root is refused
#  3. drift: `auditctl -D` -> the rules are back within seconds, logged with MESSAGE_ID drift restored
#  4. refresh (refresh_interval 5s): a GPO version bump is picked up without a restart
#  5. SIGTERM: exit 0, the rules stay in force, the socket is removed
#  5b. systemd's protocol without systemd: READY=1, STATUS=... and WATCHDOG=1 pings on $NOTIFY_SOCKET;
#      SIGHUP syncs at once and reads the configuration again (a broken file changes nothing); the full
#      reapply timer refetches every GPO; without --foreground gpauditd detaches and returns 0 once ready
#  6. start with the DC stopped and the kernel's rules gone: the cached (last-known-good) policy is applied
#     at once, syncs fail with backoff (1s, 2s, 4s...), status says so; the DC back -> the next retry is ok
#  7. the LDAP session is kept between syncs; the DC closing it when idle (MaxConnIdleTime, as Windows
#     does after 15 minutes) costs one bind at the next sync, not a failure; a new machine ticket binds
#     again; after a DC restart a changed GPO is fetched over a new SMB session
# Kernel hygiene (lib.sh): rules and status restored; only the daemons this test started are stopped.
set -u
source "$(dirname "$0")/daemon-lib.sh" "$1" "$2" "$3"
lab_daemon_conf "$conf" "$dtmp/gpaudit.rules" 'refresh_interval: 5s' 'refresh_random_delay: 0' 'retry_min: 1s' \
    'retry_max: 4s' 'drift_check_interval: 1s' 'full_reapply_interval: 8s'
daemon_pid=
start_daemon() {
    # systemd's notification socket, played by a listener of our own; with the privileges
    # gpauditd.service gives it (start_gpauditd).
    start_notify_listener "$dtmp/notify.sock" "$dtmp/notify.txt"
    start_gpauditd "${daemon_conf:-$conf}" "$log" "$sock" NOTIFY_SOCKET="$dtmp/notify.sock" WATCHDOG_USEC=2000000
}

# 1. bad configuration
printf 'realm: GPA.TEST\nrefresh_interval: soon\n' > "$dtmp/bad.conf"
"$gpauditd" --config "$dtmp/bad.conf" --foreground > "$dtmp/bad.out" 2>&1
rc=$?
[ $rc = 1 ] || fail "bad config: exit $rc, expected 1"
grep -q "$dtmp/bad.conf:2:.*not a duration" "$dtmp/bad.out" || fail "bad config message: $(cat "$dtmp/bad.out")"
echo "bad config: $(cat "$dtmp/bad.out")"

# 2. first start, no cache
start_daemon
wait_for 20 grep -q 'sync ok' "$log" || { cat "$log"; fail "no first sync"; }
grep -q 'MESSAGE_ID=384a73786af34858a37f86ff9a12d5cc' "$log" || fail "sync done without its MESSAGE_ID"
[ "$(ours)" -gt 10 ] || fail "rules not in the kernel after the first sync"
ctl status > "$dtmp/status.txt" || fail "status: $(cat "$dtmp/status.txt")"
grep -q "running, pid $daemon_pid" "$dtmp/status.txt" || fail "status: $(cat "$dtmp/status.txt")"
grep -q "applied  GPA Domain Audit" "$dtmp/status.txt" || fail "status lacks the GPO list"
ctl status --json > "$dtmp/status.json" || fail "status --json"
json_get "$dtmp/status.json" 'd["lastSync"]["result"]' | grep -qx ok || fail "status --json: $(cat "$dtmp/status.json")"
ctl show | grep -E -q "^  Process Creation +Success" || fail "show over the socket"
ctl rules | grep -q -- '-k gpaudit-process-creation' || fail "rules over the socket"
ctl sync > "$dtmp/sync.txt" 2> "$dtmp/sync.err" || { cat "$dtmp/sync.err"; fail "sync over the socket"; }
grep -q "^sync ok" "$dtmp/sync.txt" || fail "sync over the socket: $(cat "$dtmp/sync.txt")"
grep -q "gpauditctl: \[1\] kerberos" "$dtmp/sync.err" || fail "sync over the socket: no progress lines"
# Without --socket (the configured path is not the default) gpauditctl would sync in process; with a
# wrong socket path it says the daemon is not there.
"$GPA_LAB_EXEC" "$gpauditctl" status --socket "$dtmp/none.sock" > "$dtmp/none.out" 2>&1 && fail "status on a missing socket succeeded"
grep -q "cannot reach gpauditd" "$dtmp/none.out" || fail "missing socket: $(cat "$dtmp/none.out")"
# Not root: refused (the socket is 0600; the daemon checks the peer's uid too).
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock")"
setpriv --reuid=65534 --regid=65534 --clear-groups "$gpauditctl" status --socket "$sock" > "$dtmp/nobody.out" 2>&1 &&
    fail "a client that is not root got an answer"
echo "not root: $(cat "$dtmp/nobody.out")"

# 3. drift
before=$(ours)
auditctl -D > /dev/null
t0=$(date +%s%N)
restored() { [ "$(ours)" -ge "$before" ]; }
wait_for 10 restored || { cat "$log"; fail "drift: rules not restored ($(ours) of $before)"; }
echo "drift: $before rules restored $((($(date +%s%N) - t0) / 1000000)) ms after auditctl -D"
wait_for 5 grep -q 'MESSAGE_ID=bc77a7e5255547d081b7f0d293398e55' "$log" || fail "drift not logged with its MESSAGE_ID"
grep -m1 'drift:' "$log"
# GPAUDIT_RULES is the kernel's count of gpaudit's rules (with the fast-path exclusions), as in the message.
grep -m1 'MESSAGE_ID=bc77a7e5255547d081b7f0d293398e55' "$log" | grep -q " GPAUDIT_RULES=$before\]" ||
    fail "drift: GPAUDIT_RULES is not the $before rules in the kernel: $(grep -m1 'GPAUDIT_RULES' "$log")"
ctl status --json > "$dtmp/status2.json"
json_get "$dtmp/status2.json" 'd["drift"]["restored"]' | grep -qx '[1-9][0-9]*' || fail "status does not count the drift"

# 4. refresh picks up a version bump (no restart, no SIGHUP)
save_linux_gpo
auditctl -l | grep -q 'key=gpaudit-kernel-object' && fail "kernel object rule present before the change"
printf '%s\n' ',System,Kernel Object,{0CCE921F-69AE-11D9-BED3-505054503030},Success,,1' > "$dtmp/new.csv"
gpo_set "$lnx" $((lnx_version + 1)) "$CSE_AUD" "$dtmp/new.csv"
t0=$(date +%s%N)
wait_for 15 sh -c "auditctl -l | grep -q 'key=gpaudit-kernel-object'" || { tail -5 "$log"; fail "refresh did not pick up the version bump"; }
echo "refresh: version bump in force $((($(date +%s%N) - t0) / 1000000)) ms after the change"
wait_for 5 grep -q "MESSAGE_ID=27fe11864c20434388ce2a1444ed83cf GPAUDIT_GPO=GPA Linux Audit" "$log" ||
    fail "policy change not logged: $(grep 'policy changed' "$log")"

# 5b. sd_notify, watchdog, SIGHUP, full reapply
grep -q '^READY=1' "$dtmp/notify.txt" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$dtmp/notify.txt")"
grep -q '^STATUS=Last sync .* rules in force; next sync in' "$dtmp/notify.txt" || fail "no STATUS: $(cat "$dtmp/notify.txt")"
[ "$(grep -c '^WATCHDOG=1' "$dtmp/notify.txt")" -ge 2 ] || fail "no watchdog pings (WATCHDOG_USEC=2s)"
echo "sd_notify: $(grep -c '^WATCHDOG=1' "$dtmp/notify.txt") watchdog pings; $(grep -m1 '^STATUS=Last' "$dtmp/notify.txt")"
syncs_before=$(grep -c 'sync ok' "$log")
kill -HUP "$daemon_pid"
wait_for 5 sh -c "[ \$(grep -c 'sync ok' '$log') -gt $syncs_before ]" || fail "SIGHUP: no sync"
grep -q 'SIGHUP: syncing now' "$log" || fail "SIGHUP not logged"
wait_for 15 grep -q 'full reapply' "$log" || fail "no full reapply (full_reapply_interval 8s)"
echo "SIGHUP: synced at once; full reapply: $(grep -m1 'full reapply' "$log" | sed 's/ \[MESSAGE_ID.*//')"
# SIGHUP reads the configuration again: a file that does not parse changes nothing and is logged with
# its line; a good one is in force at once (status: the new drift check interval); a new socket path
# waits for the next start (the daemon keeps answering on its socket).
cp "$conf" "$dtmp/conf.good"
sed -i 's/^drift_check_interval:.*/drift_check_interval: often/' "$conf"
syncs_before=$(grep -c 'sync ok' "$log")
kill -HUP "$daemon_pid"
wait_for 5 grep -q "reload: $conf:[0-9]*:[0-9]*: .*not a duration.*; the configuration in force is kept" "$log" ||
    fail "SIGHUP with a broken file: $(grep reload "$log")"
wait_for 5 sh -c "[ \$(grep -c 'sync ok' '$log') -gt $syncs_before ]" || fail "SIGHUP with a broken file: no sync"
ctl status | grep -q 'check every 1s' || fail "a broken file changed the configuration: $(ctl status | grep 'check every')"
sed -e 's/^drift_check_interval:.*/drift_check_interval: 3s/' -e "s|^socket:.*|socket: $dtmp/other.sock|" \
    "$dtmp/conf.good" > "$conf"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "reload: configuration read again from $conf; .*drift check every 3s" "$log" ||
    fail "SIGHUP did not read the configuration again: $(grep reload "$log")"
grep -q "reload: in force at the next start: socket $dtmp/other.sock" "$log" || fail "socket change not reported"
ctl status | grep -q 'check every 3s' || fail "the new drift_check_interval is not in force"
cp "$dtmp/conf.good" "$conf"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "ctl() { \"$GPA_LAB_EXEC\" \"$gpauditctl\" status --socket \"$sock\"; }; ctl | grep -q 'check every 1s'" ||
    fail "configuration not restored"
echo "SIGHUP reload: $(grep -m1 'reload: .*not a duration' "$log" | sed 's/ \[MESSAGE_ID.*//')"

# 5. SIGTERM leaves the rules in force
rules_in_force=$(auditctl -l | grep 'key=gpaudit-' | sort)
stop_gpauditd
rc=$?
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
[ "$(auditctl -l | grep 'key=gpaudit-' | sort)" = "$rules_in_force" ] || fail "SIGTERM changed the kernel's rules"
[ -e "$sock" ] && fail "the socket was left behind"
grep -q "stay in force" "$log" || fail "stop not logged"
echo "SIGTERM: exit 0, $(grep -c . <<<"$rules_in_force") rules still in force"

# Detached (no --foreground): returns 0 once ready; stopped by its PID (from status).
"$GPA_LAB_EXEC" "$gpauditd" --config "$conf" > "$dtmp/detach.out" 2>&1 || fail "detached start: $(cat "$dtmp/detach.out")"
ctl status --json > "$dtmp/detach.json" || fail "detached daemon does not answer"
detached=$(json_get "$dtmp/detach.json" 'd["daemon"]["pid"]')
started_pids+=("$detached")
kill -TERM "$detached"
for _ in $(seq 50); do kill -0 "$detached" 2>/dev/null || break; sleep 0.1; done
kill -0 "$detached" 2>/dev/null && fail "detached gpauditd $detached did not stop"
echo "detached: ready, answered status as pid $detached, stopped by SIGTERM"

# 6. no DC at start: the cached policy at once, then backoff; the DC back: recovery
stop_dc
auditctl -D > /dev/null   # a host booting: no rules yet
start_daemon
wait_for 5 grep -q "applied the cached policy" "$log" || { cat "$log"; fail "no cached policy at start"; }
[ "$(auditctl -l | grep 'key=gpaudit-' | sort)" = "$rules_in_force" ] || fail "the cached policy differs from the last one"
wait_for 15 sh -c "grep -c 'MESSAGE_ID=c460edfae07c4cfb8e11cb1672f4aeb9' '$log' | grep -qx '[3-9]'" ||
    { cat "$log"; fail "no repeated failed syncs"; }
grep 'sync last-known-good' "$log" | sed -n '1,3p' | sed 's/ \[MESSAGE_ID.*//'
grep -q "retry 1 in 1s" "$log" && grep -q "retry 2 in 2s" "$log" && grep -q "retry 3 in 4s" "$log" ||
    fail "backoff is not 1s, 2s, 4s: $(grep retry "$log")"
ctl status --json > "$dtmp/status3.json"
python3 - "$dtmp/status3.json" <<'PY' || fail "status while the DC is down: $(cat "$dtmp/status3.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failuresInARow"] >= 2, d["failuresInARow"]
assert "last-known-good" in d["lastError"]["message"], d["lastError"]
assert d["lastSync"]["result"] == "last-known-good", d["lastSync"]
print(f"DC down: {d['failuresInARow']} failures in a row, next retry in {d['nextSyncInSeconds']}s; {d['rulesInForce']} rules in force")
PY
restart_dc || fail "could not restart the DC"
wait_for 15 sh -c "ctl() { \"$GPA_LAB_EXEC\" \"$gpauditctl\" status --json --socket \"$sock\"; }; ctl | grep -q '\"failuresInARow\": 0'" ||
    fail "no recovery after the DC came back: $(tail -3 "$log")"
echo "DC back: recovered at the next retry"
stop_gpauditd

# 7. the kept LDAP session, and the DC closing it when idle
qp="CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,$GPA_BASE_DN"
idle_limit() { # idle_limit OLD NEW: the DC's lDAPAdminLimits MaxConnIdleTime (read by Samba at each connection)
    printf 'dn: %s\nchangetype: modify\ndelete: lDAPAdminLimits\nlDAPAdminLimits: MaxConnIdleTime=%s\n-\nadd: lDAPAdminLimits\nlDAPAdminLimits: MaxConnIdleTime=%s\n-\n' \
        "$qp" "$1" "$2" > "$dtmp/limits.ldif"
    ldbmodify -H "$GPA_SAM_LDB" "$dtmp/limits.ldif" > /dev/null
}
idle_limit 900 2 || fail "cannot set MaxConnIdleTime"
domain_cleanup_hooks+=("idle_limit 2 900")
sed -e 's/^refresh_interval:.*/refresh_interval: 1d/' -e 's/^full_reapply_interval:.*/full_reapply_interval: 1d/' \
    "$conf" > "$dtmp/kept.conf"
daemon_conf=$dtmp/kept.conf start_daemon
wait_for 20 grep -q 'sync ok' "$log" || { cat "$log"; fail "no first sync (kept session)"; }
kept() { json_get "$1" 'd["ldap"]["sessionKept"]'; }
ctl sync --dry-run --json > "$dtmp/k1.json" 2> "$dtmp/k1.err" || fail "sync: $(cat "$dtmp/k1.err")"
[ "$(kept "$dtmp/k1.json")" = True ] || fail "the LDAP session of the first sync was not kept"
sleep 3 # over the DC's MaxConnIdleTime: it closes the session
ctl sync --json > "$dtmp/k2.json" 2> "$dtmp/k2.err" || fail "sync after the DC closed the session: $(cat "$dtmp/k2.err")"
[ "$(json_get "$dtmp/k2.json" 'd["result"]')" = ok ] || fail "sync after the idle close: $(head -c 300 "$dtmp/k2.json")"
[ "$(kept "$dtmp/k2.json")" = False ] || fail "a session the DC closed was reported kept"
grep -q 'ldap: the session kept from the last sync failed (.*); binding again' "$dtmp/k2.err" ||
    fail "no rebind after the idle close: $(cat "$dtmp/k2.err")"
ctl sync --dry-run --json > "$dtmp/k3.json" 2> /dev/null || fail "sync after the rebind"
[ "$(kept "$dtmp/k3.json")" = True ] || fail "the new session was not kept"
echo "kept LDAP session: reused; closed by the DC after 2 s idle -> $(grep -o 'ldap: the session kept.*' "$dtmp/k2.err" | head -c 160)"
# A new machine ticket (the one in the state directory about to expire) binds again with it.
"$GPA_LAB_EXEC" kinit -k -t "$GPA_KEYTAB" -l 5m -c "FILE:$state/krb5cc" "$GPA_MACHINE_PRINCIPAL" > /dev/null 2>&1 ||
    fail "kinit of a short ticket"
ctl sync --dry-run --json > "$dtmp/k6.json" 2> /dev/null || fail "sync with a ticket about to expire"
json_get "$dtmp/k6.json" '(d["kerberos"]["newTicket"], d["ldap"]["sessionKept"])' | grep -qx '(True, False)' ||
    fail "a new ticket did not bind again: $(json_get "$dtmp/k6.json" '(d["kerberos"], d["ldap"])')"
ctl sync --dry-run --json > "$dtmp/k7.json" 2> /dev/null || fail "sync after the new ticket"
json_get "$dtmp/k7.json" '(d["kerberos"]["newTicket"], d["ldap"]["sessionKept"])' | grep -qx '(False, True)' ||
    fail "the session bound with the new ticket was not kept: $(json_get "$dtmp/k7.json" '(d["kerberos"], d["ldap"])')"
echo "new machine ticket: LDAP bound again with it, then kept"
# The kept SMB session after a DC restart: a full sync opens it, the DC restarts (every session gone),
# a GPO changes: the next sync fetches it (libsmbclient finds the dead session and connects again).
ctl sync --force --json > "$dtmp/k4.json" 2> /dev/null || fail "full sync (kept sessions)"
[ "$(json_get "$dtmp/k4.json" 'd["gposFetched"]')" -ge 1 ] || fail "the full sync fetched nothing"
stop_dc
restart_dc || fail "could not restart the DC"
gpo_set "$lnx" $((lnx_version + 5)) "$CSE_AUD" "$dtmp/new.csv"
ctl sync --json > "$dtmp/k5.json" 2> "$dtmp/k5.err" || fail "sync after the DC restarted: $(cat "$dtmp/k5.err")"
python3 - "$dtmp/k5.json" <<'PY' || fail "sync after the DC restarted: $(head -c 600 "$dtmp/k5.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "ok" and d["gposFetched"] == 1 and d["smb"]["files"] == 1, (d["result"], d["gposFetched"], d["smb"], d["notes"])
print(f"DC restarted under the kept sessions: sync ok, the changed GPO fetched ({d['smb']['bytes']} bytes)")
PY
grep -q "fetch: the SMB session to $GPA_DC_HOST had been dropped; connected again" "$dtmp/k5.err" ||
    fail "the dropped SMB session is not reported: $(cat "$dtmp/k5.err")"
# Idle (30 s after the last sync, gpauditd(8) MEMORY): the LDAP session is closed with libsmbclient,
# not kept for a refresh the DC's MaxConnIdleTime would outlast; the next sync binds again, not a failure.
kept_now() { ctl status --json > "$dtmp/st.json" 2> /dev/null &&
    json_get "$dtmp/st.json" '(d["kept"]["ldapSession"], d["kept"]["smb"])'; }
released() { [ "$(kept_now)" = "(False, False)" ]; }
[ "$(kept_now)" = "(True, True)" ] || fail "after a fetching sync, status kept: $(kept_now) $(head -c 300 "$dtmp/st.json")"
wait_for 45 released || fail "idle 45 s: the LDAP session or libsmbclient still kept: $(kept_now)"
ctl sync --dry-run --json > "$dtmp/k8.json" 2> "$dtmp/k8.err" || fail "sync after the idle release: $(cat "$dtmp/k8.err")"
json_get "$dtmp/k8.json" '(d["result"], d["ldap"]["sessionKept"])' | grep -qx "('ok', False)" ||
    fail "sync after the idle release: $(json_get "$dtmp/k8.json" '(d["result"], d["ldap"])')"
grep -q 'the session kept from the last sync failed' "$dtmp/k8.err" && fail "a released session was used: $(cat "$dtmp/k8.err")"
ctl sync --dry-run --json > "$dtmp/k9.json" 2> /dev/null || fail "sync after the rebind (idle release)"
[ "$(kept "$dtmp/k9.json")" = True ] || fail "the session bound after the idle release was not kept"
echo "idle: the LDAP session and libsmbclient given back within 45 s of the last sync (status kept: both false), the next sync bound again (no crash: error tables of the unloaded Samba dropped)"
stop_gpauditd
echo PASS
