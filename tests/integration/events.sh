#!/bin/bash
# Integration (root, real kernel, a real auditd): each mapped subcategory records what it promises.
# A private auditd (own configuration and log directory) is started by this test and stopped by PID;
# policies are applied with gpauditctl apply; each activity is caused and its record found in the
# private log with ausearch, by the gpaudit key. Then the negative: No Auditing and Success-only
# produce no record for the same activity. Kernel rules and status are restored at the end.
set -u
ctl=$(realpath "$1")
actor_built=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
chmod 755 "$work" # unprivileged test processes must reach the test directories
failed=0
pass() { echo "ok $*"; }
flunk() { echo "FAIL $*"; failed=1; }

# --- a private auditd
start_private_auditd

# Markers: copies of programs under unique names, so a record is ours beyond doubt.
mkdir -p "$work/bin" "$work/sacl/locked" "$work/mnt"
for name in pc-marker pt-marker pt-marker-2 pc-marker-2 sentinel-1 sentinel-2 sentinel-3 proof-sentinel excl-marker excl-root-marker \
    excl-foreign-marker; do cp /bin/true "$work/bin/$name"; done
for name in actor actor-nouser actor-2; do cp "$actor_built" "$work/bin/$name"; done
actor="$work/bin/actor"
printf '#!/bin/sh\n' > "$work/noexec" && chmod 644 "$work/noexec"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# expect_record DESCRIPTION ausearch-options...: waits up to 10 s for a matching record.
expect_record() {
    local what=$1
    shift
    for _ in $(seq 40); do
        if ausearch -if "$log" "$@" --just-one >/dev/null 2>&1; then pass "$what"; return; fi
        sleep 0.25
    done
    flunk "$what (no record: ausearch $*)"
}
# expect_no_record DESCRIPTION SENTINEL ausearch-options...: the sentinel's record (written after the
# activity) proves the log has caught up; then no matching record may be there.
expect_no_record() {
    local what=$1 sentinel=$2
    shift 2
    "$sentinel"
    for _ in $(seq 40); do
        ausearch -if "$log" -k gpaudit-process-creation -x "$sentinel" --just-one >/dev/null 2>&1 && break
        sleep 0.25
    done
    if ausearch -if "$log" "$@" >/dev/null 2>&1; then flunk "$what (a record was found: ausearch $*)"; else pass "$what"; fi
}

policy() { # policy FILE ROWS...: an audit.csv; each row is "GUID-code,value"
    local file=$1
    shift
    {
        printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n'
        for row in "$@"; do
            case $row in
                Option:*|FileGlobalSacl*) printf ',,%s\r\n' "$row" ;;
                S-*) printf ',%s,x,{0CCE92%s-69AE-11D9-BED3-505054503030},x,x,%s\r\n' "${row%%:*}" "$(cut -d: -f2 <<<"$row" | cut -d, -f1)" "${row##*,}" ;;
                *) printf ',System,x,{0CCE92%s-69AE-11D9-BED3-505054503030},x,,%s\r\n' "${row%,*}" "${row#*,}" ;;
            esac
        done
    } > "$file"
}
user_sid=S-1-5-21-1004336348-1177238915-682003330-4242
excluded_sid=S-1-5-21-1004336348-1177238915-682003330-4343
printf '%s user 4242\n%s user 4343\n' "$user_sid" "$excluded_sid" > "$work/sidmap"
# as_login UID COMMAND...: COMMAND with login uid UID (set as root), then as uid 65534 (not an administrator)
as_login() { local uid=$1; shift; sh -c 'echo "$0" > /proc/self/loginuid && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' "$uid" "$@"; }
as_login_root() { local uid=$1; shift; sh -c 'echo "$0" > /proc/self/loginuid && exec "$@"' "$uid" "$@"; }
throwaway_user=gpatest$$
throwaway_group=gpatestg$$
cleanup_accounts() {
    userdel "$throwaway_user" 2>/dev/null
    groupdel "$throwaway_group" 2>/dev/null
    rm -f "/etc/pam.d/gpaudit-test-$$" "/etc/cron.d/gpaudit-test-$$"
    mountpoint -q "$work/mnt" && umount "$work/mnt"
}
trap 'cleanup_accounts; restore_kernel' EXIT

# --- phase 1: every subcategory under test on
# 2B Process Creation S+F, 2C Process Termination S, 1D File System S+F, 2F Audit Policy Change S,
# 10 Security State Change S+F, 35 User Account Mgmt S, 37 Security Group Mgmt S, 30 Authentication
# Policy Change S, 28 Sensitive Privilege Use S+F, 11 Security System Extension F, 27 Other Object
# Access S, 45 Removable Storage S+F, 1F Kernel Object S+F, 15 Logon and 16 Logoff S+F (records), 1B
# Special Logon S+F, 48 PnP Activity S+F; per user: 2D DPAPI Activity include success,
# and auid 4343 excluded from Process Creation success (MS-GPAC 2.2.1.3.2 Exclude Success).
policy "$work/p1.csv" 2B,3 2C,1 1D,3 2F,1 10,3 35,1 37,1 30,1 28,3 11,2 27,1 45,3 1F,3 15,3 16,3 1B,3 48,3 \
    "$user_sid:2D,1" "$excluded_sid:2B,2" \
    'FileGlobalSacl,,,,S:(AU;SAFA;FW;;;WD)'
"$ctl" apply --rules-file "$work/gpaudit.rules" --sacl-dir "$work/sacl" --sid-map "$work/sidmap" \
    --audit-csv "$work/p1.csv" > "$work/apply1.out" 2>&1 || { cat "$work/apply1.out"; fail "apply of phase 1 failed"; }
tail -n 1 "$work/apply1.out"

"$work/bin/pc-marker"
expect_record "Process Creation success: exec" -k gpaudit-process-creation -x "$work/bin/pc-marker" -sv yes
"$actor" exec-denied "$work/noexec" || flunk "actor exec-denied"
expect_record "Process Creation failure: exec of a non-executable file" -k gpaudit-process-creation -x "$actor" -sv no
"$work/bin/pt-marker"
expect_record "Process Termination: exit_group" -k gpaudit-process-termination -x "$work/bin/pt-marker" -sc exit_group

touch "$work/sacl/allowed-write"
expect_record "File System via FileGlobalSacl, success: allowed write" -k gpaudit-file-system -f "$work/sacl/allowed-write" -sv yes
nobody touch "$work/sacl/locked/denied-write" 2>/dev/null
expect_record "File System via FileGlobalSacl, failure: write denied to uid 65534" -k gpaudit-file-system -ui 65534 -sv no

auditctl -w "$work/bin" -p r -k gpaudit-test-foreign-change >/dev/null
auditctl -W "$work/bin" -p r -k gpaudit-test-foreign-change >/dev/null
expect_record "Audit Policy Change: another program runs auditctl" -k gpaudit-audit-policy-change -x /usr/sbin/auditctl
expect_record "Audit Policy Change: the kernel's CONFIG_CHANGE for the foreign rule" -m CONFIG_CHANGE -k gpaudit-test-foreign-change

"$actor" adjtimex-read || flunk "actor adjtimex-read"
expect_record "Security State Change success: adjtimex" -k gpaudit-security-state-change -sc adjtimex -sv yes
nobody "$actor" settime-denied || flunk "actor settime-denied"
expect_record "Security State Change failure: clock_settime denied" -k gpaudit-security-state-change -sc clock_settime -sv no

groupadd "$throwaway_group" || flunk "groupadd"
throwaway_gid=$(getent group "$throwaway_group" | cut -d: -f3)
expect_record "Security Group Management: groupadd writes /etc/group" -k gpaudit-security-group-management -x /usr/sbin/groupadd
expect_record "Security Group Management: the ADD_GROUP record" -m ADD_GROUP -x /usr/sbin/groupadd
useradd -M -N -r -s /usr/sbin/nologin "$throwaway_user" || flunk "useradd"
throwaway_uid=$(id -u "$throwaway_user")
expect_record "User Account Management: useradd writes /etc/passwd" -k gpaudit-user-account-management -x /usr/sbin/useradd
expect_record "User Account Management: the ADD_USER record" -m ADD_USER -x /usr/sbin/useradd
userdel "$throwaway_user"
groupdel "$throwaway_group"

cp /etc/pam.d/other "/etc/pam.d/gpaudit-test-$$" && rm -f "/etc/pam.d/gpaudit-test-$$"
expect_record "Authentication Policy Change: a file in /etc/pam.d" -k gpaudit-authentication-policy-change -f "/etc/pam.d/gpaudit-test-$$"

nobody /usr/bin/passwd --help >/dev/null 2>&1
expect_record "Sensitive Privilege Use success: a set-uid-root program run by uid 65534" -k gpaudit-sensitive-privilege-use -x /usr/bin/passwd -ui 65534
nobody "$actor" ptrace-denied || flunk "actor ptrace-denied"
expect_record "Sensitive Privilege Use failure: ptrace denied" -k gpaudit-sensitive-privilege-use -sc ptrace -sv no

"$actor" finit-module-bad || flunk "actor finit-module-bad"
expect_record "Security System Extension failure: a module load attempt" -k gpaudit-security-system-extension -sc finit_module -sv no

echo "# gpaudit event test" > "/etc/cron.d/gpaudit-test-$$" && rm -f "/etc/cron.d/gpaudit-test-$$"
expect_record "Other Object Access Events: a crontab change" -k gpaudit-other-object-access-events -f "/etc/cron.d/gpaudit-test-$$"

mount -t tmpfs gpaudit-test "$work/mnt" && umount "$work/mnt"
expect_record "Removable Storage success: mount" -k gpaudit-removable-storage -sc mount -sv yes
nobody "$actor" mount-denied "$work/mnt" || flunk "actor mount-denied"
expect_record "Removable Storage failure: mount denied" -k gpaudit-removable-storage -sc mount -sv no

"$actor" ipc || flunk "actor ipc"
expect_record "Kernel Object success: msgget" -k gpaudit-kernel-object -sc msgget -sv yes
expect_record "Kernel Object failure: msgctl on no queue" -k gpaudit-kernel-object -sc msgctl -sv no

sh -c 'echo 4242 > /proc/self/loginuid && exec "$0" keyctl' "$actor" || flunk "actor keyctl as auid 4242"
expect_record "per-user include (SID -> auid 4242): DPAPI Activity" -k gpaudit-dpapi-activity -sc keyctl -ul 4242
"$work/bin/actor-nouser" keyctl || flunk "actor keyctl"
expect_no_record "per-user include does not record other users" "$work/bin/sentinel-1" -k gpaudit-dpapi-activity -x "$work/bin/actor-nouser"

# A PAM session (runuser: USER_START, USER_END) for Logon/Logoff.
runuser -u nobody -- true || flunk "runuser"
expect_record "Logon: the PAM session's USER_START" -m USER_START -x /usr/sbin/runuser
expect_record "Logoff: the PAM session's USER_END" -m USER_END -x /usr/sbin/runuser

# --- the proof over phase 1's activity: each activity's events (found by ausearch, independently of
# gpaudit) land in exactly the subcategories of the activity (precision/recall table), and each is
# rendered as its Windows event with the expected fields (gpauditctl search, JSON lines).
"$work/bin/proof-sentinel"
for _ in $(seq 40); do
    ausearch -if "$log" -x "$work/bin/proof-sentinel" --just-one >/dev/null 2>&1 && break
    sleep 0.25
done
cp "$log" "$work/proof.log"
# activity NAME SUBCATEGORIES EVENTID FIELD=VALUE;... -- ausearch-options: one line per event ausearch finds.
# SUBCATEGORIES are the truth (what the policy asks to record): the classification must be exactly these.
activity() {
    local name=$1 subs=$2 id=$3 fields=$4
    shift 5
    local serials
    serials=$(ausearch -if "$work/proof.log" "$@" --format raw 2>/dev/null | grep -o 'audit([0-9.]*:[0-9]*)' | sort -u)
    [ -n "$serials" ] || { flunk "proof: no event for $name (ausearch $*)"; return; }
    while read -r serial; do printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$subs" "$id" "$fields" "$serial"; done <<<"$serials"
}
{
    activity "exec" process-creation 4688 "NewProcessName=$work/bin/pc-marker;SubjectUserSid=S-1-5-18" -- -x "$work/bin/pc-marker" -sc execve
    activity "exec denied" process-creation 4688 "@failure" -- -x "$actor" -sc execve -sv no
    activity "exit" process-termination 4689 "ProcessName=$work/bin/pt-marker;Status=0x0" -- -x "$work/bin/pt-marker" -sc exit_group
    activity "write under the SACL" file-system 4663 "ObjectName=$work/sacl/allowed-write;AccessMask=0x2" -- -f "$work/sacl/allowed-write" -sc openat
    activity "write denied under the SACL" file-system 4656 "@failure;ObjectType=File" -- -k gpaudit-file-system -ui 65534 -sv no
    activity "auditctl adds and removes a rule" audit-policy-change 4719 "SubcategoryId=-" -- -m CONFIG_CHANGE -k gpaudit-test-foreign-change
    # The watch on auditctl (its key replaces the exit rule's) and the set-uid rule (it stands before the
    # Process Creation rules the exclusion narrowed) carry process-creation too (translate.cxx, overlaps).
    activity "auditctl runs" process-creation,audit-policy-change - "" -- -x /usr/sbin/auditctl -sc execve
    activity "clock read (adjtimex)" security-state-change - "" -- -x "$actor" -sc adjtimex
    activity "clock set denied" security-state-change - "" -- -sc clock_settime -sv no
    activity "groupadd" security-group-management 4731 "TargetSid=S-1-22-2-$throwaway_gid" -- -m ADD_GROUP -x /usr/sbin/groupadd
    activity "useradd" user-account-management 4720 "TargetSid=S-1-22-1-$throwaway_uid" -- -m ADD_USER -x /usr/sbin/useradd
    activity "a file in /etc/pam.d" authentication-policy-change - "" -- -f "/etc/pam.d/gpaudit-test-$$" -sc openat
    activity "set-uid root run" process-creation,special-logon,sensitive-privilege-use 4673 "PrivilegeList=SeTcbPrivilege" -- -x /usr/bin/passwd -sc execve -ui 65534
    activity "ptrace denied" sensitive-privilege-use 4673 "@failure;PrivilegeList=SeDebugPrivilege" -- -sc ptrace -sv no
    activity "module load attempt" security-system-extension,pnp-activity - "" -- -sc finit_module
    activity "a crontab change" other-object-access-events - "" -- -f "/etc/cron.d/gpaudit-test-$$" -sc openat
    activity "mount" removable-storage 4663 "ObjectName=$work/mnt" -- -sc mount -sv yes
    activity "mount denied" removable-storage 4656 "@failure" -- -sc mount -sv no
    activity "IPC queue" kernel-object - "" -- -sc msgget
    activity "keyctl (per-user include)" dpapi-activity - "" -- -sc keyctl -ul 4242
    activity "PAM session opened" logon 4624 "TargetUserName=nobody;LogonType=2;ProcessName=/usr/sbin/runuser" -- -m USER_START -x /usr/sbin/runuser
    activity "PAM session closed" logoff 4634 "TargetUserName=nobody" -- -m USER_END -x /usr/sbin/runuser
} > "$work/activities.tsv"
"$ctl" search --input "$work/proof.log" --format text --idmap none > "$work/proof.txt" || flunk "proof: search --format text found nothing"
"$ctl" search --input "$work/proof.log" --idmap none > "$work/proof.json" || flunk "proof: search found nothing"
python3 - "$work/activities.tsv" "$work/proof.txt" "$work/proof.json" <<'PY' || failed=1
import collections, json, re, sys
activities = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
classified = {}
for line in open(sys.argv[2]):
    m = re.search(r" audit\(([0-9.]+:[0-9]+)\) \S+ \S+ (\S+)", line)
    if m:
        classified[m.group(1)] = set(m.group(2).split(","))
rendered = collections.defaultdict(list)
for line in open(sys.argv[3]):
    event = json.loads(line)
    rendered[event["Linux"]["AuditEvent"]].append(event)
tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
bad = 0
for name, subs, eventid, fields, serial in activities:
    key = serial[len("audit("):-1]
    truth = set(subs.split(","))
    got = classified.get(key, set())
    for s in truth & got: tp[s] += 1
    for s in got - truth: fp[s] += 1
    for s in truth - got: fn[s] += 1
    if got != truth:
        bad += 1
        print(f"FAIL classification: {name} {key}: {sorted(got)} != {sorted(truth)}")
    if eventid == "-" or not eventid:
        continue
    events = [e for e in rendered.get(key, []) if e["EventID"] == int(eventid)]
    if not events:
        bad += 1
        print(f"FAIL rendering: {name} {key}: no {eventid} (got {[e['EventID'] for e in rendered.get(key, [])]})")
        continue
    event = events[0]
    for check in filter(None, fields.split(";")):
        if check == "@failure":
            ok = event["Outcome"] == "Audit Failure"
        else:
            field, value = check.split("=", 1)
            ok = event["EventData"].get(field) == value
        if not ok:
            bad += 1
            print(f"FAIL rendering: {name} {key}: {eventid} {check}: {json.dumps(event['EventData'])}")
print(f"{'subcategory':34} {'events':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>6}")
for s in sorted(set(tp) | set(fp) | set(fn)):
    p = tp[s] / (tp[s] + fp[s]) if tp[s] + fp[s] else 0.0
    r = tp[s] / (tp[s] + fn[s]) if tp[s] + fn[s] else 0.0
    print(f"{s:34} {tp[s] + fn[s]:>6} {tp[s]:>4} {fp[s]:>4} {fn[s]:>4} {p:>9.3f} {r:>6.3f}")
T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
print(f"{'all':34} {T + N:>6} {T:>4} {F:>4} {N:>4} {T / max(T + F, 1):>9.3f} {T / max(T + N, 1):>6.3f}  "
      f"({len(activities)} events of {len({a[0] for a in activities})} activities)")
ids = collections.Counter(e["EventID"] for evs in rendered.values() for e in evs)
print("rendered over the whole log:", ", ".join(f"{k} x{v}" for k, v in sorted(ids.items())))
if bad:
    sys.exit(1)
print("ok proof: every event in exactly its activity's subcategories, rendered with the expected fields")
PY

# Exclusions narrow only our rules (-F auid!=4343), never hide the user from anyone else's.
as_login 4343 "$work/bin/excl-marker" || flunk "excl-marker as auid 4343"
expect_no_record "per-user exclusion: our Process Creation rule does not record auid 4343's exec" "$work/bin/sentinel-3" \
    -k gpaudit-process-creation -x "$work/bin/excl-marker"
as_login_root 4343 "$work/bin/excl-root-marker" || flunk "excl-root-marker as auid 4343, euid 0"
expect_record "per-user exclusion is not honoured for administrators: auid 4343 acting as root is recorded (MS-GPAC 2.2.1.3.2)" \
    -k gpaudit-process-creation -x "$work/bin/excl-root-marker" -ul 4343
# An administrator's own rule (a STIG-like execve rule), added after ours: it still records the excluded
# user. (A prepended "-a never,exit -F auid=4343" rule, as gpaudit made before, would silence it too.)
foreign=(-a always,exit -F arch=b64 -S execve -F auid=4343 -k stig-exec-test)
auditctl "${foreign[@]}" >/dev/null || flunk "cannot add the foreign rule"
as_login 4343 "$work/bin/excl-foreign-marker" || flunk "excl-foreign-marker as auid 4343"
expect_record "per-user exclusion leaves a foreign rule alone: it records the excluded user" -k stig-exec-test \
    -x "$work/bin/excl-foreign-marker" -ul 4343
auditctl -d "${foreign[@]:1}" >/dev/null || flunk "cannot delete the foreign rule"
grep -q -- "-F auid!=4343" "$work/gpaudit.rules" && pass "the rules file narrows our Process Creation rule with -F auid!=4343" ||
    flunk "no -F auid!=4343 in the rules file"
if grep -E -- "^-a never,exit.*auid=4343" "$work/gpaudit.rules"; then flunk "a never rule for the excluded user"; else pass "no never rule for the excluded user"; fi

# --- phase 2: Process Creation Success only, Process Termination No Auditing
policy "$work/p2.csv" 2B,1 2C,4
"$ctl" apply --rules-file "$work/gpaudit.rules" --audit-csv "$work/p2.csv" > "$work/apply2.out" 2>&1 || { cat "$work/apply2.out"; fail "apply of phase 2 failed"; }
tail -n 1 "$work/apply2.out"
"$work/bin/pc-marker-2"
expect_record "Success only still records the successful exec" -k gpaudit-process-creation -x "$work/bin/pc-marker-2" -sv yes
"$work/bin/actor-2" exec-denied "$work/noexec" || flunk "actor exec-denied"
"$work/bin/pt-marker-2"
expect_no_record "Success only: no record for a failed exec" "$work/bin/sentinel-2" -k gpaudit-process-creation -x "$work/bin/actor-2" -sv no
expect_no_record "No Auditing: no record for a process exit" "$work/bin/sentinel-2" -x "$work/bin/pt-marker-2" -sc exit_group

"$ctl" revert --rules-file "$work/gpaudit.rules" > /dev/null || flunk "revert"
exit $failed
