#!/bin/bash
# Integration (root, real kernel, a real auditd): `gpauditctl search` finds the exec and the exit that
# the Process Creation/Termination rules recorded, as 4688 and 4689 with the expected fields, and
# classification keeps the merged rule's other activity (a module load attempt, a clock read through
# adjtimex, both recorded under the same kernel rule and keys) out of Process Creation.
# A private auditd (own configuration and log) is started and stopped by PID; the kernel's audit rules
# and status are restored at the end (events-lib.sh, tests/integration/lib.sh).
set -u
ctl=$(realpath "$1")
actor_built=$(realpath "$2")
. "$(dirname "$0")/events-lib.sh"

# Process Creation S+F, Process Termination S, Security State Change S+F, Security System Extension S+F,
# PnP Activity S+F: one merged exec/exit/module/time rule with all five keys (as in
# tests/data/domain-ou-precedence, where it has four).
apply_policy 2B,3 2C,1 10,3 11,3 48,3
grep -- '-S .*execve.*finit_module' "$work/gpaudit.rules" | grep -- '-k gpaudit-process-creation' |
    grep -- '-k gpaudit-pnp-activity' | grep -- '-k gpaudit-security-state-change' |
    grep -q -- '-k gpaudit-security-system-extension' ||
    fail "the policy did not produce one exec/module/time rule with all their keys: $(cat "$work/gpaudit.rules")"

cp /bin/true "$work/bin/ev-marker"
cp /bin/false "$work/bin/ev-exit1"
cp "$actor_built" "$work/bin/ev-actor"
printf '#!/bin/sh\n' > "$work/noexec" && chmod 644 "$work/noexec"
# A login session (loginuid 4242, a fresh session id), root inside it (as after sudo): sh starts the
# marker with two arguments and waits, so the marker's parent is a process whose exec is in the log.
sh -c 'echo 4242 > /proc/self/loginuid && cat /proc/self/sessionid > "$1/ses" && echo $$ > "$1/sh.pid" &&
       "$2" "arg one" two & echo $! > "$1/marker.pid"; wait' sh "$work" "$work/bin/ev-marker" ||
    fail "could not run the marker"
sh -c 'echo 4242 > /proc/self/loginuid && exec "$1"' sh "$work/bin/ev-exit1"
sh -c 'exec "$1"' sh "$work/noexec" 2>/dev/null
"$work/bin/ev-actor" finit-module-bad || true
"$work/bin/ev-actor" adjtimex-read || true
record_log

"$ctl" search --input "$work/recorded.log" --subcategory process-creation --command-line > "$work/4688.json" ||
    flunk "search --subcategory process-creation found nothing"
"$ctl" search --input "$work/recorded.log" --subcategory process-termination > "$work/4689.json" ||
    flunk "search --subcategory process-termination found nothing"
"$ctl" search --input "$work/recorded.log" --subcategory process-creation --format xml > "$work/4688.xml" ||
    flunk "search --format xml found nothing"
"$ctl" search --input "$work/recorded.log" --format text > "$work/all.txt" || flunk "search --format text found nothing"
"$ctl" search --input "$work/recorded.log" --subcategory process-creation --failure > "$work/failed.json" ||
    flunk "search --failure found nothing"
"$ctl" search --input "$work/recorded.log" --subcategory process-creation --success > "$work/succeeded.json" ||
    flunk "search --success found nothing"

marker_pid=$(cat "$work/marker.pid")
sh_pid=$(cat "$work/sh.pid")
ses=$(cat "$work/ses")
sh_image=$(realpath /bin/sh)
export work marker_pid sh_pid ses sh_image
PYTHONPATH=$events_dir python3 - <<'PY' || failed=1
import os
import xml.etree.ElementTree as ET
from checks import check, finish, lines, work
marker = f"{work}/bin/ev-marker"
creations = [e for e in lines("4688.json") if e["EventData"]["NewProcessName"] == marker]
check("one 4688 for the marker", len(creations), 1)
if creations:
    e = creations[0]
    d = e["EventData"]
    check("4688 EventID", e["EventID"], 4688)
    check("4688 Keywords (Audit Success)", e["Keywords"], "0x8020000000000000")
    check("NewProcessId", d["NewProcessId"], hex(int(os.environ["marker_pid"])))
    check("ProcessId (creator)", d["ProcessId"], hex(int(os.environ["sh_pid"])))
    check("ParentProcessName", d["ParentProcessName"], os.environ["sh_image"])
    check("SubjectUserSid (login uid 4242, local fallback)", d["SubjectUserSid"], "S-1-22-1-4242")
    check("SubjectLogonId (the session, hex)", d["SubjectLogonId"], hex(int(os.environ["ses"])))
    check("TokenElevationType (root for login uid 4242)", d["TokenElevationType"], "%%1937")
    check("TargetUserSid (root)", d["TargetUserSid"], "S-1-22-1-0")
    check("TargetUserName", d["TargetUserName"], "root")
    check("CommandLine", d["CommandLine"], f'{marker} "arg one" two')
    check("field order", list(d), ["SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId",
        "NewProcessId", "NewProcessName", "TokenElevationType", "ProcessId", "CommandLine", "TargetUserSid",
        "TargetUserName", "TargetDomainName", "TargetLogonId", "ParentProcessName", "MandatoryLabel"])
exits = [e for e in lines("4689.json") if e["EventData"]["ProcessName"] == marker]
check("one 4689 for the marker", len(exits), 1)
if exits:
    d = exits[0]["EventData"]
    check("4689 ProcessId", d["ProcessId"], hex(int(os.environ["marker_pid"])))
    check("4689 Status", d["Status"], "0x0")
    check("4689 SubjectUserSid", d["SubjectUserSid"], "S-1-22-1-4242")
exit1 = [e for e in lines("4689.json") if e["EventData"]["ProcessName"] == f"{work}/bin/ev-exit1"]
check("4689 Status of /bin/false", [e["EventData"]["Status"] for e in exit1], ["0x1"])
check("no 4689 in the 4688 search", [e for e in lines("4688.json") if e["EventID"] != 4688], [])
failed = [e["EventData"]["NewProcessName"] for e in lines("failed.json")]
check("--failure: the denied exec", f"{work}/noexec" in failed, True)
check("--failure: nothing that succeeded", marker in failed, False)
check("--failure: Audit Failure only", {e["Keywords"] for e in lines("failed.json")}, {"0x8010000000000000"})
succeeded = [e["EventData"]["NewProcessName"] for e in lines("succeeded.json")]
check("--success: the marker", marker in succeeded, True)
check("--success: not the denied exec", f"{work}/noexec" in succeeded, False)
ns = "{http://schemas.microsoft.com/win/2004/08/events/event}"
xml_marker = 0
with open(os.path.join(work, "4688.xml"), encoding="utf-8") as f:
    for line in f:
        root = ET.fromstring(line)
        check_id = root.find(f"{ns}System/{ns}EventID").text
        if check_id != "4688":
            check("XML EventID", check_id, "4688")
        data = {d.get("Name"): (d.text or "") for d in root.find(f"{ns}EventData")}
        if data.get("NewProcessName") == marker:
            xml_marker += 1
            check("XML NewProcessId", data["NewProcessId"], hex(int(os.environ["marker_pid"])))
            check("XML CommandLine (not enabled)", data["CommandLine"], "")
check("one XML 4688 for the marker", xml_marker, 1)
finish()
PY

# The same kernel rule (one rule, four keys) recorded the module load attempt and the adjtimex call:
# ausearch by key cannot tell them from execs; classification can.
module_lines=$(grep -c ' finit_module ' "$work/all.txt")
time_lines=$(grep -c ' adjtimex ' "$work/all.txt")
[ "$module_lines" -ge 1 ] && [ "$time_lines" -ge 1 ] ||
    flunk "the module and time records are missing from the text output: $(cat "$work/all.txt")"
if grep ' finit_module ' "$work/all.txt" | grep -qv ' finit_module failure security-system-extension,pnp-activity '; then
    flunk "finit_module classified wrongly: $(grep ' finit_module ' "$work/all.txt")"
else
    pass "finit_module: security-system-extension and pnp-activity only ($module_lines)"
fi
if grep ' adjtimex ' "$work/all.txt" | grep -qv ' adjtimex success security-state-change '; then
    flunk "adjtimex classified wrongly: $(grep ' adjtimex ' "$work/all.txt")"
else
    pass "adjtimex: security-state-change only ($time_lines)"
fi
ausearch -if "$work/recorded.log" -k gpaudit-process-creation -sc finit_module --just-one >/dev/null 2>&1 &&
    pass "(ausearch -k gpaudit-process-creation does return the module load: the problem classification solves)"
if grep -E ' (finit_module|adjtimex) ' "$work/all.txt" | grep -q 'process-creation'; then
    flunk "a module or time record was classified as process-creation"
fi
exit $failed
