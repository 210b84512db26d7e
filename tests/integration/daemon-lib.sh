# Shared by the tests of gpauditd with the lab DC (sourced by daemon.sh, daemon-control.sh,
# daemon-guard.sh, daemon-slowdc.sh): domain-lib.sh and lib.sh; gpauditd's files in $dtmp (state,
# control socket, log, configuration), lab_daemon_conf to write that configuration, ctl for gpauditctl
# over the socket; at the end gpauditd is stopped, the lab and the kernel restored (a test that has more
# to undo sets its own trap).
# Usage: source daemon-lib.sh GPAUDITCTL SOURCE_DIR GPAUDITD
gpauditd=$3
source "$(dirname "${BASH_SOURCE[0]}")/domain-lib.sh" "$1" "$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'stop_gpauditd; domain_cleanup; restore_kernel' EXIT
state=$dtmp/state
sock=$dtmp/control.sock
log=$dtmp/gpauditd.log
conf=$dtmp/gpauditd.conf
ctl() { "$GPA_LAB_EXEC" "$gpauditctl" "$@" --socket "$sock"; }

# lab_daemon_conf FILE RULES-FILE [LINE...]: a gpauditd.conf for the lab's LINUX1$ (its keytab), its state
# in $state, its control socket $sock, its rules file RULES-FILE; then each LINE.
lab_daemon_conf() {
    local file=$1 rules=$2
    shift 2
    {
        printf 'realm: %s\nmachine: LINUX1$\nkeytab: %s\nstate_dir: %s\nsocket: %s\nrules_file: %s\n' \
            "$GPA_REALM" "$GPA_KEYTAB" "$state" "$sock" "$rules"
        printf '%s\n' "$@"
    } > "$file"
}
