#!/bin/bash
# gpauditctl sync against samba-gpupdate, the Samba Group Policy client, in the same lab, interleaved
# in one run (this machine is noisy: compare the ratios, not the absolute figures).
#   sudo flock /tmp/gpa-integration.lock tests/bench/sync-vs-samba-gpupdate.sh [build/daemon/gpauditctl] [ROUNDS]
#        [--scale] [--before OTHER/gpauditctl]
# --scale: the scale lab (tests/bench/scale-lab.sh: LINUX1 8 OUs deep, 120 GPOs linked along its path,
# made for the run and removed at the end). --before: another build's gpauditctl (main's) runs the same
# in-process syncs in the same rounds, for its figures beside ours.
# Per round: gpauditctl sync --dry-run (in process; nothing changed: cached files), gpauditctl sync
# --dry-run --force (in process; full: every GPO's files fetched again), the same two answered by a
# running gpauditd over its socket (libsmbclient loaded, the LDAP and SMB sessions kept between syncs),
# samba-gpupdate --rsop, samba-gpupdate --force. With --scale also the full sync with fetch workers
# (fetch_workers: 4, gpauditd.conf(5): files read concurrently by worker processes), in process and
# through a second gpauditd (report_only: it never touches the kernel), beside the default
# (fetch_workers: 0, every file read one after another), for the figures sequential against
# concurrent side by side.
# Prints the median wall time of each, the ratios, and LDAP searches / round trips / SMB bytes of ours,
# and gpauditd's memory right after the rounds and once idle, after the dry runs and after an applied sync
# (Rss, Pss and Uss from /proc/PID/smaps_rollup).
# gpauditd's own first sync loads the lab's policy into the kernel: the kernel's rules and status are
# restored at the end (tests/integration/lib.sh).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
scale=
before=
positional=()
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=1 ;;
        --before) before=$2; shift ;;
        *) positional+=("$1") ;;
    esac
    shift
done
ctl=${positional[0]:-$src/build/daemon/gpauditctl}
rounds=${positional[1]:-7}
[ "$(id -u)" = 0 ] || { echo "run as root (the lab's network namespace)"; exit 1; }
tmp=$(mktemp -d)
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
source "$src/tests/integration/lib.sh"
# The daemons this run started get 5 s to end at SIGTERM, then SIGKILL: a hung one must not keep the
# lab's lock (restore_kernel waits for each).
stop_daemons() {
    local pid
    for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${started_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "${started_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
}
trap 'stop_daemons; restore_kernel; [ -n "$scale" ] && scale_down; rm -rf "$tmp"' EXIT
if [ -n "$scale" ]; then
    source "$src/tests/bench/scale-lab.sh"
    t=$(date +%s%N)
    scale_up 120 8 || { echo "the scale lab could not be made"; exit 1; }
    echo "scale lab: LINUX1 8 OUs deep, 120 GPOs linked along its path (made in $((($(date +%s%N) - t) / 1000000)) ms)"
fi
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
for _ in $(seq 150); do grep -q "sync ok" "$tmp/gpauditd.log" && break; sleep 0.2; done
grep -q "sync ok" "$tmp/gpauditd.log" || { cat "$tmp/gpauditd.log"; echo "gpauditd did not sync"; exit 1; }
printf 'fetch_workers: 4\n' > "$tmp/concurrent.conf"
if [ -n "$scale" ]; then
    # The second gpauditd: files read by up to 4 fetch workers at once; report_only.
    sed -e "s|$tmp/dstate|$tmp/dstate-conc|; s|$tmp/control.sock|$tmp/control-conc.sock|" \
        -e "s|$tmp/gpaudit.rules|$tmp/gpaudit-conc.rules|" "$tmp/gpauditd.conf" > "$tmp/gpauditd-conc.conf"
    printf 'fetch_workers: 4\nreport_only: true\n' >> "$tmp/gpauditd-conc.conf"
    "$GPA_LAB_EXEC" "$gpauditd" --config "$tmp/gpauditd-conc.conf" --foreground 2> "$tmp/gpauditd-conc.log" &
    started_pids+=("$!")
    for _ in $(seq 150); do grep -q "sync ok" "$tmp/gpauditd-conc.log" && break; sleep 0.2; done
    grep -q "sync ok" "$tmp/gpauditd-conc.log" ||
        { cat "$tmp/gpauditd-conc.log"; echo "the second gpauditd (fetch_workers: 4) did not sync"; exit 1; }
fi
# gpauditd's own PID (labexec's child), for its memory.
gpauditd_pid=
for p in $(pgrep -f -- "--config $tmp/gpauditd.conf"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = gpauditd ] && gpauditd_pid=$p
done
# Pss depends on what else maps the same files (a second gpauditd, a DC on the same host): Uss (Private_Clean
# + Private_Dirty, what is this process's alone) is printed beside it.
memory() { awk '$1 == "Rss:" || $1 == "Pss:" || $1 == "Pss_Anon:" || $1 == "Pss_File:" {printf "%s %.1f MiB  ", $1, $2 / 1024}
        $1 == "Private_Clean:" || $1 == "Private_Dirty:" {uss += $2} END {printf "Uss: %.1f MiB  ", uss / 1024}' \
    "/proc/$gpauditd_pid/smaps_rollup"
    [ -n "$conc_pid" ] && printf "(the second gpauditd, fetch_workers: 4: Pss %s, fetch workers alive: %s)" \
        "$(awk '$1 == "Pss:" {printf "%.1f MiB", $2 / 1024}' "/proc/$conc_pid/smaps_rollup")" "$(pgrep -c -P "$conc_pid")"; }
# Where gpauditd's Pss is: per file mapped (all its mappings together), the heap, and the anonymous
# mappings, the largest first.
where() { awk '/^[0-9a-f]+-[0-9a-f]+ / {name = NF >= 6 ? $6 : "[anon]"; sub(".*/", "", name)}
        $1 == "Pss:" {pss[name] += $2}
        END {for (n in pss) if (pss[n] >= 64) printf "%d %s\n", pss[n], n}' "/proc/$gpauditd_pid/smaps" |
    sort -rn | head -12 | awk '{printf "%s %.2f  ", $2, $1 / 1024}'; }
conc_pid=
for p in $(pgrep -f -- "--config $tmp/gpauditd-conc.conf"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = gpauditd ] && conc_pid=$p
done
# The client of gpauditd runs where an administrator's would: in the host's namespaces (the control
# socket is a path; only gpauditd itself needs the lab's network namespace to reach the DC).
daemon() { "$ctl" sync --dry-run --json --socket "$tmp/control.sock" "$@" 2>/dev/null; }
daemon_conc() { "$ctl" sync --dry-run --json --socket "$tmp/control-conc.sock" "$@" 2>/dev/null; }
ours() {
    "$GPA_LAB_EXEC" "$ctl" sync --dry-run --json --realm "$GPA_REALM" --machine 'LINUX1$' --keytab "$GPA_KEYTAB" \
        --state-dir "$tmp/state" "$@" 2>/dev/null
}
# In process with fetch workers (its own state directory, warmed the same).
ours_conc() {
    "$GPA_LAB_EXEC" "$ctl" sync --dry-run --json --config "$tmp/concurrent.conf" --realm "$GPA_REALM" \
        --machine 'LINUX1$' --keytab "$GPA_KEYTAB" --state-dir "$tmp/state-conc" "$@" 2>/dev/null
}
peer() { "$GPA_LAB_EXEC" --member samba-gpupdate -s "$GPA_MEMBER_SMB_CONF" "$@" >/dev/null 2>&1; }
old() {
    "$GPA_LAB_EXEC" "$before" sync --dry-run --json --realm "$GPA_REALM" --machine 'LINUX1$' --keytab "$GPA_KEYTAB" \
        --state-dir "$tmp/state-before" "$@" 2>/dev/null
}
now() { date +%s%N; }
ours > "$tmp/warm.json" || { echo "gpauditctl sync failed"; exit 1; }   # warm the cache and the ticket
[ -n "$scale" ] && { ours_conc > /dev/null || { echo "gpauditctl sync (fetch_workers: 4) failed"; exit 1; }; }
[ -n "$before" ] && { old > /dev/null || { echo "$before sync failed"; exit 1; }; }
peer --rsop || { echo "samba-gpupdate failed"; exit 1; }
for kind in ours_unchanged ours_full daemon_unchanged daemon_full peer_rsop peer_force netns before_unchanged before_full \
    ours_conc_full daemon_conc_full; do
    : > "$tmp/$kind"
done
for ((i = 0; i < rounds; i++)); do
    t=$(now); ours > "$tmp/unchanged.json"; echo $(($(now) - t)) >> "$tmp/ours_unchanged"
    t=$(now); ours --force > "$tmp/full.json"; echo $(($(now) - t)) >> "$tmp/ours_full"
    t=$(now); daemon > "$tmp/d_unchanged.json"; echo $(($(now) - t)) >> "$tmp/daemon_unchanged"
    t=$(now); daemon --force > "$tmp/d_full.json"; echo $(($(now) - t)) >> "$tmp/daemon_full"
    if [ -n "$scale" ]; then
        t=$(now); ours_conc --force > "$tmp/conc_full.json"; echo $(($(now) - t)) >> "$tmp/ours_conc_full"
        t=$(now); daemon_conc --force > "$tmp/dconc_full.json"; echo $(($(now) - t)) >> "$tmp/daemon_conc_full"
    fi
    t=$(now); "$GPA_LAB_EXEC" true; echo $(($(now) - t)) >> "$tmp/netns"
    t=$(now); peer --rsop; echo $(($(now) - t)) >> "$tmp/peer_rsop"
    t=$(now); peer --force; echo $(($(now) - t)) >> "$tmp/peer_force"
    if [ -n "$before" ]; then
        t=$(now); old > /dev/null; echo $(($(now) - t)) >> "$tmp/before_unchanged"
        t=$(now); old --force > /dev/null; echo $(($(now) - t)) >> "$tmp/before_full"
    fi
done
# Idle: gpauditd closes libsmbclient 30 s after its last sync (gpauditd(8), MEMORY), a dry run's as an
# applied one's. The rounds' syncs through gpauditd are dry runs; then one applied full sync (every file
# fetched again, the same policy applied: no change in the kernel) and idle again.
echo "gpauditd right after the rounds (pid $gpauditd_pid): $(memory)" > "$tmp/memory"
sleep 35
echo "gpauditd idle (35 s after its last sync, a dry run): $(memory)" >> "$tmp/memory"
"$ctl" sync --force --socket "$tmp/control.sock" > "$tmp/applied.txt" 2>&1 ||
    echo "gpauditd's applied sync failed: $(head -c 300 "$tmp/applied.txt")" >> "$tmp/memory"
echo "gpauditd right after an applied sync --force: $(memory)" >> "$tmp/memory"
sleep 35
echo "gpauditd idle (35 s after its last sync, an applied one): $(memory)" >> "$tmp/memory"
echo "gpauditd idle, where its Pss is (MiB): $(where)" >> "$tmp/memory"
python3 - "$tmp" "$rounds" "$scale" <<'PY'
import json, os, statistics, sys
d, rounds, scale = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = {k: statistics.median(int(x) for x in open(f"{d}/{k}")) / 1e6
       for k in ("ours_unchanged", "ours_full", "daemon_unchanged", "daemon_full", "peer_rsop", "peer_force", "netns",
                 "before_unchanged", "before_full", "ours_conc_full", "daemon_conc_full") if os.path.getsize(f"{d}/{k}")}
if scale:
    print("SCALE LAB: LINUX1 8 OUs deep, 120 GPOs linked along its path")
du = json.load(open(f"{d}/d_unchanged.json"))
df = json.load(open(f"{d}/d_full.json"))
u = json.load(open(f"{d}/unchanged.json"))
f = json.load(open(f"{d}/full.json"))
print(f"sync of LINUX1 against the lab DC, median of {rounds} interleaved rounds (wall time, ms)")
def proof(r):  # the DC's proof: made by this sync, or kept with the machine TGT (README, "Is the DC a DC?")
    return "DC proof kept" if r["ldap"].get("dcProofKept") else "DC proved" if r["ldap"].get("dcProved") else "no proof"
print(f"  gpauditctl sync --dry-run (unchanged)    {med['ours_unchanged']:8.1f}   LDAP {u['ldap']['searches']} searches / "
      f"{u['ldap']['roundTrips']} round trips, SMB {u['smb']['files']} files {u['smb']['bytes']} bytes, {proof(u)}; "
      f"stages {u['stagesMs']}")
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
print(f"in-process full sync's stages (last round): {f['stagesMs']}")
if "ours_conc_full" in med:
    c = json.load(open(f"{d}/conc_full.json"))
    dc = json.load(open(f"{d}/dconc_full.json"))
    pf = med["peer_force"]
    print("full sync at scale, sequential (fetch_workers: 0, the default) against concurrent (fetch_workers: 4), "
          "same rounds (ms):")
    print(f"  {'':34} {'sequential':>12} {'concurrent':>12}   samba-gpupdate --force / it: seq, conc")
    print(f"  {'in a fresh gpauditctl process':34} {med['ours_full']:12.1f} {med['ours_conc_full']:12.1f}   "
          f"{pf / med['ours_full']:.1f}x, {pf / med['ours_conc_full']:.1f}x")
    print(f"  {'through gpauditd':34} {med['daemon_full']:12.1f} {med['daemon_conc_full']:12.1f}   "
          f"{pf / med['daemon_full']:.1f}x, {pf / med['daemon_conc_full']:.1f}x")
    print(f"  fetch stage (last round): fresh {f['stagesMs']['fetch']:.1f} / {c['stagesMs']['fetch']:.1f}, "
          f"gpauditd {df['stagesMs']['fetch']:.1f} / {dc['stagesMs']['fetch']:.1f}; workers: fresh "
          f"{f['smb'].get('workers')} / {c['smb'].get('workers')}, gpauditd {df['smb'].get('workers')} / "
          f"{dc['smb'].get('workers')}; cached copies the same, not rewritten: {f['smb'].get('cacheUnchanged')}")
    def policy(x):  # the resultant policy and its rules, without the time of the sync
        p = dict(x["policy"])
        p.pop("domain", None)
        return json.dumps(p, sort_keys=True)
    same = len({policy(x) for x in (c, dc, f, df)}) == 1
    print(f"  the four give the same policy and rules: {same}")
if "before_full" in med:
    print(f"the other build (--before), in process: unchanged {med['before_unchanged']:.1f} ms, full {med['before_full']:.1f} ms "
          f"(samba-gpupdate --force / it = {med['peer_force'] / med['before_full']:.1f}x)")
print(f"FIGURE unchanged sync in a fresh process: samba-gpupdate --rsop / gpauditctl sync = "
      f"{med['peer_rsop'] / med['ours_unchanged']:.1f}x ({med['peer_rsop']:.0f} / {med['ours_unchanged']:.0f} ms)")
print(f"FIGURE full sync{' at scale' if scale else ''}: samba-gpupdate --force / via gpauditd = "
      f"{med['peer_force'] / med['daemon_full']:.1f}x ({med['peer_force']:.0f} / {med['daemon_full']:.0f} ms); "
      f"/ in a fresh process = {med['peer_force'] / med['ours_full']:.1f}x ({med['ours_full']:.0f} ms)")
PY
sed 's/^/FIGURE /' "$tmp/memory"
