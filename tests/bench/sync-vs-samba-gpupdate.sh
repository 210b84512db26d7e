#!/bin/bash
# gpauditctl sync against samba-gpupdate, the Samba Group Policy client, in the same lab, interleaved
# in one run (this machine is noisy: compare the ratios, not the absolute figures).
#   sudo tests/bench/sync-vs-samba-gpupdate.sh [build/daemon/gpauditctl] [ROUNDS]
# Per round: gpauditctl sync --dry-run (in process; nothing changed: cached files), gpauditctl sync
# --dry-run --force (in process; full: every GPO's files fetched again), the same two answered by a
# running gpauditd over its socket (libsmbclient loaded, the LDAP and SMB sessions kept between syncs),
# samba-gpupdate --rsop, samba-gpupdate --force.
# Prints the median wall time of each, the ratios, and LDAP searches / round trips / SMB bytes of ours.
# gpauditd's own first sync loads the lab's policy into the kernel: the kernel's rules and status are
# restored at the end (tests/integration/lib.sh).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
ctl=${1:-$src/build/daemon/gpauditctl}
rounds=${2:-7}
[ "$(id -u)" = 0 ] || { echo "run as root (the lab's network namespace)"; exit 1; }
tmp=$(mktemp -d)
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
source "$src/tests/integration/lib.sh"
trap 'restore_kernel; rm -rf "$tmp"' EXIT
gpauditd=$(dirname "$ctl")/gpauditd
cat > "$tmp/gpauditd.conf" <<CONF
realm: $GPA_REALM
machine: LINUX1\$
keytab: $GPA_KEYTAB
state_dir: $tmp/dstate
socket: $tmp/control.sock
rules_file: $tmp/gpaudit.rules
refresh_interval: 1d
CONF
"$GPA_LAB_EXEC" "$gpauditd" --config "$tmp/gpauditd.conf" --foreground 2> "$tmp/gpauditd.log" &
started_pids+=("$!")
for _ in $(seq 100); do grep -q "sync ok" "$tmp/gpauditd.log" && break; sleep 0.2; done
grep -q "sync ok" "$tmp/gpauditd.log" || { cat "$tmp/gpauditd.log"; echo "gpauditd did not sync"; exit 1; }
# The client of gpauditd runs where an administrator's would: in the host's namespaces (the control
# socket is a path; only gpauditd itself needs the lab's network namespace to reach the DC).
daemon() { "$ctl" sync --dry-run --json --socket "$tmp/control.sock" "$@" 2>/dev/null; }
ours() {
    "$GPA_LAB_EXEC" "$ctl" sync --dry-run --json --realm "$GPA_REALM" --machine 'LINUX1$' --keytab "$GPA_KEYTAB" \
        --state-dir "$tmp/state" "$@" 2>/dev/null
}
peer() { "$GPA_LAB_EXEC" --member samba-gpupdate -s "$GPA_MEMBER_SMB_CONF" "$@" >/dev/null 2>&1; }
now() { date +%s%N; }
ours > "$tmp/warm.json" || { echo "gpauditctl sync failed"; exit 1; }   # warm the cache and the ticket
peer --rsop || { echo "samba-gpupdate failed"; exit 1; }
for kind in ours_unchanged ours_full daemon_unchanged daemon_full peer_rsop peer_force netns; do : > "$tmp/$kind"; done
for ((i = 0; i < rounds; i++)); do
    t=$(now); ours > "$tmp/unchanged.json"; echo $(($(now) - t)) >> "$tmp/ours_unchanged"
    t=$(now); ours --force > "$tmp/full.json"; echo $(($(now) - t)) >> "$tmp/ours_full"
    t=$(now); daemon > "$tmp/d_unchanged.json"; echo $(($(now) - t)) >> "$tmp/daemon_unchanged"
    t=$(now); daemon --force > "$tmp/d_full.json"; echo $(($(now) - t)) >> "$tmp/daemon_full"
    t=$(now); "$GPA_LAB_EXEC" true; echo $(($(now) - t)) >> "$tmp/netns"
    t=$(now); peer --rsop; echo $(($(now) - t)) >> "$tmp/peer_rsop"
    t=$(now); peer --force; echo $(($(now) - t)) >> "$tmp/peer_force"
done
python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
med = {k: statistics.median(int(x) for x in open(f"{d}/{k}")) / 1e6
       for k in ("ours_unchanged", "ours_full", "daemon_unchanged", "daemon_full", "peer_rsop", "peer_force", "netns")}
du = json.load(open(f"{d}/d_unchanged.json"))
df = json.load(open(f"{d}/d_full.json"))
u = json.load(open(f"{d}/unchanged.json"))
f = json.load(open(f"{d}/full.json"))
print(f"sync of LINUX1 against the lab DC, median of {rounds} interleaved rounds (wall time, ms)")
print(f"  gpauditctl sync --dry-run (unchanged)    {med['ours_unchanged']:8.1f}   LDAP {u['ldap']['searches']} searches / "
      f"{u['ldap']['roundTrips']} round trips, SMB {u['smb']['files']} files {u['smb']['bytes']} bytes")
print(f"  gpauditctl sync --dry-run --force (full) {med['ours_full']:8.1f}   LDAP {f['ldap']['searches']} searches / "
      f"{f['ldap']['roundTrips']} round trips, SMB {f['smb']['files']} files {f['smb']['bytes']} bytes")
print(f"  via gpauditd: sync --dry-run (unchanged) {med['daemon_unchanged']:8.1f}   LDAP {du['ldap']['searches']} searches / "
      f"{du['ldap']['roundTrips']} round trips, SMB {du['smb']['files']} files {du['smb']['bytes']} bytes")
print(f"  via gpauditd: sync --dry-run --force     {med['daemon_full']:8.1f}   LDAP {df['ldap']['searches']} searches / "
      f"{df['ldap']['roundTrips']} round trips, SMB {df['smb']['files']} files {df['smb']['bytes']} bytes")
print(f"  samba-gpupdate --rsop                    {med['peer_rsop']:8.1f}")
print(f"  samba-gpupdate --force                   {med['peer_force']:8.1f}")
print(f"ratios: samba-gpupdate --force / ours full = {med['peer_force'] / med['ours_full']:.1f}x; "
      f"--rsop / ours full = {med['peer_rsop'] / med['ours_full']:.1f}x; "
      f"--rsop / ours unchanged = {med['peer_rsop'] / med['ours_unchanged']:.1f}x")
print(f"ratios via gpauditd: samba-gpupdate --force / full = {med['peer_force'] / med['daemon_full']:.1f}x; "
      f"--rsop / unchanged = {med['peer_rsop'] / med['daemon_unchanged']:.1f}x")
# The in-process gpauditctl and samba-gpupdate start by entering the lab's namespaces (labexec: ip netns
# exec, bind mounts), which a real host does not do; measured in the same rounds and taken off them
# (the client of gpauditd does not enter them).
n = med["netns"]
print(f"entering the lab's namespaces (labexec true): {n:.1f} ms per command; without it:")
print(f"  ours full {med['ours_full'] - n:.1f}, samba-gpupdate --force {med['peer_force'] - n:.1f}, "
      f"--rsop {med['peer_rsop'] - n:.1f}")
print(f"  ratios: --force / ours full = {(med['peer_force'] - n) / (med['ours_full'] - n):.1f}x; "
      f"--force / via gpauditd full = {(med['peer_force'] - n) / med['daemon_full']:.1f}x; "
      f"--rsop / via gpauditd unchanged = {(med['peer_rsop'] - n) / med['daemon_unchanged']:.1f}x")
print(f"LDAP session kept by gpauditd: unchanged {du['ldap'].get('sessionKept')}, full {df['ldap'].get('sessionKept')}")
print("gpauditd's own time per sync (totalMs, last round): unchanged "
      f"{du['totalMs']:.1f} ms {du['stagesMs']}, full {df['totalMs']:.1f} ms {df['stagesMs']}")
PY
