#!/bin/bash
# gpauditctl sync against samba-gpupdate, the Samba Group Policy client, in the same lab, interleaved
# in one run (this machine is noisy: compare the ratios, not the absolute figures).
#   sudo tests/bench/sync-vs-samba-gpupdate.sh [build/daemon/gpauditctl] [ROUNDS]
# Per round: gpauditctl sync --dry-run (nothing changed: cached files), gpauditctl sync --dry-run
# --force (full: every GPO's files fetched again), samba-gpupdate --rsop, samba-gpupdate --force.
# Prints the median wall time of each, the ratios, and LDAP searches / round trips / SMB bytes of ours.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
ctl=${1:-$src/build/daemon/gpauditctl}
rounds=${2:-7}
[ "$(id -u)" = 0 ] || { echo "run as root (the lab's network namespace)"; exit 1; }
tmp=$(mktemp -d)
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
trap 'rm -rf "$tmp"' EXIT
ours() {
    "$GPA_LAB_EXEC" "$ctl" sync --dry-run --json --realm "$GPA_REALM" --machine 'LINUX1$' --keytab "$GPA_KEYTAB" \
        --state-dir "$tmp/state" "$@" 2>/dev/null
}
peer() { "$GPA_LAB_EXEC" --member samba-gpupdate -s "$GPA_MEMBER_SMB_CONF" "$@" >/dev/null 2>&1; }
now() { date +%s%N; }
ours > "$tmp/warm.json" || { echo "gpauditctl sync failed"; exit 1; }   # warm the cache and the ticket
peer --rsop || { echo "samba-gpupdate failed"; exit 1; }
for kind in ours_unchanged ours_full peer_rsop peer_force; do : > "$tmp/$kind"; done
for ((i = 0; i < rounds; i++)); do
    t=$(now); ours > "$tmp/unchanged.json"; echo $(($(now) - t)) >> "$tmp/ours_unchanged"
    t=$(now); ours --force > "$tmp/full.json"; echo $(($(now) - t)) >> "$tmp/ours_full"
    t=$(now); peer --rsop; echo $(($(now) - t)) >> "$tmp/peer_rsop"
    t=$(now); peer --force; echo $(($(now) - t)) >> "$tmp/peer_force"
done
python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
med = {k: statistics.median(int(x) for x in open(f"{d}/{k}")) / 1e6
       for k in ("ours_unchanged", "ours_full", "peer_rsop", "peer_force")}
u = json.load(open(f"{d}/unchanged.json"))
f = json.load(open(f"{d}/full.json"))
print(f"sync of LINUX1 against the lab DC, median of {rounds} interleaved rounds (wall time, ms)")
print(f"  gpauditctl sync --dry-run (unchanged)    {med['ours_unchanged']:8.1f}   LDAP {u['ldap']['searches']} searches / "
      f"{u['ldap']['roundTrips']} round trips, SMB {u['smb']['files']} files {u['smb']['bytes']} bytes")
print(f"  gpauditctl sync --dry-run --force (full) {med['ours_full']:8.1f}   LDAP {f['ldap']['searches']} searches / "
      f"{f['ldap']['roundTrips']} round trips, SMB {f['smb']['files']} files {f['smb']['bytes']} bytes")
print(f"  samba-gpupdate --rsop                    {med['peer_rsop']:8.1f}")
print(f"  samba-gpupdate --force                   {med['peer_force']:8.1f}")
print(f"ratios: samba-gpupdate --force / ours full = {med['peer_force'] / med['ours_full']:.1f}x; "
      f"--rsop / ours full = {med['peer_rsop'] / med['ours_full']:.1f}x; "
      f"--rsop / ours unchanged = {med['peer_rsop'] / med['ours_unchanged']:.1f}x")
PY
