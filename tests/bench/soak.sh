#!/bin/bash
# gpauditd soak against the lab DC: 1,000 syncs asked over the control socket (each applied to the real
# kernel), with a GPO's version and content changing every 100 syncs; the daemon's RSS after the first
# sync, after 100 and at the end (flat = no growth), its idle RSS and its wakeups per minute when
# nothing happens (voluntary context switches over 60 s, the default 5 s drift check), then SIGTERM.
#   sudo tests/bench/soak.sh [BUILD_DIR] [SYNCS]
# With an AddressSanitizer build (meson setup build-asan -Db_sanitize=address) LeakSanitizer checks the
# daemon at exit: its report (none = no leaks) is printed. Kernel rules/status restored (lib.sh).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
syncs=${2:-1000}
ctl=$build/daemon/gpauditctl
daemon=$build/daemon/gpauditd
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }
tmp=$(mktemp -d)
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
source "$src/tests/integration/domain-lib.sh" "$ctl" "$src" > /dev/null 2>&1
source "$src/tests/integration/lib.sh"
lnx=$GPA_GPO_LINUX
lnx_csv="$GPA_POLICIES_DIR/$lnx/Machine/Microsoft/Windows NT/Audit/audit.csv"
cp "$lnx_csv" "$tmp/lnx.orig"
lnx_version=$(gpc_version "$lnx")
cleanup() {
    cp "$tmp/lnx.orig" "$lnx_csv"
    gpc_modify "$lnx" "replace: versionNumber
versionNumber: $lnx_version
-"
    "$GPA_LAB_EXEC" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1
    domain_cleanup
    restore_kernel
    rm -rf "$tmp"
}
trap cleanup EXIT
cat > "$tmp/gpauditd.conf" <<CONF
realm: $GPA_REALM
machine: LINUX1\$
keytab: $GPA_KEYTAB
state_dir: $tmp/state
socket: $tmp/control.sock
rules_file: $tmp/gpaudit.rules
refresh_interval: 1d
CONF
ASAN_OPTIONS=detect_leaks=1:log_path=$tmp/asan "$GPA_LAB_EXEC" "$daemon" --config "$tmp/gpauditd.conf" --foreground \
    2> "$tmp/gpauditd.log" &
pid=$!
started_pids+=("$pid")
for _ in $(seq 300); do grep -q "sync ok" "$tmp/gpauditd.log" && break; sleep 0.2; done
grep -q "sync ok" "$tmp/gpauditd.log" || { cat "$tmp/gpauditd.log"; echo "no first sync"; exit 1; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
rss_first=$(rss)
failed=0
changes=0
start=$(date +%s)
for ((i = 1; i <= syncs; i++)); do
    if ((i % 100 == 0)); then
        changes=$((changes + 1))
        if ((changes % 2)); then
            printf '%s\n' ',System,Kernel Object,{0CCE921F-69AE-11D9-BED3-505054503030},Success,,1' > "$tmp/new.csv"
        else
            printf '%s\n' ',System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success,,1' > "$tmp/new.csv"
        fi
        gpo_set "$lnx" $((lnx_version + changes)) "$CSE_AUD" "$tmp/new.csv"
    fi
    "$GPA_LAB_EXEC" "$ctl" sync --socket "$tmp/control.sock" > /dev/null 2> "$tmp/last.err" || failed=$((failed + 1))
    ((i == 100)) && rss_100=$(rss)
done
elapsed=$(($(date +%s) - start))
rss_end=$(rss)
"$GPA_LAB_EXEC" "$ctl" status --json --socket "$tmp/control.sock" > "$tmp/status.json"
echo "soak: $syncs syncs in ${elapsed}s, $failed failed, $changes GPO changes ($(grep -c 'policy changed' "$tmp/gpauditd.log") logged)"
echo "soak: RSS after the first sync ${rss_first} KiB, after 100 syncs ${rss_100} KiB, after $syncs syncs ${rss_end} KiB"
sw() { awk '/^voluntary_ctxt_switches/ {v=$2} /^nonvoluntary_ctxt_switches/ {n=$2} END {print v + n}' "/proc/$pid/status"; }
sleep 2
s0=$(sw)
sleep 60
s1=$(sw)
echo "idle: RSS $(rss) KiB, $((s1 - s0)) context switches in 60 s (drift check every 5 s, no syncs due)"
if command -v strace > /dev/null; then
    # Wakeups proper: returns from the event loop's epoll_wait in 60 s.
    timeout -s INT 60 strace -p "$pid" -e trace=epoll_wait -o "$tmp/strace.out" 2> /dev/null
    echo "idle: $(grep -c '^epoll_wait' "$tmp/strace.out") event loop wakeups in 60 s"
fi
kill -TERM "$pid"
wait "$pid"
echo "gpauditd exit status $?"
if ls "$tmp"/asan* > /dev/null 2>&1; then
    echo "LeakSanitizer/AddressSanitizer report:"
    cat "$tmp"/asan*
elif [ -n "$(nm -D "$daemon" 2>/dev/null | grep -m1 __asan_init)" ] || ldd "$daemon" | grep -q libasan; then
    echo "LeakSanitizer: no report (no leaks, no errors)"
fi
