#!/bin/bash
# gpauditctl sync for real against the lab DC and the real kernel: rules loaded, state recorded; a GPO
# whose version did not change is not fetched again, a version bump is; a malformed audit.csv in one
# GPO is rejected with file and line while the other GPOs still apply (MS-GPAC 3.2.5); one GPO's file
# denied to the machine, or SMB refused after LDAP answered: the GPOs keep the version in force; with
# the DC stopped, or every packet to it dropped, the last-known-good policy stays in force and the
# command says so (exit 4).
# Kernel hygiene (lib.sh): the kernel's rules and status are restored at the end; the lab's GPO is
# restored and its DC restarted if the test stopped it.
set -u
here=$(dirname "$0")
source "$here/domain-lib.sh" "$1" "$2"
source "$here/lib.sh"
trap 'domain_cleanup; restore_kernel' EXIT
state=$dtmp/state
rules_file=$dtmp/gpaudit.rules
sync1() { ctl1 "$state" sync --rules-file "$rules_file" "$@"; }

save_linux_gpo

sync1 --json > "$dtmp/1.json" 2> "$dtmp/1.err" || { cat "$dtmp/1.err"; fail "first sync"; }
added_rules | grep -q -- 'key=gpaudit-process-creation' || fail "process creation rule not in the kernel: $(added_rules)"
[ -f "$state/state.yaml" ] || fail "no state recorded"
[ -f "$rules_file" ] || fail "no rules file written"
json_get "$dtmp/1.json" 'd["gposFetched"]' | grep -qx 3 || fail "first sync fetched $(json_get "$dtmp/1.json" 'd["gposFetched"]')"
# The summary counts the kernel's rules (the policy's and the fast-path exclusions): all added now.
in_kernel=$(added_rules | wc -l)
json_get "$dtmp/1.json" '(d["rules"]["total"], d["rules"]["added"], d["rules"]["unchanged"])' | grep -qx "($in_kernel, $in_kernel, 0)" ||
    fail "first sync's rule counts $(json_get "$dtmp/1.json" 'd["rules"]') vs $in_kernel rules in the kernel"
sync1 --json > "$dtmp/1b.json" 2> /dev/null || fail "second sync"
json_get "$dtmp/1b.json" '(d["rules"]["total"], d["rules"]["added"], d["rules"]["unchanged"])' | grep -qx "($in_kernel, 0, $in_kernel)" ||
    fail "an unchanged sync's rule counts: $(json_get "$dtmp/1b.json" 'd["rules"]')"

# show (no sources) = the policy of the last sync, with the GPO list.
ctl1 "$state" show > "$dtmp/show.txt" || fail "show after sync"
grep -q "applied  GPA Servers Audit" "$dtmp/show.txt" || fail "show lacks the GPO list"
grep -E -q "^  Process Creation +Success +.*GPA Domain Audit" "$dtmp/show.txt" ||
    fail "show: Process Creation: $(grep 'Process Creation' "$dtmp/show.txt")"

# Version bump with new content: only that GPO is fetched again.
printf '%s\n' ',System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success,,1' \
    ',System,Logoff,{0CCE9216-69AE-11D9-BED3-505054503030},Success,,1' > "$dtmp/new.csv"
gpo_set "$lnx" $((lnx_version + 1)) "$CSE_AUD" "$dtmp/new.csv"
sync1 --json > "$dtmp/2.json" 2> "$dtmp/2.err" || { cat "$dtmp/2.err"; fail "sync after a version bump"; }
python3 - "$dtmp/2.json" <<'PY' || fail "version bump"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["gposFetched"] == 1 and d["gposCached"] == 2, (d["gposFetched"], d["gposCached"])
assert d["smb"]["files"] == 1, d["smb"]
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
assert sub["Logoff"]["value"] == 1, sub["Logoff"]
print(f"version bump: 1 GPO fetched ({d['smb']['bytes']} bytes), 2 from cache; Logoff now Success")
PY

# Administrative Templates (issue 15): a Registry.pol (MS-GPREG) in the GPO, the Registry CSE registered:
# fetched with its audit.csv, merged, shown with its GPO, and deciding 4688's CommandLine in search.
CSE_REG='[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]'
lnx_pol="$GPA_POLICIES_DIR/$lnx/Machine/Registry.pol"
domain_cleanup_hooks+=("rm -f '$lnx_pol'")
python3 "$source_dir/tests/lab/preg.py" "$lnx_pol" \
    'Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit!ProcessCreationIncludeCmdLine_Enabled=dword:1' ||
    fail "cannot write Registry.pol"
gpo_set "$lnx" $((lnx_version + 50)) "$CSE_REG$CSE_AUD" "$dtmp/new.csv"
sync1 --json > "$dtmp/reg.json" 2> "$dtmp/reg.err" || { cat "$dtmp/reg.err"; fail "sync with a Registry.pol"; }
python3 - "$dtmp/reg.json" <<'PY' || fail "Registry.pol: $(head -c 800 "$dtmp/reg.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["gposFetched"] == 1 and d["smb"]["files"] == 2, (d["gposFetched"], d["smb"])
setting = d["policy"]["includeCommandLine"]
assert setting["enabled"] and setting["value"] == 1 and setting["source"]["name"] == "GPA Linux Audit", setting
print(f"Registry.pol fetched over SMB with audit.csv ({d['smb']['bytes']} bytes): command line enabled by {setting['source']['name']}")
PY
ctl1 "$state" show > "$dtmp/reg-show.txt" || fail "show with a Registry.pol"
grep -E -q "^  Include command line in process creation events +Enabled \(1\) +GPA Linux Audit" "$dtmp/reg-show.txt" ||
    fail "show: $(grep -A2 'Administrative Templates' "$dtmp/reg-show.txt")"
grep -E -q "^       Registry.pol: used: the Registry CSE" "$dtmp/reg-show.txt" || fail "show: Registry.pol not listed as used"
"$gpauditctl" search --input "$source_dir/tests/events/data/audit.log" --state-dir "$state" --idmap none \
    --subcategory process-creation > "$dtmp/reg-search.json" || fail "search with the synced policy"
grep -q '"CommandLine":"cp /bin/true ' "$dtmp/reg-search.json" || fail "search: no CommandLine though the policy enables it"
"$gpauditctl" search --input "$source_dir/tests/events/data/audit.log" --state-dir "$dtmp/no-state" --idmap none \
    --subcategory process-creation | grep -q '"CommandLine":"cp ' && fail "search: a CommandLine without the policy"
echo "search: CommandLine present under the synced policy, absent without it"
rm -f "$lnx_pol"
restore_gpo
sync1 > /dev/null 2>&1 || fail "sync after removing the Registry.pol"

# Malformed audit.csv in one GPO: exit 3, the error names the GPO, file and line; the others apply.
printf '%s\n' ',System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success,,1' 'this line is, not "valid' > "$dtmp/bad.csv"
gpo_set "$lnx" $((lnx_version + 2)) "$CSE_AUD" "$dtmp/bad.csv"
sync1 --json > "$dtmp/3.json" 2> "$dtmp/3.err"
rc=$?
[ $rc = 3 ] || { cat "$dtmp/3.err"; fail "malformed audit.csv: exit $rc, expected 3"; }
grep -q "error: GPA Linux Audit {${lnx//[\{\}]/}}: {${lnx//[\{\}]/}}/Machine/Microsoft/Windows NT/Audit/audit.csv:3:" "$dtmp/3.err" ||
    fail "the error does not name GPO, file and line: $(cat "$dtmp/3.err")"
python3 - "$dtmp/3.json" <<'PY' || fail "the other GPOs must still apply"
import json, sys
d = json.load(open(sys.argv[1]))
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
assert d["result"] == "partial", d["result"]
assert sub["Process Creation"]["value"] == 1 and sub["Logon"]["value"] == 3, (sub["Process Creation"], sub["Logon"])
assert sub["File System"]["value"] == 0, sub["File System"]  # it came only from the rejected file
PY
added_rules | grep -q -- 'key=gpaudit-process-creation' || fail "rules of the other GPOs gone after a malformed file"
restore_gpo
sync1 > /dev/null 2>&1 || fail "sync after restoring the GPO"

# Limits (gpauditd.conf(5)). A GPO's audit.csv over max_per_user_sids is rejected like a malformed one:
# exit 3, the error names GPO, file, line and limit, the other GPOs apply.
sid_row() { printf ',S-1-5-21-1004336348-1177238915-682003330-%s,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},x,x,1\n' "$1"; }
{ printf '%s\n' ',System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success,,1'; sid_row 1201; sid_row 1202; sid_row 1203; } > "$dtmp/sids.csv"
gpo_set "$lnx" $((lnx_version + 20)) "$CSE_AUD" "$dtmp/sids.csv"
printf 'max_per_user_sids: 2\n' > "$dtmp/sids.conf"
sync1 --config "$dtmp/sids.conf" --json > "$dtmp/8.json" 2> "$dtmp/8.err"
rc=$?
[ $rc = 3 ] || { cat "$dtmp/8.err"; fail "audit.csv over max_per_user_sids: exit $rc, expected 3"; }
grep -q "error: GPA Linux Audit {${lnx//[\{\}]/}}: {${lnx//[\{\}]/}}/Machine/Microsoft/Windows NT/Audit/audit.csv:5:2: per-user settings for more than 2 distinct SIDs (limit max_per_user_sids" "$dtmp/8.err" ||
    fail "max_per_user_sids: the error does not name GPO, file, line and limit: $(cat "$dtmp/8.err")"
python3 - "$dtmp/8.json" <<'PY' || fail "max_per_user_sids: the other GPOs must still apply"
import json, sys
d = json.load(open(sys.argv[1]))
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
assert d["result"] == "partial", d["result"]
assert sub["Process Creation"]["value"] == 1 and sub["Logon"]["value"] == 3, (sub["Process Creation"], sub["Logon"])
print("max_per_user_sids: that GPO's audit.csv rejected (partial), the other GPOs applied")
PY
added_rules | grep -q -- 'key=gpaudit-process-creation' || fail "rules of the other GPOs gone after a file over a limit"
restore_gpo
sync1 > /dev/null 2>&1 || fail "sync after restoring the GPO (limits)"
# A policy over max_rules is refused as a whole: exit 1 naming the limit, the kernel keeps the policy in force.
rules_in_force=$(added_rules | sort)
printf 'max_rules: 5\n' > "$dtmp/rules.conf"
sync1 --force --config "$dtmp/rules.conf" > "$dtmp/9.out" 2> "$dtmp/9.err"
rc=$?
[ $rc = 1 ] || { cat "$dtmp/9.err"; fail "policy over max_rules: exit $rc, expected 1"; }
grep -q "the policy needs more than 5 audit rules (limit max_rules, gpauditd.conf(5)); .*refused as a whole" "$dtmp/9.err" ||
    fail "max_rules: $(cat "$dtmp/9.err")"
[ "$(added_rules | sort)" = "$rules_in_force" ] || fail "max_rules: the kernel's rules changed"
echo "max_rules: the policy refused (exit 1), the $(grep -c . <<<"$rules_in_force") rules in force unchanged"
rules_before_outage=$(added_rules | sort)

# One GPO's new version cannot be read (its audit.csv denied to the machine: smbd answers ACCESS_DENIED):
# that GPO's previous version stays in force, the others apply (MS-GPAC 3.2.5), exit 3; the GPO list
# and the warning say which GPO, which file and why. Its permissions back: the new version applies.
printf '%s\n' ',System,Kernel Object,{0CCE921F-69AE-11D9-BED3-505054503030},Success,,1' > "$dtmp/kobj.csv"
gpo_set "$lnx" $((lnx_version + 3)) "$CSE_AUD" "$dtmp/kobj.csv"  # Kernel Object: Success
chmod 000 "$lnx_csv"                                                # restore_gpo's sysvolreset undoes it
sync1 --json > "$dtmp/5.json" 2> "$dtmp/5.err"
rc=$?
[ $rc = 3 ] || { cat "$dtmp/5.err"; fail "one GPO unreadable: exit $rc, expected 3"; }
grep -q "warning: GPA Linux Audit {${lnx//[\{\}]/}}: SMB: cannot open smb://$GPA_DC_HOST/sysvol/.*/Audit/audit.csv: Permission denied.*; its previous version $lnx_version stays in force" "$dtmp/5.err" ||
    fail "one GPO unreadable: warning: $(cat "$dtmp/5.err")"
python3 - "$dtmp/5.json" "$lnx" "$lnx_version" <<'PY' || fail "one GPO unreadable: $(head -c 600 "$dtmp/5.json")"
import json, sys
d, guid, kept = json.load(open(sys.argv[1])), sys.argv[2].strip("{}"), int(sys.argv[3])
assert d["result"] == "partial", d["result"]
gpos = {g["guid"].strip("{}").upper(): g for g in d["policy"]["domain"]["gpos"]}
g = gpos[guid.upper()]
assert g["applied"] and g["version"] == kept and "fetch failed" in g["status"], g
others = [x for k, x in gpos.items() if k != guid.upper() and x["applied"]]
assert len(others) == 2 and all(x["status"] in ("cached", "fetched") for x in others), others
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
assert sub["Kernel Object"]["value"] == 0 and sub["File System"]["value"] == 2, (sub["Kernel Object"], sub["File System"])
assert sub["Process Creation"]["value"] == 1, sub["Process Creation"]
print(f"one GPO unreadable: partial; {g['name']} kept at version {kept} ({g['status']}), 2 others applied")
PY
[ "$(added_rules | sort)" = "$rules_before_outage" ] || fail "one GPO unreadable: the kernel's rules changed"
# A host that never had that GPO (no earlier version cached): it is skipped, and the list says why.
ctl1 "$dtmp/fresh" sync --dry-run > "$dtmp/5f.out" 2> "$dtmp/5f.err"
rc=$?
[ $rc = 3 ] || { cat "$dtmp/5f.err"; fail "unreadable GPO on a fresh host: exit $rc, expected 3"; }
grep -A2 "^  skipped  GPA Linux Audit" "$dtmp/5f.out" | grep -q "why: its files could not be fetched and no earlier version is cached (SMB: cannot open .*Permission denied" ||
    fail "unreadable GPO on a fresh host: $(cat "$dtmp/5f.out")"
grep -q "^sync partial (dry run): .* 2 of 4 GPOs applied" "$dtmp/5f.out" || fail "fresh host summary: $(head -1 "$dtmp/5f.out")"
"$GPA_LAB_EXEC" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" > /dev/null 2>&1 || fail "sysvolreset"
sync1 --json > "$dtmp/5b.json" 2> "$dtmp/5b.err" || { cat "$dtmp/5b.err"; fail "sync once readable again"; }
json_get "$dtmp/5b.json" '{s["name"]: s["value"] for s in d["policy"]["subcategories"]}["Kernel Object"]' | grep -qx 1 ||
    fail "the new version did not apply once readable"
added_rules | grep -q -- 'key=gpaudit-kernel-object' || fail "no kernel object rule once readable"

# The DC's file service goes away after LDAP answered (port 445 refused inside the lab's namespace, and
# no fallback to NetBIOS on 139; the host's firewall is not touched): a full sync (--force, every GPO
# fetched again) fails every fetch, every GPO keeps the version in force, the kernel is unchanged,
# exit 3; SMB back: ok.
restore_gpo
sync1 > /dev/null 2>&1 || fail "sync after restoring the GPO (2)"
ip netns exec "$GPA_LAB_NETNS" nft -f - <<'NFT' || fail "nft: cannot refuse SMB in the lab's namespace"
table inet gpaudit_test {
    chain input { type filter hook input priority 0; tcp dport 445 reject with tcp reset; }
}
NFT
domain_cleanup_hooks+=("ip netns exec '$GPA_LAB_NETNS' nft delete table inet gpaudit_test 2>/dev/null; true")
sync1 --force --json > "$dtmp/6.json" 2> "$dtmp/6.err"
rc=$?
ip netns exec "$GPA_LAB_NETNS" nft delete table inet gpaudit_test
[ $rc = 3 ] || { cat "$dtmp/6.err"; fail "SMB refused: exit $rc, expected 3"; }
python3 - "$dtmp/6.json" <<'PY' || fail "SMB refused: $(head -c 600 "$dtmp/6.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "partial" and d["ldap"]["searches"] >= 1, (d["result"], d["ldap"])
applied = [g for g in d["policy"]["domain"]["gpos"] if g["applied"]]
assert len(applied) == 3 and all("fetch failed" in g["status"] for g in applied), applied
assert len(d["notes"]) == 3 and all("stays in force" in n for n in d["notes"]), d["notes"]
print(f"SMB refused after LDAP: {len(applied)} GPOs kept their version; first note: {d['notes'][0][:150]}")
PY
[ "$(added_rules | sort)" = "$rules_before_outage" ] || fail "SMB refused: the kernel's rules changed"
sync1 --force > /dev/null 2>&1 || fail "full sync once SMB is back"

# The DC stops: the last-known-good stays in force, and the command says so.
stop_dc
start=$(date +%s%N)
sync1 > "$dtmp/4.out" 2> "$dtmp/4.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc = 4 ] || { cat "$dtmp/4.err" "$dtmp/4.out"; fail "DC down: exit $rc, expected 4"; }
grep -q "the last-known-good policy of .* stays in force" "$dtmp/4.err" || fail "DC down: not said: $(cat "$dtmp/4.err")"
grep -q "^sync last-known-good" "$dtmp/4.out" || fail "DC down: summary: $(cat "$dtmp/4.out")"
[ "$(added_rules | sort)" = "$rules_before_outage" ] || fail "DC down: the kernel's rules changed"
ctl1 "$state" show > /dev/null || fail "show while the DC is down"
echo "DC down: exit 4 in $ms ms, $(grep -c . <<<"$rules_before_outage") rules still in force"
restart_dc || fail "could not restart the DC"
sync1 > /dev/null 2>&1 || fail "sync after the DC came back"

# A network that drops every packet to the DC (nothing refused, nothing answered; nft in the lab's
# namespace): the sync gives up after ldap_timeout, says so, and the last-known-good stays in force.
# What holds however busy the machine is: exit 4; the error names the DC, the silence (UDP and TCP: no
# answer) and ldap_timeout; nothing changed (kernel, rules file, recorded state). Not how long it took:
# the time is printed, not asserted.
ip netns exec "$GPA_LAB_NETNS" nft -f - <<'NFT' || fail "nft: cannot drop the DC's packets"
table inet gpaudit_drop {
    chain input { type filter hook input priority 0; tcp dport { 88, 389, 445 } drop; udp dport 88 drop; }
}
NFT
domain_cleanup_hooks+=("ip netns exec '$GPA_LAB_NETNS' nft delete table inet gpaudit_drop 2>/dev/null; true")
printf 'ldap_timeout: 2s\n' > "$dtmp/timeout.conf"
files_before=$(md5sum "$state/state.yaml" "$rules_file")
start=$(date +%s%N)
sync1 --config "$dtmp/timeout.conf" > "$dtmp/7.out" 2> "$dtmp/7.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
ip netns exec "$GPA_LAB_NETNS" nft delete table inet gpaudit_drop
[ $rc = 4 ] || { cat "$dtmp/7.err" "$dtmp/7.out"; fail "packets dropped: exit $rc, expected 4"; }
dc_error=$(grep -o "the domain could not be reached: $GPA_DC_HOST: did not prove it is a domain controller: .*" "$dtmp/7.err") ||
    fail "packets dropped: the DC is not named: $(cat "$dtmp/7.err")"
grep -q "port 88: UDP: no answer within [0-9]* ms (a third of ldap_timeout), TCP: no answer within the rest of ldap_timeout (2 s)" <<<"$dc_error" ||
    fail "packets dropped: the cause is not said: $dc_error"
grep -q "the last-known-good policy of .* stays in force" "$dtmp/7.err" || fail "packets dropped: not said: $(cat "$dtmp/7.err")"
grep -q "^sync last-known-good" "$dtmp/7.out" || fail "packets dropped: summary: $(cat "$dtmp/7.out")"
[ "$(added_rules | sort)" = "$rules_before_outage" ] || fail "packets dropped: the kernel's rules changed"
[ "$(md5sum "$state/state.yaml" "$rules_file")" = "$files_before" ] || fail "packets dropped: the rules file or state.yaml changed"
echo "DC unreachable (packets dropped): exit 4 after $ms ms with ldap_timeout 2s: ${dc_error#*: did not prove it is a domain controller: }"
echo PASS
