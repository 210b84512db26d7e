#!/bin/bash
# gpauditctl's command line: usage errors, exit codes, file errors that name the file.
set -u
ctl=$(realpath "$1")
data=$2
failed=0
expect() { # expect EXIT PATTERN -- command...
    local want=$1 pattern=$2; shift 3
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" != "$want" ]; then echo "FAIL: '$*' exited $rc, expected $want"; echo "$out"; failed=1; return; fi
    if ! grep -qE -- "$pattern" <<<"$out"; then echo "FAIL: '$*' output lacks /$pattern/:"; echo "$out"; failed=1; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect 0 'Usage: gpauditctl COMMAND' -- "$ctl" --help
expect 0 '^gpauditctl [0-9]' -- "$ctl" --version
expect 2 'no command given' -- "$ctl"
expect 2 'unknown command "frobnicate"' -- "$ctl" frobnicate --gpo x
expect 2 'apply needs at least one --gpo' -- "$ctl" apply
expect 2 'unknown option --bogus' -- "$ctl" show --bogus
expect 2 '--json goes with show' -- "$ctl" rules --json --audit-csv x
expect 2 '--legacy takes auto, apply or ignore' -- "$ctl" show --legacy maybe --audit-csv x
# gpauditd not running (a state directory of our own implies in process): status says so.
expect 0 'gpauditd: not running' -- "$ctl" status --state-dir "$tmp/state"
expect 0 '"running": false' -- "$ctl" status --json --state-dir "$tmp/state"
expect 2 '--socket and --local exclude each other' -- "$ctl" status --socket "$tmp/s" --local
expect 2 '--socket asks gpauditd' -- "$ctl" sync --socket "$tmp/s" --realm X
expect 1 "cannot reach gpauditd at $tmp/s" -- "$ctl" status --socket "$tmp/s"
expect 1 "$tmp/nope: cannot open GPO folder" -- "$ctl" show --gpo "$tmp/nope"
mkdir -p "$tmp/notgpo"
expect 1 'not a GPO folder: no Machine folder' -- "$ctl" show --gpo "$tmp/notgpo"
expect 3 "$tmp/missing.csv: cannot open" -- "$ctl" rules --audit-csv "$tmp/missing.csv"
head -c 5000000 /dev/zero > "$tmp/huge.csv"
expect 3 'more than the limit' -- "$ctl" rules --audit-csv "$tmp/huge.csv"
printf 'S-1-5-21-1 person 5\n' > "$tmp/badmap"
expect 1 "$tmp/badmap:1: expected" -- "$ctl" rules --sid-map "$tmp/badmap" --audit-csv "$data/per-user/audit.csv"
expect 1 'unknown architecture "sparc"' -- "$ctl" rules --arch sparc --audit-csv "$data/per-user/audit.csv"
# --rules-dir reads the data from files; a broken copy is refused with its file name
mkdir -p "$tmp/rules"
cp "$(dirname "$0")/../../rules/"*.yaml "$tmp/rules/"
expect 0 'gpaudit-process-creation' -- "$ctl" rules --rules-dir "$tmp/rules" --audit-csv "$data/per-user/audit.csv"
sed -i 's/^  logon:/  logn:/' "$tmp/rules/mapping.yaml"
expect 1 "$tmp/rules/mapping.yaml:[0-9]+:[0-9]+: unknown subcategory \"logn\"" -- "$ctl" rules --rules-dir "$tmp/rules" --audit-csv "$data/per-user/audit.csv"
# The host check leaves out watches whose directory is missing here, and says so.
expect 0 'note: .*skipped: .* does not exist on this host|^-a' -- "$ctl" rules --audit-csv "$data/all-success-failure/audit.csv"
# --uid-min reaches the rules that are scoped to people (FullPrivilegeAuditing in this policy).
expect 0 'auid>=2000 -F auid!=unset -F uid=0' -- "$ctl" rules --no-host-check --uid-min 2000 --audit-csv "$data/all-success-failure/audit.csv"
expect 2 '--uid-min needs a number' -- "$ctl" rules --uid-min lots --audit-csv "$data/all-success-failure/audit.csv"

# mapping: all 59 subcategories, as a table and as the generated gpaudit-mapping(7) page.
expect 0 'Token Right Adjusted Events' -- "$ctl" mapping
[ "$("$ctl" mapping | grep -c '^  [^ ]')" = 59 ] || { echo "FAIL: mapping does not list 59 subcategories"; failed=1; }
[ "$("$ctl" mapping --man | grep -c '^\.TP$')" = 59 ] || { echo "FAIL: gpaudit-mapping(7) does not list 59 subcategories"; failed=1; }
expect 0 '^\.TH GPAUDIT\\-MAPPING 7' -- "$ctl" mapping --man
expect 2 'mapping takes no policy sources' -- "$ctl" mapping --audit-csv x
expect 2 '\-\-man goes with mapping' -- "$ctl" show --man --audit-csv x

# The man page documents every option of --help.
man_page="$(dirname "$0")/../../man/gpauditctl.8"
for option in $("$ctl" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    escaped=$(sed 's/-/\\\\-/g' <<<"$option") # --gpo -> \\-\\-gpo, as roff writes it, for grep -E
    grep -qE -- "${escaped}( |\"|$)" "$man_page" || { echo "FAIL: $option is not in gpauditctl.8"; failed=1; }
done

# gpauditd.conf: the page documents every key `config --check` prints; a bad file is an error that
# names file and line; sync's usage errors.
conf_page="$(dirname "$0")/../../man/gpauditd.conf.5"
: > "$tmp/empty.conf"
for key in $("$ctl" config --check --config "$tmp/empty.conf" | cut -d: -f1); do
    grep -qx "\.B $key" "$conf_page" || { echo "FAIL: key $key is not in gpauditd.conf.5"; failed=1; }
done
printf 'realm: GPA.TEST\nrefresh: 1h\n' > "$tmp/bad.conf"
expect 1 "$tmp/bad.conf:2:1: unknown key \"refresh\"" -- "$ctl" config --check --config "$tmp/bad.conf"
expect 1 "cannot read $tmp/missing.conf|$tmp/missing.conf" -- "$ctl" config --check --config "$tmp/missing.conf"
expect 0 '^realm: GPA.TEST$' -- "$ctl" config --check --config "$tmp/empty.conf" --realm gpa.test
expect 2 'config needs --check' -- "$ctl" config
expect 2 'sync takes no policy sources' -- "$ctl" sync --gpo x
expect 2 '\-\-force goes with sync' -- "$ctl" show --force
expect 2 '\-\-machine needs a value' -- "$ctl" sync --machine
expect 1 'no policy has been applied from the domain yet' -- "$ctl" show --state-dir "$tmp/nostate"
# Guardrails (gpauditd.conf): shown by config --check, bad values named with file and line.
printf 'report_only: true\nfailure_mode_max: 1\nbacklog_min: 16384\nkeep_record_types: [user_login]\n' > "$tmp/guard.conf"
expect 0 '^keep_record_types: \[USER_LOGIN\]$' -- "$ctl" config --check --config "$tmp/guard.conf"
expect 0 '^report_only: true$' -- "$ctl" config --check --config "$tmp/guard.conf"
# Samba AD DC (issue 16): the keys shown, a bad value named with file and line.
printf 'samba_audit: off\nsamba_add_include: true\nsamba_include_file: /etc/samba/x.conf\n' > "$tmp/samba.conf"
expect 0 '^samba_audit: off$' -- "$ctl" config --check --config "$tmp/samba.conf"
expect 0 '^samba_add_include: true$' -- "$ctl" config --check --config "$tmp/samba.conf"
printf 'samba_audit: yes\n' > "$tmp/samba-bad.conf"
expect 1 "$tmp/samba-bad.conf:1:14: \"samba_audit\" takes auto or off" -- "$ctl" config --check --config "$tmp/samba-bad.conf"
printf 'failure_mode_max: 2\nbacklog_min: -1\n' > "$tmp/guard-bad.conf"
expect 1 "$tmp/guard-bad.conf:2:14: \"backlog_min\" takes a number" -- "$ctl" config --check --config "$tmp/guard-bad.conf"
exit $failed
