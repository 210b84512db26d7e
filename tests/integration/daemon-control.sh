#!/bin/bash
# gpauditd's control socket cannot stall it, and status reports the kernel's audit state (issue 11):
#  1. a silent client and a client sending one byte a second are connected; meanwhile `gpauditctl
#     status` answers (and counts them as waiting) and `auditctl -D` is restored; both are dropped at
#     the 5 s request deadline; an oversized request is refused; over 32 waiting connections, the next
#     ones are told the daemon is busy, and status still answers
#  2. status (text and JSON) reports enabled, the audit daemon's pid, lost and backlog as `auditctl -s`
#     does; with audit disabled (auditctl -e 0; never -e 2 here: a double in tests/unit/test_audit_state
#     covers it) it warns that the loaded policy records nothing; the enabled state is restored
#  3. while another process holds the state lock, a control sync waits for it without stalling the
#     daemon: the client is told it waits, status answers and shows the sync in progress, and the
#     sync ends ok once the lock is given back
# Kernel hygiene (lib.sh): rules and status restored; only the processes this test started are stopped.
set -u
source "$(dirname "$0")/daemon-lib.sh" "$1" "$2" "$3"
lab_daemon_conf "$conf" "$dtmp/gpaudit.rules" 'refresh_interval: 1h' 'refresh_random_delay: 0' 'drift_check_interval: 1s'

start_gpauditd "$conf" "$log" "$sock"
wait_for 30 grep -q 'sync ok' "$log" || { cat "$log"; fail "no first sync"; }
[ "$(ours)" -gt 10 ] || fail "rules not in the kernel after the first sync"

# A control client: "silent" connects and sends nothing; "slow" sends "status\n" a byte a second;
# "big" sends 5000 bytes without a line end. Each writes what it got and when the daemon closed.
client() { # KIND OUTPUT
    python3 - "$sock" "$1" "$2" <<'PY' &
import socket, sys, time
path, kind, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
t0 = time.monotonic()
s.settimeout(1.0)
got = b""
sent = 0
message = b"status\n"
if kind == "big":
    s.sendall(b"x" * 5000)
while time.monotonic() - t0 < 20:
    if kind == "slow" and sent < len(message):
        try:
            s.send(message[sent:sent + 1])
            sent += 1
        except OSError:
            break
    try:
        data = s.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        break
    if not data:
        break
    got += data
with open(out, "w") as f:
    f.write(f"closed after {time.monotonic() - t0:.1f} s, sent {sent}, got {len(got)} bytes: {got[5:200]!r}\n")
PY
    started_pids+=("$!")
}

# 1. Stalled clients cost nothing.
client silent "$dtmp/silent.out"
silent_pid=$!
client slow "$dtmp/slow.out"
slow_pid=$!
sleep 0.5
t0=$(date +%s%N)
ctl status > "$dtmp/status1.txt" 2>&1 || fail "status with two stalled clients: $(cat "$dtmp/status1.txt")"
echo "status with a silent and a slow client connected: answered in $((($(date +%s%N) - t0) / 1000000)) ms"
grep -q "control:     2 connections waiting for their request, 0 dropped" "$dtmp/status1.txt" ||
    fail "status does not see the two waiting clients: $(grep control: "$dtmp/status1.txt")"
before=$(ours)
auditctl -D > /dev/null
t0=$(date +%s%N)
restored() { [ "$(ours)" -ge "$before" ]; }
wait_for 4 restored || fail "drift not restored while the stalled clients were connected ($(ours) of $before)"
echo "drift: $before rules restored $((($(date +%s%N) - t0) / 1000000)) ms after auditctl -D, stalled clients connected"
[ -e "$dtmp/silent.out" ] && fail "the silent client was dropped before the drift was restored (deadline 5 s)"
ctl status > "$dtmp/status2.txt" 2>&1 || fail "status: $(cat "$dtmp/status2.txt")"
grep -q "control:     2 connections waiting" "$dtmp/status2.txt" || fail "the stalled clients are gone too early"
wait "$silent_pid" "$slow_pid"
echo "silent client: $(cat "$dtmp/silent.out")"
echo "slow client:   $(cat "$dtmp/slow.out")"
grep -q "got 0 bytes" "$dtmp/silent.out" || fail "the silent client got an answer"
# The daemon closed them (not the clients' own 20 s limit): at the 5 s deadline.
python3 - "$dtmp/silent.out" "$dtmp/slow.out" <<'PY' || fail "the stalled clients were not dropped at the deadline"
import re, sys
for f in sys.argv[1:]:
    seconds = float(re.search(r"closed after ([0-9.]+) s", open(f).read()).group(1))
    assert seconds < 15, (f, seconds)
PY
grep -q "sent [1-6], " "$dtmp/slow.out" || fail "the slow client sent its whole request: $(cat "$dtmp/slow.out")"
wait_for 3 grep -q "control: closed the connection of pid .*: no complete request within 5 s" "$log" ||
    fail "the drop is not logged"
[ "$(grep -c "no complete request within 5 s" "$log")" = 2 ] || fail "not 2 drops logged: $(grep "no complete" "$log")"
ctl status --json > "$dtmp/status3.json" || fail "status --json"
[ "$(json_get "$dtmp/status3.json" 'd["control"]["dropped"]')" = 2 ] || fail "status: $(cat "$dtmp/status3.json")"

# An oversized request: refused at once with a usage error.
client big "$dtmp/big.out"
wait $!
grep -q "longer than 4096 bytes" "$dtmp/big.out" || fail "oversized request: $(cat "$dtmp/big.out")"
echo "oversized: $(cat "$dtmp/big.out")"

# More waiting connections than the limit (32): the next are told the daemon is busy; status answers.
many=()
for i in $(seq 40); do client silent "$dtmp/many.$i"; many+=("$!"); done
sleep 1
ctl status > "$dtmp/status4.txt" 2>&1
rc=$?
[ $rc = 0 ] || grep -q "too many pending" "$dtmp/status4.txt" || fail "status with 40 silent clients: $(cat "$dtmp/status4.txt")"
wait "${many[@]}" # never a bare wait: gpauditd is a child of this shell too
busy=$(grep -l "too many pending control connections" "$dtmp"/many.* | wc -l)
[ "$busy" -ge 8 ] || fail "over the limit: only $busy of 40 told busy"
echo "40 silent clients: $busy told the daemon is busy, the others dropped at the deadline"
ctl status > /dev/null || fail "status after the flood"

# 2. The kernel's audit state, as auditctl -s gives it.
kstate() { auditctl -s | awk -v k="$1" '$1 == k {print $2}'; }
auditctl -e 1 > /dev/null || fail "auditctl -e 1" # lib.sh puts back the enabled state the test began with
ctl status > "$dtmp/k1.txt" || fail "status"
ctl status --json > "$dtmp/k1.json" || fail "status --json"
enabled=$(kstate enabled) pid=$(kstate pid)
grep "  kernel:" "$dtmp/k1.txt"
grep -q "  kernel:      audit enabled (1)" "$dtmp/k1.txt" || fail "enabled 1 not reported: $(grep kernel: "$dtmp/k1.txt")"
grep -q "WARNING: audit is disabled" "$dtmp/k1.txt" && fail "the disabled warning with audit enabled"
python3 - "$dtmp/k1.json" "$enabled" "$pid" "$(kstate backlog_limit)" <<'PY' || fail "status --json kernel: $(cat "$dtmp/k1.json")"
import json, sys
k = json.load(open(sys.argv[1]))["kernel"]
enabled, pid, limit = map(int, sys.argv[2:5])
assert k["enabled"] == enabled and k["auditDaemonPid"] == pid and k["backlogLimit"] == limit, k
assert k["recording"] == (enabled != 0) and k["auditDaemon"] == (pid != 0), k
assert isinstance(k["lost"], int) and isinstance(k["backlog"], int), k
print("kernel (JSON):", {x: k[x] for x in ("enabled", "auditDaemonPid", "lost", "backlog", "backlogLimit")})
PY
if [ "$pid" = 0 ]; then
    grep -q "no audit daemon, lost" "$dtmp/k1.txt" || fail "status text: $(grep kernel: "$dtmp/k1.txt")"
    grep -q "WARNING: no audit daemon is registered: records go to the kernel log" "$dtmp/k1.txt" ||
        fail "no warning without an audit daemon"
else
    grep -q "audit daemon pid $pid, lost" "$dtmp/k1.txt" || fail "status text: $(grep kernel: "$dtmp/k1.txt")"
fi
auditctl -e 0 > /dev/null || fail "auditctl -e 0"
ctl status > "$dtmp/k0.txt" || fail "status with audit disabled"
ctl status --json > "$dtmp/k0.json" || fail "status --json with audit disabled"
grep "kernel:\|WARNING" "$dtmp/k0.txt"
grep -q "  kernel:      audit disabled (0)" "$dtmp/k0.txt" || fail "enabled 0 not reported"
grep -q "WARNING: audit is disabled in the kernel (enabled 0): the policy's [0-9]* rules are loaded but nothing is recorded" \
    "$dtmp/k0.txt" || fail "no warning with audit disabled: $(cat "$dtmp/k0.txt")"
[ "$(json_get "$dtmp/k0.json" 'd["kernel"]["recording"]')" = False ] || fail "JSON recording with enabled 0"
# Without the daemon (gpauditctl in process) the same report.
"$gpauditctl" status --local --config "$conf" > "$dtmp/local.txt" 2>&1 || fail "status --local: $(cat "$dtmp/local.txt")"
grep -q "  kernel:      audit disabled (0)" "$dtmp/local.txt" || fail "status --local: $(cat "$dtmp/local.txt")"
grep -q "WARNING: audit is disabled in the kernel (enabled 0): the policy's [0-9]* rules are loaded" "$dtmp/local.txt" ||
    fail "status --local: no warning"
grep -q "  rules:       [1-9][0-9]* gpaudit rules in the kernel" "$dtmp/local.txt" || fail "status --local rules"
auditctl -e 1 > /dev/null || fail "auditctl -e 1"

# 3. The state lock held by another process (as a one-shot gpauditctl sync holds it): the daemon's
# loop takes it without waiting and tries again every 200 ms.
flock "$state/lock" sleep 4 &
holder=$!
started_pids+=("$holder")
sleep 0.5
ctl sync > "$dtmp/locked.txt" 2>&1 &
locked_sync=$!
started_pids+=("$locked_sync")
waiting() { ctl status > "$dtmp/lock-status.txt" 2>&1 && grep -q "sync now:    in progress.*waiting for the state directory's lock" "$dtmp/lock-status.txt"; }
wait_for 3 waiting || fail "status did not show the sync waiting for the lock: $(cat "$dtmp/lock-status.txt")"
kill -0 "$holder" 2>/dev/null || fail "the lock holder ended before status was read: nothing shown"
wait "$locked_sync" || fail "the sync after the lock was given back: $(cat "$dtmp/locked.txt")"
kill -0 "$holder" 2>/dev/null && fail "the sync ended while another process still held the state lock"
grep -q "waiting for the state directory's lock (another sync holds it)" "$dtmp/locked.txt" ||
    fail "the client was not told the sync waits for the lock: $(cat "$dtmp/locked.txt")"
grep -q "^sync ok" "$dtmp/locked.txt" || fail "not ok after the lock: $(cat "$dtmp/locked.txt")"
echo "state lock held elsewhere: status showed the sync waiting; $(grep '^sync ok' "$dtmp/locked.txt" | head -c 120)"
echo PASS
