#!/bin/bash
# gpauditd on a host that is not joined to a domain (a fresh install of the package, whose unit is
# enabled): it starts, is READY, stays up and idle, and says why in sd_notify STATUS=, the journal
# (once, with its MESSAGE_ID) and `gpauditctl status`; no failed syncs, no backoff, nothing written to
# the kernel or rules.d; `gpauditctl sync` answers exit 1 "not joined to a domain: ...".
#  1. a realm but no machine keytab (the configured keytab path does not exist)
#  2. no realm anywhere: no configuration key, sssd.conf and smb.conf hidden by a private mount
#     namespace, KRB5_CONFIG an empty file
#  3. the keytab appears while it runs (a join): the next check leaves the idle state and syncs (the
#     keytab is not a real one, so that sync fails the ordinary way: a failure, not "not joined")
# Runs gpauditd as its unit does (no new privileges, only the two audit capabilities). Needs root and
# the kernel's audit (lib.sh); no lab DC.
set -u
here=$(dirname "$0")
gpauditctl=$1
gpauditd=$2
source "$here/lib.sh"
trap 'stop_gpauditd; restore_kernel' EXIT
tmp=$work/idle
mkdir -p "$tmp"
sock=$tmp/control.sock
log=$tmp/gpauditd.log
daemon_pid=
start_daemon() { # start_daemon CONFIG [ENV...]: in a mount namespace where sssd.conf and smb.conf are not there
    local conf=$1
    shift
    : > "$log"
    start_notify_listener "$tmp/notify.sock" "$tmp/notify.txt"
    # shellcheck disable=SC2016 # expanded by the inner shell
    env NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=2000000 "$@" unshare --mount --propagation private sh -c '
        for d in /etc/sssd /etc/samba; do [ -d "$d" ] && mount -t tmpfs -o size=64k,mode=0755 none "$d"; done
        exec setpriv --no-new-privs --bounding-set=-all,+audit_control,+audit_read --inh-caps=-all "$@"' \
        sh "$gpauditd" --config "$conf" --foreground >> "$log" 2>&1 &
    daemon_pid=$!
    started_pids+=("$daemon_pid")
    gpauditd_ready "$sock" "$log"
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
idle_checks() { # idle_checks REASON-PATTERN
    local why=$1
    wait_for 10 grep -q 'STATUS=Idle, not joined to a domain: ' "$tmp/notify.txt" ||
        fail "no STATUS=Idle on NOTIFY_SOCKET: $(cat "$tmp/notify.txt")"
    grep -q '^READY=1' "$tmp/notify.txt" || fail "no READY=1: $(cat "$tmp/notify.txt")"
    grep -m1 'STATUS=Idle' "$tmp/notify.txt" | grep -qE "$why" || fail "STATUS lacks /$why/: $(grep STATUS= "$tmp/notify.txt")"
    echo "sd_notify: $(grep -m1 'STATUS=Idle' "$tmp/notify.txt")"
    # retry_max is 1s: after 4 s it has looked again several times and is still up, without failures.
    sleep 4
    kill -0 "$daemon_pid" 2> /dev/null || { cat "$log"; fail "gpauditd exited while not joined"; }
    "$gpauditctl" status --socket "$sock" > "$tmp/status.txt" || fail "status: $(cat "$tmp/status.txt")"
    grep -qE "^  not joined to a domain: .*($why)" "$tmp/status.txt" || fail "status: $(cat "$tmp/status.txt")"
    echo "gpauditctl status:"
    sed -n '1,3p' "$tmp/status.txt"
    "$gpauditctl" status --json --socket "$sock" > "$tmp/status.json" || fail "status --json"
    [ "$(json "$tmp/status.json" 'd["joined"]')" = False ] || fail "status --json: $(cat "$tmp/status.json")"
    [ "$(json "$tmp/status.json" 'd["failuresInARow"]')" = 0 ] || fail "idle counted as failures: $(cat "$tmp/status.json")"
    [ "$(json "$tmp/status.json" 'd["syncs"]')" = 0 ] || fail "idle ran syncs: $(cat "$tmp/status.json")"
    [ "$(grep -c 'not joined to a domain' "$log")" = 1 ] || fail "the idle state is logged once, not at every check: $(cat "$log")"
    grep 'not joined to a domain' "$log" | grep -q 'MESSAGE_ID=89315c0b72934e13807309778cfd0f2f GPAUDIT_NOT_JOINED=' ||
        fail "not logged with its MESSAGE_ID: $(cat "$log")"
    grep -qiE 'sync failed|retry' "$log" && fail "a failed sync or a retry while idle: $(cat "$log")"
    out=$("$gpauditctl" sync --socket "$sock" 2>&1)
    rc=$?
    [ $rc = 1 ] || fail "gpauditctl sync while not joined: exit $rc, expected 1: $out"
    grep -qE "^gpauditctl: not joined to a domain: .*($why)" <<< "$out" || fail "sync while not joined: $out"
    echo "gpauditctl sync (exit $rc): $out"
    [ -z "$(added_rules)" ] || fail "the idle daemon changed the kernel's rules: $(added_rules)"
    [ ! -e "$tmp/30-gpaudit.rules" ] || fail "the idle daemon wrote the rules file"
}

cat > "$tmp/common.conf" << CONF
state_dir: $tmp/state
socket: $sock
rules_file: $tmp/30-gpaudit.rules
retry_min: 1s
retry_max: 1s
CONF
: > "$tmp/krb5.conf"

# 1. a realm, no keytab
{ cat "$tmp/common.conf"; printf 'realm: EXAMPLE.TEST\nkeytab: %s\n' "$tmp/krb5.keytab"; } > "$tmp/1.conf"
echo "== 1. realm, no machine keytab"
start_daemon "$tmp/1.conf" KRB5_CONFIG="$tmp/krb5.conf"
idle_checks "no machine keytab at $tmp/krb5.keytab"
stop_gpauditd || fail "SIGTERM while idle: exit $?, expected 0"

# 2. no realm anywhere
cp "$tmp/common.conf" "$tmp/2.conf"
echo "== 2. no realm anywhere"
start_daemon "$tmp/2.conf" KRB5_CONFIG="$tmp/krb5.conf"
idle_checks "cannot tell the domain: no realm"
stop_gpauditd || fail "SIGTERM while idle: exit $?, expected 0"

# 3. joined while it runs: a keytab appears (not a valid one: the sync that follows fails as syncs fail)
echo "== 3. the keytab appears"
start_daemon "$tmp/1.conf" KRB5_CONFIG="$tmp/krb5.conf"
wait_for 10 grep -q 'not joined to a domain' "$log" || fail "not idle at start: $(cat "$log")"
printf 'not a keytab\n' > "$tmp/krb5.keytab"
wait_for 10 grep -q 'joined to a domain now: syncing' "$log" || fail "the join was not noticed: $(cat "$log")"
wait_for 10 grep -qE 'sync (failed|last-known-good)' "$log" || fail "no sync after the join: $(cat "$log")"
"$gpauditctl" status --json --socket "$sock" > "$tmp/status.json" || fail "status --json"
[ "$(json "$tmp/status.json" 'd["joined"]')" = True ] || fail "still not joined: $(cat "$tmp/status.json")"
grep -m1 'joined to a domain now' "$log"
grep -m1 -E 'sync (failed|last-known-good)' "$log" | cut -c1-200
stop_gpauditd || fail "SIGTERM: exit $?, expected 0"
echo PASS
