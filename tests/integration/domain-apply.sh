#!/bin/bash
# gpauditctl sync for real against the lab DC and the real kernel: rules loaded, state recorded; a GPO
# whose version did not change is not fetched again, a version bump is; a malformed audit.csv in one
# GPO is rejected with file and line while the other GPOs still apply (MS-GPAC 3.2.5); with the DC
# stopped, the last-known-good policy stays in force and the command says so (exit 4).
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
rules_before_outage=$(added_rules | sort)

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
echo PASS
