# Shared by the domain integration tests (sourced): brings the lab domain controller up (idempotent;
# tests/lab/lab-up.sh, packages from tests/install-deps.sh), and helpers to run gpauditctl as a lab
# machine and to change the lab's directory. Everything runs inside the lab's network namespace.
# Usage: source domain-lib.sh GPAUDITCTL SOURCE_DIR
gpauditctl=$1
source_dir=$2
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespace, the lab DC)"
dtmp=$(mktemp -d /tmp/gpaudit-domain-test.XXXXXX)
# lab-up's progress goes to a file, not to a pipe: the daemons it starts would hold a pipe open (and the
# test runner would wait for it to close) after this test has ended.
if ! GPA_LAB_INSTALL=0 bash "$source_dir/tests/lab/lab-up.sh" > "$dtmp/lab.env" 2> "$dtmp/lab-up.log" < /dev/null; then
    sed 's/^/  /' "$dtmp/lab-up.log"
    rm -rf "$dtmp"
    fail "the lab domain controller did not come up (tests/lab/lab-up.sh; packages: tests/install-deps.sh)"
fi
sed 's/^/  /' "$dtmp/lab-up.log" >&2
eval "$(cat "$dtmp/lab.env")"
domain_cleanup_hooks=()
domain_cleanup() {
    local hook
    for hook in "${domain_cleanup_hooks[@]}"; do eval "$hook" || echo "WARNING: cleanup failed: $hook"; done
    [ "${GPAUDIT_KEEP_TEST_TMP:-0}" = 1 ] && echo "kept $dtmp" || rm -rf "$dtmp"
}

# gpauditctl as a lab machine: ctl_as MACHINE KEYTAB STATE-DIR COMMAND [ARGS...]
ctl_as() {
    local machine=$1 keytab=$2 state=$3
    shift 3
    "$GPA_LAB_EXEC" "$gpauditctl" "$@" --realm "$GPA_REALM" --machine "$machine" --keytab "$keytab" \
        --state-dir "$state"
}
ctl1() { local state=$1; shift; ctl_as 'LINUX1$' "$GPA_KEYTAB" "$state" "$@"; }
ctl2() { local state=$1; shift; ctl_as 'LINUX2$' "$GPA_KEYTAB2" "$state" "$@"; }

# JSON field of a file: jq-like access with python3. json_get FILE EXPRESSION (d = the document)
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

samba_tool() {
    "$GPA_LAB_EXEC" samba-tool "$@" -H "ldap://$GPA_DC_HOST" -U "$GPA_ADMIN_USER%$GPA_ADMIN_PASSWORD" \
        -s "$GPA_DC_SMB_CONF"
}
# Creates a GPO and prints its {GUID}.
gpo_create() {
    samba_tool gpo create "$1" --tmpdir="$dtmp" 2>/dev/null | grep -o '{[0-9A-Fa-f-]\{36\}}' | tail -n1
}
# gpo_set GUID VERSION CSES [AUDIT-CSV-ROWS-FILE|""] [INF-LINES-FILE|""]: the GPO's files in SYSVOL
# (audit.csv in UTF-8 with CRLF, GptTmpl.inf in UTF-16LE as Windows writes them), versionNumber and
# gPCMachineExtensionNames; then the NT ACLs of the files written behind smbd's back.
CSE_SEC='[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]'
CSE_AUD='[{F3CCC681-B74C-4060-9F26-CD84525DCA2A}{0F3F3735-573D-9804-99E4-AB2A69BA5FD4}]'
AUDIT_HDR='Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value'
gpo_set() {
    local guid=$1 version=$2 cses=$3 csv=${4:-} inf=${5:-}
    local dir="$GPA_POLICIES_DIR/$guid/Machine/Microsoft/Windows NT"
    if [ -n "$csv" ]; then
        mkdir -p "$dir/Audit"
        { printf '%s\r\n' "$AUDIT_HDR"; sed 's/$/\r/' "$csv"; } > "$dir/Audit/audit.csv"
    fi
    if [ -n "$inf" ]; then
        mkdir -p "$dir/SecEdit"
        { printf '\xff\xfe'; sed 's/$/\r/' "$inf" | iconv -f UTF-8 -t UTF-16LE; } > "$dir/SecEdit/GptTmpl.inf"
    fi
    gpc_modify "$guid" "replace: versionNumber
versionNumber: $version
-
replace: gPCMachineExtensionNames
gPCMachineExtensionNames: $cses
-"
    "$GPA_LAB_EXEC" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1 || fail "sysvolreset"
}
# gpc_modify GUID LDIF-CHANGES: an ldbmodify of the GPO's groupPolicyContainer.
gpc_modify() {
    printf 'dn: CN=%s,CN=Policies,CN=System,%s\nchangetype: modify\n%s\n' "$1" "$GPA_BASE_DN" "$2" > "$dtmp/gpc.ldif"
    ldbmodify -H "$GPA_SAM_LDB" "$dtmp/gpc.ldif" >/dev/null || fail "ldbmodify of $1"
}
gpc_version() {
    ldbsearch -H "$GPA_SAM_LDB" -b "CN=$1,CN=Policies,CN=System,$GPA_BASE_DN" -s base versionNumber 2>/dev/null |
        awk '/^versionNumber:/ {print $2}'
}

# save_linux_gpo: the lab's "GPA Linux Audit" GPO ($lnx) is about to be changed; its audit.csv and
# version are kept and restored by restore_gpo, also at cleanup.
save_linux_gpo() {
    lnx=$GPA_GPO_LINUX
    lnx_csv="$GPA_POLICIES_DIR/$lnx/Machine/Microsoft/Windows NT/Audit/audit.csv"
    cp "$lnx_csv" "$dtmp/lnx.orig"
    lnx_version=$(gpc_version "$lnx")
    domain_cleanup_hooks+=(restore_gpo)
}
restore_gpo() {
    cp "$dtmp/lnx.orig" "$lnx_csv"
    gpc_modify "$lnx" "replace: versionNumber
versionNumber: $lnx_version
-"
    "$GPA_LAB_EXEC" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1
}

# stop_dc: stops the lab DC (its samba, by PID); restart_dc brings it back, also at cleanup (first).
stop_dc() {
    samba_pid=$(cat "$GPA_SAMBA_PIDFILE")
    domain_cleanup_hooks=(restart_dc "${domain_cleanup_hooks[@]}")
    kill -TERM "$samba_pid"
    for _ in $(seq 1 100); do kill -0 "$samba_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$samba_pid" 2>/dev/null && fail "the DC (samba $samba_pid) did not stop"
}
restart_dc() {
    kill -0 "$samba_pid" 2>/dev/null && return 0
    # Without this shell's descriptors above 2: the integration lock (flock) must not stay with samba.
    (for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
        exec "$GPA_LAB_EXEC" samba -s "$GPA_DC_SMB_CONF" -D) || return 1
    for _ in $(seq 1 100); do
        "$GPA_LAB_EXEC" ldapsearch -x -LLL -o nettimeout=2 -H "ldap://$GPA_DC_IP" -s base -b '' dnsHostName \
            >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
