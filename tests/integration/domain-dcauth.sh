#!/bin/bash
# A DC must prove it is one (issue 11): DNS is not authenticated, and any domain user can create a
# computer account with an ldap/ SPN (MachineAccountQuota) and, with an ADIDNS record, be offered by the
# DC locator. In the lab: a computer account ROGUE$ with ldap/rogue.gpa.test, an A record and SRV records
# that put it first, and a host at its address (tests/integration/rogue_dc.py, in the lab's namespace):
#  1. it answers port 88 with something that is not a KDC's reply: the sync says "rogue.gpa.test: did not
#     prove it is a domain controller: ..." and uses dc1; LDAP is never opened to the rogue;
#  2. it relays Kerberos and LDAP to the real DC (an on-path host could): the AS exchange succeeds through
#     it, and the directory (the real DC's, through the relay) says rogue.gpa.test is no DC: refused;
#  2b. a name in front of the real DC that is not a DC account's dNSHostName: refused by the directory;
#  3. dc_pin = dc1: the rogue is never contacted (not one packet), and --server rogue is refused.
# Everything created here (account, DNS records, the address, the processes) is removed at the end.
set -u
source "$(dirname "$0")/domain-lib.sh" "$1" "$2"
trap domain_cleanup EXIT
rogue_ip=127.0.0.10
rogue=rogue.$GPA_DNS_DOMAIN
dns() { "$GPA_LAB_EXEC" samba-tool dns "$@" -U "$GPA_ADMIN_USER%$GPA_ADMIN_PASSWORD" -s "$GPA_DC_SMB_CONF" > /dev/null 2>&1; }

# The rogue's account, as any domain user may create one, with the SPN the old check asked for.
samba_tool computer create ROGUE --service-principal-name="ldap/$rogue" > "$dtmp/computer.out" 2>&1 ||
    fail "samba-tool computer create ROGUE: $(cat "$dtmp/computer.out")"
domain_cleanup_hooks+=("samba_tool computer delete ROGUE > /dev/null 2>&1")
"$GPA_LAB_EXEC" ldbsearch -H "$GPA_SAM_LDB" "(sAMAccountName=ROGUE\$)" servicePrincipalName 2>/dev/null |
    grep -q "servicePrincipalName: ldap/$rogue" || fail "ROGUE\$ has no ldap/$rogue SPN"
ip -n "$GPA_LAB_NETNS" addr add "$rogue_ip/8" dev lo || fail "cannot add $rogue_ip in the lab namespace"
domain_cleanup_hooks+=("ip -n '$GPA_LAB_NETNS' addr del '$rogue_ip/8' dev lo")
dns add "$GPA_DC_HOST" "$GPA_DNS_DOMAIN" rogue A "$rogue_ip" || fail "samba-tool dns add rogue"
domain_cleanup_hooks+=("dns delete '$GPA_DC_HOST' '$GPA_DNS_DOMAIN' rogue A '$rogue_ip'")
# First in the site's and the domain's SRV answers (a higher weight than dc1's at the same priority).
for name in _ldap._tcp.dc _ldap._tcp.Default-First-Site-Name._sites.dc; do
    dns add "$GPA_DC_HOST" "_msdcs.$GPA_DNS_DOMAIN" "$name" SRV "$rogue 389 0 300" || fail "SRV $name"
    domain_cleanup_hooks+=("dns delete '$GPA_DC_HOST' '_msdcs.$GPA_DNS_DOMAIN' '$name' SRV '$rogue 389 0 300'")
done

rogue_pid=
start_rogue() { # MODE
    stop_rogue
    : > "$dtmp/rogue.log"
    "$GPA_LAB_EXEC" python3 "$source_dir/tests/integration/rogue_dc.py" "$1" "$rogue_ip" "$GPA_DC_IP" \
        "$dtmp/rogue.log" > "$dtmp/rogue.out" 2>&1 &
    rogue_pid=$!
    for _ in $(seq 50); do grep -q ready "$dtmp/rogue.log" 2> /dev/null && return 0; sleep 0.1; done
    cat "$dtmp/rogue.out"
    fail "the rogue host did not start"
}
stop_rogue() { [ -n "$rogue_pid" ] && kill "$rogue_pid" 2> /dev/null && wait "$rogue_pid" 2> /dev/null; rogue_pid=; }
domain_cleanup_hooks=(stop_rogue "${domain_cleanup_hooks[@]}")
packets() { grep -c -v ready "$dtmp/rogue.log"; }

# 1. Something answers port 88 that is not a KDC.
start_rogue garbage
ctl1 "$dtmp/s1" sync --dry-run --json > "$dtmp/1.json" 2> "$dtmp/1.err" || { cat "$dtmp/1.err"; fail "sync with a rogue DC first"; }
grep -q "ldap: discovering the GPOs that apply (2 domain controllers)" "$dtmp/1.err" ||
    fail "the locator did not offer the rogue: $(cat "$dtmp/1.err")"
grep -q "ldap: $rogue: did not prove it is a domain controller: no AS exchange for LINUX1\\\$@GPA.TEST with it ($rogue_ip port 88: .*); trying the next domain controller" "$dtmp/1.err" ||
    fail "the rogue's refusal is not said: $(cat "$dtmp/1.err")"
grep -q "ldap: $GPA_DC_HOST ($GPA_DC_IP) proved it is a domain controller" "$dtmp/1.err" ||
    fail "dc1's proof is not said: $(cat "$dtmp/1.err")"
python3 - "$dtmp/1.json" "$GPA_DC_HOST" "$GPA_DC_IP" "$rogue" <<'PY' || fail "the sync's DC"
import json, sys
d = json.load(open(sys.argv[1]))
dc, ip, rogue = sys.argv[2:5]
assert d["dc"] == dc, d["dc"]
l = d["ldap"]
assert l["address"] == ip and l["dcProved"] and l["dcChecks"] == 1, l
assert len(l["dcRefused"]) == 1 and l["dcRefused"][0].startswith(rogue + ": did not prove it is a domain controller"), l
print("1. refused:", l["dcRefused"][0])
PY
grep -q '^udp88' "$dtmp/rogue.log" || fail "the AS request did not go to the rogue's address: $(cat "$dtmp/rogue.log")"
grep -q '^tcp389' "$dtmp/rogue.log" && fail "LDAP was opened to the rogue before it proved anything"
echo "   the rogue saw: $(grep -v ready "$dtmp/rogue.log" | sort | uniq -c | xargs)"

# 1b. The proof is kept with the TGT dc1 issued (README, "Is the DC a DC?"): the next sync in the same
# state directory binds to dc1's recorded address with the kept ldap/ ticket: no locator (the rogue's
# SRV records are not even read), no packet to the rogue, no AS exchange, no directory check.
: > "$dtmp/rogue.log"
ctl1 "$dtmp/s1" sync --dry-run --json > "$dtmp/1b.json" 2> "$dtmp/1b.err" || { cat "$dtmp/1b.err"; fail "second sync (kept proof)"; }
python3 - "$dtmp/1b.json" "$GPA_DC_HOST" "$GPA_DC_IP" <<'PY' || fail "the kept proof: $(cat "$dtmp/1b.err")"
import json, sys
d = json.load(open(sys.argv[1]))
dc, ip = sys.argv[2:4]
l = d["ldap"]
assert d["result"] == "ok" and d["dc"] == dc and l["address"] == ip, (d["result"], d["dc"], l)
assert l["dcProofKept"] and not l["dcProved"] and l["dcChecks"] == 0 and not l["dcRefused"], l
assert "locate" not in d["stagesMs"] and not d["kerberos"]["newTicket"], (d["stagesMs"], d["kerberos"])
print("1b. kept proof: bound to", l["address"], "with the ticket's proof;", l["searches"], "searches, stages", d["stagesMs"])
PY
[ "$(packets)" = 0 ] || fail "a sync with a kept proof contacted the rogue: $(cat "$dtmp/rogue.log")"
# When the recorded DC does not answer, the sync says so and locates and proves as before (here LDAP
# on dc1 is refused for that sync: the rogue is refused again and dc1 fails too).
ip netns exec "$GPA_LAB_NETNS" nft -f - <<NFT || fail "nft"
table inet gpaudit_dcauth {
    chain input { type filter hook input priority 0; ip daddr $GPA_DC_IP tcp dport 389 reject with tcp reset; }
}
NFT
domain_cleanup_hooks+=("ip netns exec '$GPA_LAB_NETNS' nft delete table inet gpaudit_dcauth 2> /dev/null")
ctl1 "$dtmp/s1" sync --dry-run --json > "$dtmp/1c.json" 2> "$dtmp/1c.err"
ip netns exec "$GPA_LAB_NETNS" nft delete table inet gpaudit_dcauth || fail "nft delete"
grep -q "ldap: $GPA_DC_HOST ($GPA_DC_IP), proved a domain controller with this machine ticket, failed (.*); locating the domain controllers" "$dtmp/1c.err" ||
    fail "no fallback from the kept proof: $(cat "$dtmp/1c.err")"
grep -q "ldap: $rogue: did not prove it is a domain controller" "$dtmp/1c.err" ||
    fail "the fallback did not prove the DCs again: $(cat "$dtmp/1c.err")"
# A new TGT (here put in the state directory by kinit) carries no proof: the next sync proves again.
"$GPA_LAB_EXEC" kinit -k -t "$GPA_KEYTAB" -c "FILE:$dtmp/s1/krb5cc" "$GPA_MACHINE_PRINCIPAL" > /dev/null 2>&1 || fail "kinit"
ctl1 "$dtmp/s1" sync --dry-run --json > "$dtmp/1d.json" 2> "$dtmp/1d.err" || { cat "$dtmp/1d.err"; fail "sync with a new TGT"; }
json_get "$dtmp/1d.json" '(d["ldap"]["dcProved"], d["ldap"]["dcProofKept"], d["dc"])' | grep -qx "(True, False, '$GPA_DC_HOST')" ||
    fail "a new TGT did not make a new proof: $(json_get "$dtmp/1d.json" 'd["ldap"]')"
ctl1 "$dtmp/s1" sync --dry-run --json > "$dtmp/1e.json" 2> /dev/null || fail "sync after the new proof"
json_get "$dtmp/1e.json" '(d["ldap"]["dcProved"], d["ldap"]["dcProofKept"])' | grep -qx "(False, True)" ||
    fail "the new proof was not kept: $(json_get "$dtmp/1e.json" 'd["ldap"]')"
echo "1c. kept proof: a refused bind falls back to the locator and the proof; a new TGT is proved again, then kept"

# 2. The rogue relays port 88 (and 389) to the real DC: the AS exchange succeeds through it; the
# directory says the SPN's account is no DC.
start_rogue relay
ctl1 "$dtmp/s2" sync --dry-run --json > "$dtmp/2.json" 2> "$dtmp/2.err" || { cat "$dtmp/2.err"; fail "sync with a relaying rogue first"; }
[ "$(json_get "$dtmp/2.json" 'd["dc"]')" = "$GPA_DC_HOST" ] || fail "synced with $(json_get "$dtmp/2.json" 'd["dc"]')"
grep -q '^udp88\|^tcp88' "$dtmp/rogue.log" || fail "nothing relayed: $(cat "$dtmp/rogue.log")"
if grep -q "ldap: $rogue: did not prove it is a domain controller: the directory has no domain controller named $rogue" "$dtmp/2.err"; then
    echo "2. relay: AS exchange through the rogue succeeded, LDAP bound; refused by the directory check"
elif grep -q "ldap: $rogue failed (LDAP GSSAPI bind" "$dtmp/2.err"; then
    echo "2. relay: AS exchange through the rogue succeeded; the real DC refused the bind for ldap/$rogue"
    grep -o "ldap: $rogue failed.*" "$dtmp/2.err" | head -c 300; echo
else
    fail "the relaying rogue was not refused: $(cat "$dtmp/2.err")"
fi

# 2b. The directory check on its own: a name that is not a DC's dNSHostName, in front of the real DC
# (alias.gpa.test -> dc1's address, with an ldap/alias SPN on DC1$: the AS exchange and the GSSAPI bind
# succeed), is refused: only a name whose account is a DC's is used for LDAP and SMB.
stop_rogue
samba_tool spn add "ldap/alias.$GPA_DNS_DOMAIN" 'DC1$' > "$dtmp/spn.out" 2>&1 || fail "spn add: $(cat "$dtmp/spn.out")"
domain_cleanup_hooks+=("samba_tool spn delete 'ldap/alias.$GPA_DNS_DOMAIN' 'DC1\$' > /dev/null 2>&1")
dns add "$GPA_DC_HOST" "$GPA_DNS_DOMAIN" alias A "$GPA_DC_IP" || fail "samba-tool dns add alias"
domain_cleanup_hooks+=("dns delete '$GPA_DC_HOST' '$GPA_DNS_DOMAIN' alias A '$GPA_DC_IP'")
ctl1 "$dtmp/s2b" sync --dry-run --json --server "alias.$GPA_DNS_DOMAIN" > "$dtmp/2b.json" 2> "$dtmp/2b.err"
rc=$?
[ $rc = 1 ] || fail "a sync through alias.$GPA_DNS_DOMAIN exited $rc (1: no DC and nothing cached): $(cat "$dtmp/2b.err")"
grep -q "alias.$GPA_DNS_DOMAIN: did not prove it is a domain controller: the directory has no domain controller named alias.$GPA_DNS_DOMAIN" "$dtmp/2b.err" ||
    fail "the alias is not refused by the directory check: $(cat "$dtmp/2b.err")"
echo "2b. $(grep -o "alias.$GPA_DNS_DOMAIN: did not prove.*" "$dtmp/2b.err" | head -1 | head -c 250)"

# 3. dc_pin: only dc1 is ever contacted, whatever DNS says.
start_rogue garbage
cat > "$dtmp/pin.conf" <<CONF
dc_pin: $GPA_DC_HOST
CONF
ctl1 "$dtmp/s3" sync --dry-run --json --config "$dtmp/pin.conf" > "$dtmp/3.json" 2> "$dtmp/3.err" ||
    { cat "$dtmp/3.err"; fail "sync with dc_pin"; }
[ "$(json_get "$dtmp/3.json" 'd["dc"]')" = "$GPA_DC_HOST" ] || fail "dc_pin: synced with $(json_get "$dtmp/3.json" 'd["dc"]')"
grep -q "locate: not in dc_pin, never contacted: $rogue" "$dtmp/3.err" || fail "dc_pin: $(cat "$dtmp/3.err")"
grep -q "ldap: discovering the GPOs that apply (1 domain controller)" "$dtmp/3.err" || fail "dc_pin: $(cat "$dtmp/3.err")"
[ "$(packets)" = 0 ] || fail "dc_pin: the rogue was contacted: $(cat "$dtmp/rogue.log")"
ctl1 "$dtmp/s3" sync --dry-run --config "$dtmp/pin.conf" --server "$rogue" > "$dtmp/3b.out" 2> "$dtmp/3b.err"
rc=$?
[ $rc != 0 ] || fail "--server $rogue outside dc_pin was accepted"
grep -q "the server $rogue is not in dc_pin ($GPA_DC_HOST): refusing to contact it" "$dtmp/3b.err" ||
    fail "--server outside dc_pin: $(cat "$dtmp/3b.err")"
[ "$(packets)" = 0 ] || fail "dc_pin: --server contacted the rogue: $(cat "$dtmp/rogue.log")"
echo "3. dc_pin: the rogue got 0 packets; --server $rogue refused (exit $rc)"
echo PASS
