# Shared by the integration tests (sourced). Kernel hygiene: the kernel's audit rules and status are
# saved at the start and restored at the end, pass or fail; only rules the test added are removed,
# and only processes the test started are stopped, by PID.
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root to change audit rules (run the integration suite as root)"
command -v auditctl >/dev/null || fail "auditctl not found (install the auditd package)"
work=$(mktemp -d)
auditctl -s > "$work/status.before" 2>&1 || fail "audit status unavailable: $(cat "$work/status.before")"
auditctl -l > "$work/rules.before" || fail "cannot list audit rules"
saved_status() { awk -v k="$1" '$1 == k {print $2}' "$work/status.before"; }
[ "$(saved_status enabled)" = 2 ] && fail "the kernel's audit configuration is immutable (-e 2): cannot test here"
started_pids=()

# Deletes every rule listed now that was not listed when the test began. auditctl lists both a file
# watch and a directory tree rule as "-w PATH -p PERM -k KEY": try the explicit -F path= form first,
# then `auditctl -W`, which means a tree rule when PATH is a directory.
remove_added_rules() {
    auditctl -l > "$work/rules.now"
    grep -vxF -f "$work/rules.before" "$work/rules.now" | grep -v '^No rules' | while IFS= read -r rule; do
        case $rule in
            "-w "*)
                read -r _ path _ perm rest <<<"$rule"
                # shellcheck disable=SC2086
                auditctl -d always,exit -F path="$path" -F perm="$perm" $rest >/dev/null 2>&1 && continue
                del="-W ${rule#-w }"
                ;;
            "-a "*) del="-d ${rule#-a }" ;;
            *) continue ;;
        esac
        # shellcheck disable=SC2086 # the listed rule is split into auditctl's words on purpose
        auditctl $del >/dev/null 2>&1 || echo "WARNING: could not remove: $rule"
    done
}
restore_kernel() {
    for pid in "${started_pids[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    remove_added_rules
    auditctl -f "$(saved_status failure)" -b "$(saved_status backlog_limit)" -r "$(saved_status rate_limit)" >/dev/null
    auditctl -e "$(saved_status enabled)" >/dev/null
    if ! diff -u "$work/rules.before" <(auditctl -l) >/dev/null; then
        echo "WARNING: the kernel's rules differ from before the test"
    fi
    rm -rf "$work"
}
trap restore_kernel EXIT

# Rules added since the test began (lines of auditctl -l).
added_rules() { auditctl -l | grep -vxF -f "$work/rules.before" | grep -v '^No rules'; }

# start_private_auditd [KEY=VALUE...]: an auditd of the test's own (configuration, log and plugin
# directory under $work), started here, stopped by PID at the end (started_pids), registered with the
# kernel and audit enabled; fails when another audit daemon is already registered. KEY=VALUE replaces a
# line of the default auditd.conf. Sets auditd_pid and log ($work/log/audit.log).
start_private_auditd() {
    local current_pid
    current_pid=$(awk '$1 == "pid" {print $2}' "$work/status.before")
    if [ "$current_pid" != 0 ] && kill -0 "$current_pid" 2>/dev/null; then
        fail "an audit daemon (pid $current_pid) is already registered with the kernel; this test starts its own"
    fi
    mkdir -p "$work/auditd/plugins.d" "$work/log"
    local -A conf=([local_events]=yes [write_logs]=yes [log_file]="$work/log/audit.log" [log_group]=root
        [log_format]=ENRICHED [flush]=INCREMENTAL_ASYNC [freq]=1 [max_log_file]=64 [num_logs]=2
        [max_log_file_action]=ROTATE [space_left]=2 [space_left_action]=IGNORE [admin_space_left]=1
        [admin_space_left_action]=IGNORE [disk_full_action]=IGNORE [disk_error_action]=IGNORE
        [plugin_dir]="$work/auditd/plugins.d" [q_depth]=2000 [overflow_action]=IGNORE)
    local setting
    for setting in "$@"; do conf[${setting%%=*}]=${setting#*=}; done
    local key
    for key in "${!conf[@]}"; do printf '%s = %s\n' "$key" "${conf[$key]}"; done > "$work/auditd/auditd.conf"
    auditd -n -s nochange -c "$work/auditd" > "$work/auditd.out" 2>&1 &
    auditd_pid=$!
    started_pids+=("$auditd_pid")
    for _ in $(seq 50); do
        [ "$(auditctl -s | awk '$1 == "pid" {print $2}')" = "$auditd_pid" ] && break
        sleep 0.1
    done
    [ "$(auditctl -s | awk '$1 == "pid" {print $2}')" = "$auditd_pid" ] ||
        fail "auditd did not start: $(cat "$work/auditd.out")"
    auditctl -e 1 > /dev/null || fail "cannot enable audit"
    log="$work/log/audit.log"
}

# wait_for SECONDS COMMAND...: runs the command every 0.2 s until it succeeds; false when it has not
# within SECONDS.
wait_for() {
    local limit=$1
    shift
    local end=$((SECONDS + limit))
    while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.2; done
    return 1
}

# ours: how many of gpaudit's rules (key gpaudit-*) the kernel holds.
ours() { auditctl -l | grep -c 'key=gpaudit-'; }

# start_notify_listener SOCKET OUTPUT: systemd's notification socket, played by a listener of the test's
# own (stopped by PID at the end): each datagram becomes a line of OUTPUT. Returns once SOCKET is there.
start_notify_listener() {
    rm -f "$1" "$2"
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$1" "$2" &
    started_pids+=("$!")
    for _ in $(seq 50); do [ -S "$1" ] && break; sleep 0.1; done
}

# gpauditd_ready SOCKET LOG: waits until gpauditd has opened its control socket; fails showing LOG when it
# has not within 10 s.
gpauditd_ready() {
    for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.1; done
    cat "$2"
    fail "gpauditd did not open its control socket"
}

# start_gpauditd CONFIG LOG SOCKET [VAR=VALUE...]: gpauditd ($gpauditd) in the foreground with the
# privileges gpauditd.service gives it (no new privileges; of the capabilities only CAP_AUDIT_CONTROL and
# CAP_AUDIT_READ), inside the lab's network namespace when the test uses the lab ($GPA_LAB_EXEC), the
# VAR=VALUEs in its environment; LOG is emptied, then gets its output. Returns once its control socket
# SOCKET is there. Sets daemon_pid; stopped by stop_gpauditd, or by PID at the end (started_pids).
start_gpauditd() {
    local config=$1 out=$2 socket=$3
    shift 3
    : > "$out"
    env "$@" ${GPA_LAB_EXEC:+"$GPA_LAB_EXEC"} setpriv --no-new-privs --bounding-set=-all,+audit_control,+audit_read \
        --inh-caps=-all "$gpauditd" --config "$config" --foreground >> "$out" 2>&1 &
    daemon_pid=$!
    started_pids+=("$daemon_pid")
    gpauditd_ready "$socket" "$out"
}

# stop_gpauditd: SIGTERM to the gpauditd started last (daemon_pid); returns its exit status (0 when none
# runs).
stop_gpauditd() {
    [ -n "${daemon_pid:-}" ] || return 0
    kill -TERM "$daemon_pid" 2> /dev/null
    wait "$daemon_pid"
    local rc=$?
    daemon_pid=
    return $rc
}
