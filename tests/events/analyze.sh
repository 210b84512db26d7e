#!/bin/bash
# Integration (root, real kernel, a real auditd): the process-tracking analyses of seed 001 over records
# the kernel wrote for real activity (gpauditctl analyze):
#  - lifetime: a process's creation paired with its exit (status, duration), an exec in place (sh ->
#    sleep) as one process running two programs, a SIGKILLed process reported running (its end was not
#    recorded), its pid reused by another creator's child (the earlier process "vanished", not paired)
#  - chain: a process three levels down in a login session back to the session's first process and the
#    session's USER_LOGIN (sent through the kernel's audit netlink like sshd does)
#  - first-seen: a whitelist built by `baseline --scan`; a new file flagged new-path (same content as a
#    listed one), an executable replaced under its listed name flagged replaced, its earlier run (the old
#    inode) unverifiable, a listed unchanged one not flagged; a baseline from the log's own programs
# A private auditd (own configuration and log) is started and stopped by PID; the kernel's audit rules
# and status are restored at the end (events-lib.sh, tests/integration/lib.sh). GPAUDIT_EVENTS_KEEP=FILE
# keeps the log.
set -u
ctl=$(realpath "$1")
. "$(dirname "$0")/events-lib.sh"
bin="$work/bin"

# Process Creation Success and Failure, Process Termination Success.
apply_policy 2B,3 2C,1

cp /bin/true "$bin/ev-tool"
cp /bin/false "$bin/ev-false"
cp "$(realpath /bin/sleep)" "$bin/ev-sleep"
cp "$(realpath /bin/sh)" "$bin/ev-sh"
"$ctl" analyze baseline --scan "$bin" --output "$work/host.whitelist" 2> "$work/baseline.err" ||
    fail "baseline --scan failed: $(cat "$work/baseline.err")"
[ "$(grep -c "  $bin/" "$work/host.whitelist")" = 4 ] || flunk "baseline: not the 4 executables: $(cat "$work/host.whitelist")"
(cd "$bin" && sha256sum --quiet -c "$work/host.whitelist") && pass "sha256sum -c verifies the whitelist" ||
    flunk "sha256sum -c does not verify the whitelist"

cat > "$work/login.py" <<'PY'
# A USER_LOGIN through the kernel's audit netlink, as sshd/login send it (the kernel adds pid, uid,
# auid and ses of the sender).
import socket, struct, sys
text = b'op=login id=4242 exe="/usr/sbin/sshd" hostname=ws7.gpa.test addr=10.0.0.7 terminal=ssh res=success\0'
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
s.bind((0, 0))
s.send(struct.pack("=IHHII", 16 + len(text), 1112, 1 | 4, 1, 0) + text)  # AUDIT_USER_LOGIN, REQUEST|ACK
reply = s.recv(4096)
length, kind, flags, seq, pid, error = struct.unpack("=IHHIIi", reply[:20])
sys.exit(0 if kind == 2 and error == 0 else 1)
PY

# A login session: loginuid 4242 (a fresh session id), the login record, then the session's work.
sh -c '
    echo 4242 > /proc/self/loginuid || exit 1
    cat /proc/self/sessionid > "$1/ses"
    /usr/bin/python3 "$1/login.py" || exit 1  # not a python3 wrapper script: fewer execs in the session
    "$2/ev-tool"                                          # a listed program, unchanged
    "$2/ev-sh" -c "exec \"$2/ev-sleep\" 0.3"              # exec in place: ev-sh, then ev-sleep
    "$2/ev-sh" -c "\"$2/ev-sh\" -c \"\\\"$2/ev-false\\\"; true\"; true"  # a chain three deep; exit status 1
    "$2/ev-sleep" 30 & echo $! > "$1/killed.pid"; sleep 0.2; kill -9 $!; wait
' sh "$work" "$bin" || fail "the session's activity failed"

# pid reuse: the killed sleep's pid handed to a child of another creator (ns_last_pid; retried when
# another process takes it first).
killed=$(cat "$work/killed.pid")
reused=
for _ in $(seq 20); do
    echo $((killed - 1)) > /proc/sys/kernel/ns_last_pid
    "$bin/ev-tool" & p=$!
    wait $p
    if [ "$p" = "$killed" ]; then reused=yes; break; fi
    sleep 0.1 # another process may hold the pid for a moment
done
[ -n "$reused" ] || flunk "could not get pid $killed again for the reuse case"

# The replaced executable: a new file renamed over the listed name (as install(1) and dpkg do), run.
cp /bin/false "$bin/.ev-tool.new" && mv "$bin/.ev-tool.new" "$bin/ev-tool"
"$bin/ev-tool"
cp /bin/true "$bin/ev-new"
"$bin/ev-new"
printf '#!%s\nexit 0\n' "$bin/ev-sh" > "$bin/ev-script" && chmod 755 "$bin/ev-script"  # a script dropped
"$bin/ev-script"

record_log

"$ctl" analyze lifetime --input "$work/recorded.log" > "$work/lifetime.json" || flunk "analyze lifetime found nothing"
"$ctl" analyze lifetime --input "$work/recorded.log" --format text > "$work/lifetime.txt" ||
    flunk "analyze lifetime --format text found nothing"
"$ctl" analyze chain --input "$work/recorded.log" --exe "$bin/ev-false" > "$work/chain.json" ||
    flunk "analyze chain --exe found nothing"
"$ctl" analyze chain --input "$work/recorded.log" --exe "$bin/ev-false" --format text > "$work/chain.txt" ||
    flunk "analyze chain --format text found nothing"
"$ctl" analyze first-seen --input "$work/recorded.log" --whitelist "$work/host.whitelist" > "$work/first.json" \
    2> "$work/first.err" || flunk "analyze first-seen flagged nothing: $(cat "$work/first.err")"
"$ctl" analyze baseline --input "$work/recorded.log" --output "$work/events.whitelist" 2> "$work/events.err" ||
    flunk "baseline --input failed: $(cat "$work/events.err")"
echo "--- lifetime (text)"; grep -F "$bin/" "$work/lifetime.txt"
echo "--- chain (text)"; cat "$work/chain.txt"
echo "--- first-seen"; cat "$work/first.json" "$work/first.err"

ses=$(cat "$work/ses")
export work bin ses killed reused
PYTHONPATH=$events_dir python3 - <<'PY' || failed=1
import os
from checks import check, finish, lines, work
bin = os.environ["bin"]
ses, killed = int(os.environ["ses"]), int(os.environ["killed"])
life = lines("lifetime.json")
def images(exe):
    return [i for i in life if i["ProcessName"] == f"{bin}/{exe}"]
false = images("ev-false")
check("one image of ev-false", len(false), 1)
if false:
    check("ev-false exited", false[0]["EndReason"], "exited")
    check("ev-false Status", false[0]["Status"], "0x1")
    check("ev-false in the session", false[0]["SubjectLogonId"], hex(ses))
    check("ev-false has a duration", isinstance(false[0].get("DurationMs"), int), True)
sleeps = images("ev-sleep")
short = [i for i in sleeps if i["EndReason"] == "exited"]
check("the exec'd sleep exited", len(short), 1)
if short:
    check("its duration is about 0.3 s", 250 <= short[0]["DurationMs"] <= 3000, True)
    check("its pid ran ev-sh first (exec in place)",
          [i["EndReason"] for i in images("ev-sh") if i["pid"] == short[0]["pid"]], ["replaced"])
    check("next program of that ev-sh", [i.get("NextProcessName") for i in images("ev-sh") if i["pid"] == short[0]["pid"]],
          [f"{bin}/ev-sleep"])
killed_images = [i for i in sleeps if i["pid"] == killed]
want = ["vanished"] if os.environ["reused"] else ["running"]
check("the SIGKILLed sleep: no end recorded", [i["EndReason"] for i in killed_images], want)
if os.environ["reused"]:
    reuse = [i for i in images("ev-tool") if i["pid"] == killed]
    check("the reused pid: another process, paired with its own exit", [i["EndReason"] for i in reuse], ["exited"])

chains = lines("chain.json")
check("one chain for ev-false", len(chains), 1)
if chains:
    c = chains[0]
    check("chain programs", [l["ProcessName"] for l in c["Chain"]], [f"{bin}/ev-false", f"{bin}/ev-sh", f"{bin}/ev-sh"])
    check("chain creators link", [l["CreatorProcessId"] for l in c["Chain"][:-1]], [l["ProcessId"] for l in c["Chain"][1:]])
    check("chain ends at the session's first process", c["SessionStart"] or "UnknownCreatorProcessId" in c, True)
    logon = c["Logon"] or {}
    check("logon event type", logon.get("RecordType"), "USER_LOGIN")
    check("logon LogonId", logon.get("LogonId"), hex(ses))
    check("logon IpAddress", logon.get("IpAddress"), "10.0.0.7")
    check("logon WorkstationName", logon.get("WorkstationName"), "ws7.gpa.test")
    check("logon Terminal", logon.get("Terminal"), "ssh")

first = {(f["NewProcessName"], f["Verdict"]): f for f in lines("first.json")}
check("ev-new: new path, same content as a listed program", first.get((f"{bin}/ev-new", "new-path"), {}).get("SameContentAs", "?").startswith(bin), True)
replaced = first.get((f"{bin}/ev-tool", "replaced"))
check("ev-tool replaced under its listed name: flagged", replaced is not None, True)
if replaced:
    check("replaced: its content is ev-false's", replaced.get("SameContentAs"), f"{bin}/ev-false")
    check("replaced: the listed content", len(replaced.get("ListedSha256", [])), 1)
check("ev-tool's runs before the replacement: unverifiable (the old inode)",
      (f"{bin}/ev-tool", "unverifiable") in first, True)
script = first.get((f"{bin}/ev-script", "new-path"), {})
check("a new script: flagged new-path", bool(script), True)
check("the script's interpreter (listed) is FirstRun's program", script.get("FirstRun", {}).get("ProcessName"), f"{bin}/ev-sh")
check("ev-sh (the listed interpreter): not flagged", [k for k in first if k[0] == f"{bin}/ev-sh"], [])
check("ev-sleep (listed, unchanged): not flagged", [k for k in first if k[0] == f"{bin}/ev-sleep"], [])
check("ev-false (listed, unchanged): not flagged", [k for k in first if k[0] == f"{bin}/ev-false"], [])
with open(os.path.join(work, "events.whitelist"), encoding="utf-8") as f:
    listed = [line.split("  ", 1)[1].rstrip("\n") for line in f if not line.startswith("#")]
check("baseline from the log lists the programs run", {f"{bin}/ev-new", f"{bin}/ev-false"} <= set(listed), True)
finish()
PY
exit $failed
