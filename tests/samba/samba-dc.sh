#!/bin/bash
# Issue 16, against the lab's real Samba AD DC and the real kernel: gpauditctl sync on the DC as its own
# computer account (DC1$ in OU=Domain Controllers), with DC audit settings in the Default Domain
# Controllers Policy. Checks: the include file and the one appended smb.conf line; every Samba process
# at the levels the policy needs (smbcontrol debuglevel); a second sync changes nothing (no file
# written, no smbcontrol message); levels lowered behind gpaudit's back are restored by the next sync;
# with the DC stopped the sync keeps the last-known-good (exit 4) and the include file; Samba restarted
# reads the levels from the include file. Then activity (kinit good and wrong password, samba-tool user
# and group changes, a password reset, an LDAP modify, NTLM logons good and bad) and each Windows event
# found, rendered from Samba's real records by `gpauditctl search --samba-log`.
# Restored at the end, pass or fail: the GPO (files, version, extension list), smb.conf, the levels of
# the running Samba, the kernel's audit rules and status (lib.sh), the test's users and groups.
# Usage: samba-dc.sh GPAUDITCTL SOURCE_ROOT
set -u
integration=$2/tests/integration
source "$integration/domain-lib.sh" "$1" "$2"
source "$integration/lib.sh"
trap 'domain_cleanup; restore_kernel' EXIT
command -v smbcontrol >/dev/null || fail "smbcontrol not found (package samba-common-bin)"

DDCP='{6AC1786C-016F-11D2-945F-00C04FB984F9}'
ddcp_dir=$GPA_POLICIES_DIR/$DDCP
state=$dtmp/state
include=$dtmp/gpaudit-audit.conf
conf=$dtmp/gpauditd.conf
dclog=$GPA_LAB_DIR/log/dc.log
X=$GPA_LAB_EXEC
smbc() { "$X" smbcontrol -s "$GPA_DC_SMB_CONF" all "$@"; }

# --- the lab as it was, restored by the cleanup hooks
cp "$GPA_DC_SMB_CONF" "$dtmp/smb.conf.orig"
orig_level=$(sed -n 's/^[[:space:]]*log level[[:space:]]*=[[:space:]]*//p' "$GPA_DC_SMB_CONF" | tail -n1)
ddcp_version=$(gpc_version "$DDCP")
ddcp_cses=$(ldbsearch -H "$GPA_SAM_LDB" -b "CN=$DDCP,CN=Policies,CN=System,$GPA_BASE_DN" -s base \
    gPCMachineExtensionNames 2>/dev/null | python3 -c '
import sys
text = sys.stdin.read().replace("\n ", "")
print(next((l.split(": ", 1)[1] for l in text.splitlines() if l.startswith("gPCMachineExtensionNames: ")), ""))')
machine_dir=$(find "$ddcp_dir" -maxdepth 1 -iname machine | head -n1)
[ -n "$machine_dir" ] || fail "no MACHINE folder in the Default Domain Controllers Policy ($ddcp_dir)"
[ -e "$machine_dir/Microsoft" ] && fail "the Default Domain Controllers Policy already has settings in $machine_dir"
restore_lab() {
    cp "$dtmp/smb.conf.orig" "$GPA_DC_SMB_CONF"
    smbc debug "${orig_level:-0}" >/dev/null 2>&1 || echo "WARNING: could not reset Samba's levels"
    rm -rf "$machine_dir/Microsoft"
    local cses=""
    [ -n "$ddcp_cses" ] && cses="replace: gPCMachineExtensionNames
gPCMachineExtensionNames: $ddcp_cses
-"
    [ -z "$ddcp_cses" ] && cses="delete: gPCMachineExtensionNames
-"
    gpc_modify "$DDCP" "replace: versionNumber
versionNumber: ${ddcp_version:-0}
-
$cses"
    "$X" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1
    for u in gpa-sd-user; do samba_tool user delete "$u" >/dev/null 2>&1; done
    for g in gpa-sd-group; do samba_tool group delete "$g" >/dev/null 2>&1; done
    return 0
}
domain_cleanup_hooks+=(restore_lab)

# --- the DC's own computer account and the DC audit policy in the Default Domain Controllers Policy
"$X" samba-tool domain exportkeytab "$dtmp/dc1.keytab" --principal='DC1$' -s "$GPA_DC_SMB_CONF" >/dev/null ||
    fail "exportkeytab DC1\$"
audit_dir="$machine_dir/Microsoft/Windows NT/Audit"
mkdir -p "$audit_dir"
{
    printf '%s\r\n' "$AUDIT_HDR"
    printf ',System,%s,{0CCE92%s-69AE-11D9-BED3-505054503030},x,,%s\r\n' \
        'Credential Validation' 3F 3 \
        'Kerberos Authentication Service' 42 3 \
        'Kerberos Service Ticket Operations' 40 1 \
        'Directory Service Access' 3B 3 \
        'Directory Service Changes' 3C 1 \
        'Directory Service Replication' 3D 3 \
        'User Account Management' 35 1 \
        'Computer Account Management' 36 1 \
        'Security Group Management' 37 1 \
        'Distribution Group Management' 38 1
} > "$audit_dir/audit.csv"
gpc_modify "$DDCP" "replace: versionNumber
versionNumber: $((ddcp_version + 1))
-
replace: gPCMachineExtensionNames
gPCMachineExtensionNames: ${ddcp_cses}$CSE_AUD
-"
"$X" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1 || fail "sysvolreset"

cat > "$conf" <<EOF
samba_conf: $GPA_DC_SMB_CONF
samba_include_file: $include
samba_add_include: true
EOF
sync_dc() {
    "$X" "$gpauditctl" sync --config "$conf" --realm "$GPA_REALM" --machine 'DC1$' --keytab "$dtmp/dc1.keytab" \
        --state-dir "$state" --rules-file "$dtmp/gpaudit.rules" "$@"
}
want='0 auth_json_audit:4 dsdb_group_json_audit:5 dsdb_json_audit:5 dsdb_password_json_audit:5'
levels_ok() { # every Samba process at the wanted audit levels
    smbc debuglevel > "$dtmp/levels.txt" 2>&1 || return 1
    [ "$(grep -c '^PID ' "$dtmp/levels.txt")" -gt 0 ] || return 1
    ! grep '^PID ' "$dtmp/levels.txt" | grep -v -e ' auth_json_audit:4 ' | grep -q . || return 1
    ! grep '^PID ' "$dtmp/levels.txt" | grep -v -e ' dsdb_json_audit:5 ' | grep -q . || return 1
    ! grep '^PID ' "$dtmp/levels.txt" | grep -v -e ' dsdb_group_json_audit:5' | grep -q . || return 1
    ! grep '^PID ' "$dtmp/levels.txt" | grep -v -e ' dsdb_password_json_audit:5 ' | grep -q . || return 1
}

# --- 1. first sync: the policy reaches Samba
sync_dc > "$dtmp/1.out" 2> "$dtmp/1.err" || { cat "$dtmp/1.err"; fail "sync as DC1\$"; }
grep -q 'applied  Default Domain Controllers Policy' "$dtmp/1.out" ||
    { cat "$dtmp/1.out"; fail "the Default Domain Controllers Policy was not applied to DC1\$"; }
grep -qF "samba: log level $want; 10 subcategories; include file written; include line added to smb.conf" "$dtmp/1.err" ||
    { cat "$dtmp/1.err"; fail "sync's samba line"; }
grep -qxF "	log level = $want" "$include" || { cat "$include"; fail "include file"; }
[ "$(grep -c "include = $include" "$GPA_DC_SMB_CONF")" = 1 ] || fail "smb.conf does not include $include once"
diff <(head -n "$(wc -l < "$dtmp/smb.conf.orig")" "$GPA_DC_SMB_CONF") "$dtmp/smb.conf.orig" >/dev/null ||
    fail "smb.conf's own lines were changed"
levels_ok || { head -c 600 "$dtmp/levels.txt"; fail "Samba's processes are not at the policy's levels"; }
nproc=$(grep -c '^PID ' "$dtmp/levels.txt")
echo "ok: first sync: $want in $include, smb.conf includes it, $nproc process lines at these levels"

# --- 2. a second sync changes nothing
cp "$include" "$dtmp/include.1"
cp "$GPA_DC_SMB_CONF" "$dtmp/smb.conf.1"
before=$(grep -c 'Remote set of debug' "$dclog" || true)
sync_dc > /dev/null 2> "$dtmp/2.err" || { cat "$dtmp/2.err"; fail "second sync"; }
grep -qF "include file unchanged; " "$dtmp/2.err" && grep -qF "already at these levels" "$dtmp/2.err" ||
    { cat "$dtmp/2.err"; fail "an unchanged sync still changed Samba"; }
cmp -s "$include" "$dtmp/include.1" && cmp -s "$GPA_DC_SMB_CONF" "$dtmp/smb.conf.1" || fail "files rewritten"
after=$(grep -c 'Remote set of debug' "$dclog" || true)
[ "$before" = "$after" ] || fail "an unchanged sync sent smbcontrol debug ($before -> $after)"
echo "ok: second sync: no file written, no smbcontrol debug message"
echo "  figures: first  $(grep -o 'samba: .*' "$dtmp/1.err" | grep -o '[0-9]* ms$')," \
    "unchanged $(grep -o 'samba: .*' "$dtmp/2.err" | grep -o '[0-9]* ms$') (smbcontrol -t 1 all debuglevel waits 1 s)"

# --- 3. drift: the levels lowered behind gpaudit's back are restored by the next sync
smbc debug 0 > /dev/null
levels_ok && fail "smbcontrol debug 0 did not lower the levels"
sync_dc --json > "$dtmp/3.json" 2> "$dtmp/3.err" || { cat "$dtmp/3.err"; fail "sync after drift"; }
json_get "$dtmp/3.json" 'd["samba"]' | grep -qF "processes set" || fail "drift not restored: $(json_get "$dtmp/3.json" 'd["samba"]')"
levels_ok || { head -c 600 "$dtmp/levels.txt"; fail "levels not restored"; }
echo "ok: drift (smbcontrol debug 0) restored by the next sync"

# --- 4. last-known-good with the DC down; Samba restarted reads the include file
stop_dc
sync_dc > /dev/null 2> "$dtmp/4.err"
rc=$?
[ "$rc" = 4 ] || { cat "$dtmp/4.err"; fail "sync with the DC stopped: exit $rc, expected 4"; }
grep -qF "samba: log level $want; 10 subcategories; include file unchanged" "$dtmp/4.err" ||
    { cat "$dtmp/4.err"; fail "the last-known-good did not keep Samba's include"; }
grep -q "warning: samba: .*takes effect at its next start" "$dtmp/4.err" || fail "no note that Samba is not running"
restart_dc || fail "the DC did not come back"
levels_ok || { head -c 600 "$dtmp/levels.txt"; fail "Samba restarted is not at the include file's levels"; }
echo "ok: DC stopped: exit 4, last-known-good kept the include; Samba restarted reads it"

# --- 5. activity, and each Windows event from Samba's real records
start_line=$(($(wc -l < "$dclog") + 1))
export KRB5CCNAME=FILE:$dtmp/admin.cc
printf '%s\n' "$GPA_ADMIN_PASSWORD" | "$X" kinit Administrator >/dev/null || fail "kinit Administrator"
printf 'wrong\n' | "$X" kinit Administrator >/dev/null 2>&1 && fail "kinit with a wrong password worked"
upw='Sd-Pw-1-x9!'
samba_tool user add gpa-sd-user "$upw" >/dev/null || fail "user add"
samba_tool group add gpa-sd-group >/dev/null || fail "group add"
samba_tool group addmembers gpa-sd-group gpa-sd-user >/dev/null || fail "addmembers"
samba_tool user setpassword gpa-sd-user --newpassword="$upw-2" >/dev/null || fail "setpassword"
printf 'dn: CN=gpa-sd-user,CN=Users,%s\nchangetype: modify\nreplace: description\ndescription: gpaudit-issue16\n' \
    "$GPA_BASE_DN" | "$X" ldapmodify -Q -Y GSSAPI -H "$GPA_LDAP_URI" >/dev/null || fail "ldapmodify"
"$X" smbclient -s "$dtmp/smb.conf.orig" "//$GPA_DC_HOST/netlogon" --use-kerberos=disabled \
    -U "$GPA_NETBIOS_DOMAIN\\gpa-sd-user%$upw-2" -c 'ls' >/dev/null 2>&1 || fail "NTLM logon of gpa-sd-user"
"$X" smbclient -s "$dtmp/smb.conf.orig" "//$GPA_DC_HOST/netlogon" --use-kerberos=disabled \
    -U "$GPA_NETBIOS_DOMAIN\\gpa-sd-user%nope" -c 'ls' >/dev/null 2>&1 && fail "NTLM logon with a wrong password worked"
samba_tool group delete gpa-sd-group >/dev/null || fail "group delete"
samba_tool user delete gpa-sd-user >/dev/null || fail "user delete"
unset KRB5CCNAME
sleep 1
tail -n "+$start_line" "$dclog" > "$dtmp/activity.log"
"$gpauditctl" search --samba-log "$dtmp/activity.log" --computer "$GPA_DC_HOST" > "$dtmp/events.json" ||
    fail "search --samba-log found nothing in $(wc -l < "$dtmp/activity.log") lines"
echo "  $(wc -l < "$dtmp/events.json") Windows events from $(grep -c '{"timestamp"' "$dtmp/activity.log") Samba records"
# expect ID SUBCATEGORY OUTCOME FIELD=VALUE...: one event with all of these
expect() {
    python3 - "$dtmp/events.json" "$@" <<'EOF' || fail "no event $*"
import json, sys
path, eid, sub, outcome, *fields = sys.argv[1:]
want = dict(f.split("=", 1) for f in fields)
for line in open(path):
    e = json.loads(line)
    if str(e["EventID"]) == eid and e["Linux"]["Subcategory"] == sub and e["Outcome"] == outcome and \
            all(e["EventData"].get(k) == v for k, v in want.items()):
        print("ok: %s %s (%s) %s" % (eid, sub, outcome.split()[-1], " ".join(fields)))
        sys.exit(0)
sys.exit(1)
EOF
}
S='Audit Success'
F='Audit Failure'
expect 4768 kerberos-authentication-service "$S" TargetUserName=Administrator TargetDomainName="$GPA_REALM" Status=0x0
expect 4771 kerberos-authentication-service "$F" TargetUserName=Administrator Status=0x18
expect 4769 kerberos-service-ticket-operations "$S" ServiceName="ldap/$GPA_DC_HOST"
expect 4776 credential-validation "$S" TargetUserName=gpa-sd-user Status=0x0
expect 4776 credential-validation "$F" TargetUserName=gpa-sd-user Status=0xc000006a
expect 4720 user-account-management "$S" TargetUserName=gpa-sd-user SubjectUserName=Administrator
expect 4722 user-account-management "$S" TargetUserName=gpa-sd-user
expect 4724 user-account-management "$S" TargetUserName=gpa-sd-user
expect 4738 user-account-management "$S" TargetUserName=gpa-sd-user
expect 4726 user-account-management "$S" TargetUserName=gpa-sd-user
expect 4727 security-group-management "$S" TargetUserName=gpa-sd-group
expect 4728 security-group-management "$S" TargetUserName=gpa-sd-group MemberName="CN=gpa-sd-user,CN=Users,$GPA_BASE_DN"
expect 4730 security-group-management "$S" TargetUserName=gpa-sd-group
expect 5137 directory-service-changes "$S" ObjectDN="CN=gpa-sd-user,CN=Users,$GPA_BASE_DN" ObjectClass=user
expect 5136 directory-service-changes "$S" ObjectDN="CN=gpa-sd-user,CN=Users,$GPA_BASE_DN" \
    AttributeLDAPDisplayName=description AttributeValue=gpaudit-issue16
expect 5141 directory-service-changes "$S" ObjectDN="CN=gpa-sd-group,CN=Users,$GPA_BASE_DN"
expect 4662 directory-service-access "$S" ObjectName="CN=gpa-sd-user,CN=Users,$GPA_BASE_DN" AccessList=%%7685
# the same through the subcategory filter and the XML form
"$gpauditctl" search --samba-log "$dtmp/activity.log" --subcategory kerberos-authentication-service --failure \
    --format xml > "$dtmp/kas.xml" || fail "search --subcategory --failure"
[ "$(wc -l < "$dtmp/kas.xml")" = 1 ] && grep -q '<EventID>4771</EventID>' "$dtmp/kas.xml" ||
    fail "filtered search: $(cat "$dtmp/kas.xml")"
echo "ok: search --subcategory kerberos-authentication-service --failure --format xml: one 4771"
echo "PASS"
