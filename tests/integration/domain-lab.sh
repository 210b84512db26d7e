#!/bin/bash
# gpauditctl sync against the real lab DC (Samba AD, Kerberos, LDAP sign+seal, SMB signing), dry run:
# the lab's expected resultant policy for LINUX1 (OU=Servers) and LINUX2 (OU=Blocked: block inheritance,
# a disabled link, an enforced domain link), the GPO list agrees with samba-gpupdate --rsop (the real
# peer), and a second sync reads nothing over SMB and makes at most 3 LDAP searches; a DC in the SRV
# answers that does not answer is passed over for the next.
set -u
source "$(dirname "$0")/domain-lib.sh" "$1" "$2"
trap domain_cleanup EXIT
s1=$dtmp/state1 s2=$dtmp/state2

ctl1 "$s1" sync --dry-run --json > "$dtmp/l1.json" 2> "$dtmp/l1.err"
rc=$?
[ $rc = 0 ] || { cat "$dtmp/l1.err"; fail "LINUX1 sync exited $rc"; }
grep -q '^gpauditctl: \[1\] kerberos' "$dtmp/l1.err" || fail "no progress lines: $(cat "$dtmp/l1.err")"
python3 - "$dtmp/l1.json" "$GPA_GPO_DOMAIN" "$GPA_GPO_LINUX" "$GPA_GPO_SERVERS" <<'PY' || fail "LINUX1's policy"
import json, sys
d = json.load(open(sys.argv[1]))
dom, lnx, srv = (g.strip("{}") for g in sys.argv[2:5])
p = d["policy"]
gpos = p["domain"]["gpos"]
applied = [g["guid"].strip("{}") for g in gpos if g["applied"]]
assert applied == [lnx, srv, dom], f"applied order {applied}"
skipped = {g["name"]: g["reason"] for g in gpos if not g["applied"]}
assert skipped == {"Default Domain Policy": "computer version 0: no computer settings"}, skipped
assert [g["enforced"] for g in gpos if g["applied"]] == [False, False, True]
sub = {s["name"]: s for s in p["subcategories"]}
def check(name, value, gpo):
    s = sub[name]
    assert s["value"] == value, f"{name}: {s['value']} != {value}"
    assert s["source"]["guid"].strip("{}") == gpo, f"{name}: won by {s['source']}"
check("Process Creation", 1, dom)        # the enforced domain GPO beats Servers' 3
check("Logon", 3, srv)                   # Servers beats Linux
check("File System", 2, lnx)
check("Process Termination", 1, srv)
check("Security State Change", 1, dom)
assert p["options"]["CrashOnAuditFail"]["enabled"] is False
assert [a["ace"] for a in p["fileGlobalSacl"]] == ["(AU;SA;FA;;;WD)"], p["fileGlobalSacl"]
assert d["ldap"]["ssf"] >= 56, d["ldap"]
assert d["dc"] == "dc1.gpa.test" and d["site"] == "Default-First-Site-Name", (d["dc"], d["site"])
assert d["gposFetched"] == 3 and d["smb"]["files"] == 5, (d["gposFetched"], d["smb"])
print(f"LINUX1: {applied}; LDAP {d['ldap']['searches']} searches / {d['ldap']['roundTrips']} round trips;"
      f" SMB {d['smb']['files']} files {d['smb']['bytes']} bytes")
PY

# The text form names every GPO considered, applied or skipped, and why.
ctl1 "$s1" sync --dry-run > "$dtmp/l1.txt" 2>/dev/null
grep -q "skipped  Default Domain Policy" "$dtmp/l1.txt" || fail "text lacks the skipped GPO: $(cat "$dtmp/l1.txt")"
grep -q "applied  GPA Domain Audit {${GPA_GPO_DOMAIN//[\{\}]/}}" "$dtmp/l1.txt" || fail "text lacks the applied GPO"

# Nothing changed: no SMB read, at most 3 LDAP searches.
ctl1 "$s1" sync --dry-run --json > "$dtmp/l1b.json" 2>/dev/null || fail "second sync"
python3 - "$dtmp/l1b.json" <<'PY' || fail "second sync did work it need not do"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["smb"]["files"] == 0 and d["smb"]["bytes"] == 0, d["smb"]
assert d["gposFetched"] == 0 and d["gposCached"] == 3, (d["gposFetched"], d["gposCached"])
assert d["ldap"]["searches"] <= 3, d["ldap"]
print(f"unchanged: LDAP {d['ldap']['searches']} searches / {d['ldap']['roundTrips']} round trips, SMB 0 files")
PY

# --force reads every applied GPO's files again; --server skips the DNS locator; without --realm the realm
# comes from krb5.conf ($KRB5_CONFIG, the lab's), as on a host joined with plain Kerberos configuration.
"$GPA_LAB_EXEC" "$gpauditctl" sync --dry-run --json --force --server "$GPA_DC_HOST" --machine 'LINUX1$' \
    --keytab "$GPA_KEYTAB" --state-dir "$s1" > "$dtmp/l1c.json" 2> "$dtmp/l1c.err" ||
    { cat "$dtmp/l1c.err"; fail "sync --force --server without --realm"; }
python3 - "$dtmp/l1c.json" <<'PY' || fail "--force / --server / realm detection"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["gposFetched"] == 3 and d["smb"]["files"] == 5, (d["gposFetched"], d["smb"])
assert "locate" not in d["stagesMs"], d["stagesMs"]
assert d["policy"]["domain"]["realm"] == "GPA.TEST", d["policy"]["domain"]
PY
grep -q "kerberos: ticket for LINUX1\$@GPA.TEST" "$dtmp/l1c.err" || fail "realm not detected: $(cat "$dtmp/l1c.err")"

# The machine ticket is kept in the state directory and used while it has more than 10 minutes left;
# one about to expire is replaced from the keytab before the sync (and said).
"$GPA_LAB_EXEC" kinit -k -t "$GPA_KEYTAB" -l 5m -c "FILE:$s1/krb5cc" "$GPA_MACHINE_PRINCIPAL" > /dev/null 2>&1 ||
    fail "kinit of a short ticket"
ctl1 "$s1" sync --dry-run --json > "$dtmp/t1.json" 2> "$dtmp/t1.err" || { cat "$dtmp/t1.err"; fail "sync with a ticket about to expire"; }
ctl1 "$s1" sync --dry-run --json > "$dtmp/t2.json" 2> "$dtmp/t2.err" || { cat "$dtmp/t2.err"; fail "sync after the renewal"; }
python3 - "$dtmp/t1.json" "$dtmp/t2.json" <<'PY' || fail "ticket renewal: $(grep -h kerberos "$dtmp/t1.err" "$dtmp/t2.err")"
import datetime, json, sys
t1, t2 = (json.load(open(f))["kerberos"] for f in sys.argv[1:3])
expires = datetime.datetime.strptime(t1["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
left = expires - datetime.datetime.now(datetime.timezone.utc)
assert t1["newTicket"] and left > datetime.timedelta(minutes=30), (t1, left)
assert not t2["newTicket"] and t2["expires"] == t1["expires"], (t1, t2)
print(f"machine ticket: 5 minutes left -> a new one until {t1['expires']}; the next sync reuses it")
PY
grep -q "kerberos: a new ticket from the keytab, valid until" "$dtmp/t1.err" || fail "the renewal is not said"

# DC locator: a second DC in the SRV answers (before dc1: a higher weight at the same priority, in the
# site's and the domain's records) that does not answer: the sync goes on with the next DC and says so.
dns() { "$GPA_LAB_EXEC" samba-tool dns "$@" -U "$GPA_ADMIN_USER%$GPA_ADMIN_PASSWORD" -s "$GPA_DC_SMB_CONF" > /dev/null 2>&1; }
dns add "$GPA_DC_HOST" "$GPA_DNS_DOMAIN" dc9 A 127.0.0.9 || fail "samba-tool dns add dc9"
domain_cleanup_hooks+=("dns delete '$GPA_DC_HOST' '$GPA_DNS_DOMAIN' dc9 A 127.0.0.9")
for name in _ldap._tcp.dc _ldap._tcp.Default-First-Site-Name._sites.dc; do
    dns add "$GPA_DC_HOST" "_msdcs.$GPA_DNS_DOMAIN" "$name" SRV "dc9.$GPA_DNS_DOMAIN 389 0 200" || fail "SRV $name"
    domain_cleanup_hooks+=("dns delete '$GPA_DC_HOST' '_msdcs.$GPA_DNS_DOMAIN' '$name' SRV 'dc9.$GPA_DNS_DOMAIN 389 0 200'")
done
ctl1 "$dtmp/s9" sync --dry-run --json > "$dtmp/l9.json" 2> "$dtmp/l9.err" || { cat "$dtmp/l9.err"; fail "sync with a dead DC first"; }
[ "$(json_get "$dtmp/l9.json" 'd["dc"]')" = "$GPA_DC_HOST" ] || fail "dead DC first: synced with $(json_get "$dtmp/l9.json" 'd["dc"]')"
grep -q "ldap: discovering the GPOs that apply (2 domain controllers)" "$dtmp/l9.err" || fail "the locator did not find 2 DCs: $(cat "$dtmp/l9.err")"
grep -q "ldap: dc9.$GPA_DNS_DOMAIN: did not prove it is a domain controller: .*; trying the next domain controller" "$dtmp/l9.err" ||
    fail "the failover is not reported: $(cat "$dtmp/l9.err")"
echo "DC locator: $(grep -o "dc9.$GPA_DNS_DOMAIN: did not prove.*" "$dtmp/l9.err" | head -c 200)"

ctl2 "$s2" sync --dry-run --json > "$dtmp/l2.json" 2> "$dtmp/l2.err" || { cat "$dtmp/l2.err"; fail "LINUX2 sync"; }
python3 - "$dtmp/l2.json" "$GPA_GPO_DOMAIN" "$GPA_GPO_LINUX" "$GPA_GPO_SERVERS" <<'PY' || fail "LINUX2's policy"
import json, sys
d = json.load(open(sys.argv[1]))
dom, lnx, srv = (g.strip("{}") for g in sys.argv[2:5])
gpos = d["policy"]["domain"]["gpos"]
applied = [g["guid"].strip("{}") for g in gpos if g["applied"]]
assert applied == [dom], applied
why = {g["guid"].strip("{}"): g["reason"] for g in gpos if not g["applied"]}
assert why[srv] == "link disabled", why
assert why[lnx].startswith("inheritance blocked at OU=Blocked"), why
sub = {s["name"]: s for s in d["policy"]["subcategories"]}
assert sub["Process Creation"]["value"] == 1 and sub["Logon"]["value"] == 0, (sub["Process Creation"], sub["Logon"])
print(f"LINUX2: {applied}; skipped: {why}")
PY

# Cross-check with the real peer: samba-gpupdate --rsop on the joined LINUX1 member lists the GPOs it
# would apply. Samba does not drop a GPO whose computer version is 0 (Windows reports it "Empty"), so
# ours are compared with those added back, in order.
"$GPA_LAB_EXEC" --member samba-gpupdate -s "$GPA_MEMBER_SMB_CONF" --rsop > "$dtmp/rsop.txt" 2>&1 ||
    fail "samba-gpupdate --rsop: $(tail -5 "$dtmp/rsop.txt")"
sed -n 's/^GPO: //p' "$dtmp/rsop.txt" > "$dtmp/samba.list"
python3 - "$dtmp/l1.json" > "$dtmp/ours.list" <<'PY'
import json, sys
for g in json.load(open(sys.argv[1]))["policy"]["domain"]["gpos"]:
    if g["applied"] or g["reason"].startswith("computer version 0"):
        print(g["name"])
PY
diff -u "$dtmp/samba.list" "$dtmp/ours.list" || fail "samba-gpupdate --rsop and gpauditctl disagree on LINUX1's GPO list"
echo "samba-gpupdate --rsop agrees: $(paste -sd, "$dtmp/samba.list")"
echo PASS
