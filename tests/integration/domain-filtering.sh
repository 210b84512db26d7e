#!/bin/bash
# GPO ordering and filtering against the real lab DC, with a scratch OU, machine and GPOs made for the
# test (removed at the end): link order inside one OU (the last gPLink entry has link order 1 and wins),
# GPC flags "computer settings disabled", a deny "Apply Group Policy" ACE for the machine (security
# filtering), CSE filtering (a GPO registered only for the security CSE: its [Event Audit] applies, its
# audit.csv is neither read nor used, and show says why), and an enforced
# link at an OU below a blocked one.
set -u
source "$(dirname "$0")/domain-lib.sh" "$1" "$2"
trap domain_cleanup EXIT
ou="OU=Scratch,OU=Linux,$GPA_BASE_DN"
samba_tool ou add "$ou" >/dev/null 2>&1 || fail "ou add $ou"
domain_cleanup_hooks+=("samba_tool ou delete '$ou' --force-subtree-delete >/dev/null 2>&1")
pw="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')Aa1."
samba_tool computer add LINUX3 --computerou="OU=Scratch,OU=Linux" >/dev/null 2>&1 || fail "computer add"
samba_tool user setpassword 'LINUX3$' --newpassword="$pw" >/dev/null 2>&1 || fail "setpassword"
samba_tool user enable 'LINUX3$' >/dev/null 2>&1 || fail "enable"
"$GPA_LAB_EXEC" samba-tool domain exportkeytab "$dtmp/linux3.keytab" --principal='LINUX3$' -s "$GPA_DC_SMB_CONF" \
    >/dev/null 2>&1 || fail "exportkeytab"
sid=$(ldbsearch -H "$GPA_SAM_LDB" '(sAMAccountName=LINUX3$)' objectSid 2>/dev/null | awk '/^objectSid:/ {print $2}')
[ -n "$sid" ] || fail "no SID for LINUX3\$"

printf '%s\n' ',System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Failure,,2' > "$dtmp/b.csv"
printf '%s\n' ',System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Success,,1' > "$dtmp/a.csv"
printf '%s\n' ',System,Logoff,{0CCE9216-69AE-11D9-BED3-505054503030},Success,,1' > "$dtmp/logoff.csv"
# NoCse's GptTmpl.inf: [Event Audit] for a category no other lab GPO sets (Privilege Use: Failure).
printf '%s\n' '[Unicode]' 'Unicode=yes' '[Event Audit]' 'AuditPrivilegeUse = 2' '[Version]' 'signature="$CHICAGO$"' \
    'Revision=1' > "$dtmp/nocse.inf"
declare -A G
for name in B A Flags Deny NoCse; do
    G[$name]=$(gpo_create "GPA Test $name") || true
    [ -n "${G[$name]}" ] || fail "gpo create $name"
    domain_cleanup_hooks+=("samba_tool gpo del '${G[$name]}' >/dev/null 2>&1")
done
gpo_set "${G[B]}" 1 "$CSE_AUD" "$dtmp/b.csv"
gpo_set "${G[A]}" 1 "$CSE_AUD" "$dtmp/a.csv"
gpo_set "${G[Flags]}" 1 "$CSE_AUD" "$dtmp/logoff.csv"
gpo_set "${G[Deny]}" 1 "$CSE_AUD" "$dtmp/logoff.csv"
# has an audit.csv and a GptTmpl.inf, but lists only the security CSE: [Event Audit] applies, audit.csv not
gpo_set "${G[NoCse]}" 1 "$CSE_SEC" "$dtmp/logoff.csv" "$dtmp/nocse.inf"
gpc_modify "${G[Flags]}" "replace: flags
flags: 2
-"
samba_tool dsacl set --objectdn="CN=${G[Deny]},CN=Policies,CN=System,$GPA_BASE_DN" \
    --sddl="(OD;;CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;;$sid)" >/dev/null 2>&1 || fail "dsacl set (deny)"
# samba-tool gpo setlink prepends: linking NoCse, Deny, Flags, A, B gives gPLink "[B][A][Flags][Deny][NoCse]":
# NoCse is the last entry (link order 1), processed last; A is processed after B, so A beats B.
for name in NoCse Deny Flags A B; do
    samba_tool gpo setlink "$ou" "${G[$name]}" >/dev/null 2>&1 || fail "setlink $name"
done
gplink=$(ldbsearch -H "$GPA_SAM_LDB" -b "$ou" -s base gPLink 2>/dev/null | sed -e ':a' -e 'N;$!ba' -e 's/\n //g' |
    sed -n 's/^gPLink: //p')
last=$(grep -o '{[0-9A-F-]*}' <<<"${gplink^^}" | tail -n1)
[ "$last" = "${G[NoCse]^^}" ] || fail "expected NoCse last in gPLink (link order 1): $gplink"

ctl_as 'LINUX3$' "$dtmp/linux3.keytab" "$dtmp/s3" sync --dry-run --json > "$dtmp/l3.json" 2> "$dtmp/l3.err" ||
    { cat "$dtmp/l3.err"; fail "LINUX3 sync"; }
python3 - "$dtmp/l3.json" "${G[B]}" "${G[A]}" "${G[Flags]}" "${G[Deny]}" "${G[NoCse]}" "$GPA_GPO_DOMAIN" <<'PY' || fail "LINUX3's GPO list"
import json, sys
d = json.load(open(sys.argv[1]))
b, a, flags, deny, nocse, dom = (g.strip("{}").upper() for g in sys.argv[2:8])
gpos = d["policy"]["domain"]["gpos"]
by = {g["guid"].strip("{}"): g for g in gpos}
order = [g["guid"].strip("{}") for g in gpos if g["som"].startswith("OU=Scratch")]
# gPLink string order is processing order: B (first entry, highest link order) ... NoCse (link order 1) last
assert order == [b, a, flags, deny, nocse], order
assert by[flags]["reason"] == "computer settings disabled (GPC flags)", by[flags]
assert by[deny]["reason"] == "security filtering: the computer lacks the Apply Group Policy right", by[deny]
assert not by[flags]["applied"] and not by[deny]["applied"]
assert by[nocse]["applied"] and not by[nocse]["audit"], by[nocse]
applied = [g["guid"].strip("{}") for g in gpos if g["applied"]]
assert applied[-1] == dom, applied  # enforced domain link last
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
# Process Creation: A (processed after B) wins among the scratch GPOs, the enforced domain GPO above all.
assert sub["Process Creation"]["source"]["guid"].strip("{}") == dom, sub["Process Creation"]
assert sub["Logoff"]["value"] == 0, ("Flags/Deny/NoCse must not contribute", sub["Logoff"])
# Registered only for the Security CSE (MS-GPOL 3.2.5.1.10): its [Event Audit] applies, its audit.csv does not.
for name in ("Sensitive Privilege Use", "Non Sensitive Privilege Use", "Other Privilege Use Events"):
    s = sub[name]
    assert s["value"] == 2 and s["origin"] == "legacy:AuditPrivilegeUse", (name, s)
    assert s["source"]["guid"].strip("{}").upper() == nocse, (name, s)
files = {g["guid"].strip("{}").upper(): g["files"] for g in d["policy"]["gpos"]}
nf = {f["file"]: f for f in files[nocse]}
assert nf["GptTmpl.inf"]["used"] and "gPCMachineExtensionNames" in nf["GptTmpl.inf"]["why"], nf
assert not nf["audit.csv"]["used"], nf
assert "does not register the Advanced Audit CSE" in nf["audit.csv"]["why"], nf
assert "MS-GPOL 3.2.5.1.10" in nf["audit.csv"]["why"] and "not fetched" in nf["audit.csv"]["why"], nf
# Domain 2, Linux 1, B 1, A 1, NoCse's GptTmpl.inf 1; NoCse's audit.csv is not read
assert d["smb"]["files"] == 4 + 2, d["smb"]
print("LINUX3:", [by[g]["name"] + ("" if by[g]["applied"] else " (skipped: " + by[g]["reason"] + ")") for g in order])
PY

# A is processed after B (so its Process Creation would beat B's, were the enforced domain GPO not last).
python3 - "$dtmp/l3.json" "${G[A]}" "${G[B]}" <<'PY' || fail "link order"
import json, sys
d = json.load(open(sys.argv[1]))
a, b = (g.strip("{}").upper() for g in sys.argv[2:4])
applied = [g["guid"].strip("{}") for g in d["policy"]["domain"]["gpos"] if g["applied"]]
assert applied.index(a) > applied.index(b), ("A must be processed after B", applied)
PY
echo PASS
