#!/bin/bash
# Integration (root, real kernel): gpauditctl apply / revert against the kernel through libaudit.
set -u
ctl=$(realpath "$1")
data=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
failed=0
check() { # check DESCRIPTION CONDITION...
    local what=$1
    shift
    if "$@"; then echo "ok $what"; else echo "FAIL $what"; failed=1; fi
}
rules_file="$work/rules.d/gpaudit.rules"
all="$data/all-success-failure/audit.csv"

# A rule that is not ours: must survive apply and revert.
auditctl -w "$work" -p wa -k someone-elses-rule >/dev/null || fail "cannot add the foreign rule"
# A foreign syscall rule on a syscall of the fast path: the fast path must leave it out, or it would
# shadow this rule.
auditctl -a always,exit -F arch=b64 -S getpid -F key=someone-elses-getpid >/dev/null || fail "cannot add the foreign rule"

# Dry run: the plan, no change.
out=$("$ctl" apply --dry-run --rules-file "$rules_file" --audit-csv "$all")
check "dry run announces the rules" grep -qE '^would add [1-9][0-9]*, would remove 0' <<<"$out"
check "dry run changes no rule" [ "$(added_rules | wc -l)" = 2 ] # the two foreign rules
check "dry run writes no file" [ ! -e "$rules_file" ]

# First apply: every rule of the policy added, plus the fast-path rule of each ABI, the rules file
# written.
policy_rules=$("$ctl" rules --audit-csv "$all" | grep -c '^-a')
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$all")
echo "$out" | tail -n 1
fast=$(grep -c '^+ -a never,exit .*-k gpaudit-fast-path$' <<<"$out")
want=$((policy_rules + fast))
check "first apply adds a fast-path rule per ABI" [ "$fast" = 2 ]
check "the b64 fast path leaves out getpid, which a foreign rule audits" \
    bash -c "grep '^+ -a never,exit -F arch=b64' <<<\"\$1\" | grep -q 'getppid' && ! grep '^+ -a never,exit -F arch=b64' <<<\"\$1\" | grep -qE '[ ,]getpid[ ,]'" _ "$out"
check "the b32 fast path keeps getpid (the foreign rule is b64 only)" \
    bash -c "grep '^+ -a never,exit -F arch=b32' <<<\"\$1\" | grep -qE '[ ,]getpid[ ,]'" _ "$out"
check "first apply adds all $want rules" grep -qE "^added $want, removed 0, unchanged 0; $want netlink writes" <<<"$out"
check "the kernel lists them" [ "$(added_rules | grep -c gpaudit-)" = "$want" ]
check "the rules file is written" grep -q 'gpaudit-process-creation' "$rules_file"
check "the rules file is loadable by auditctl syntax" [ "$(grep -c '^-a' "$rules_file")" = "$want" ]

# Same policy again: nothing changes, zero netlink writes.
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$all")
echo "$out" | tail -n 1
check "second apply makes no netlink write" grep -qE "^added 0, removed 0, unchanged $want; 0 netlink writes" <<<"$out"

# One subcategory changes: only the rules that change are replaced, adds before removals.
sed 's/,Process Creation,\({[^}]*}\),Success and Failure,,3/,Process Creation,\1,Success,,1/' "$all" > "$work/changed.csv"
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$work/changed.csv")
echo "$out" | tail -n 1
check "a one-subcategory change keeps most rules" grep -qE "^added [0-9]+, removed [0-9]+, unchanged [1-9][0-9]" <<<"$out"
check "process creation is now success only" bash -c "auditctl -l | grep -q -- '-S execve,execveat -F success=1 -F key=gpaudit-process-creation'"
first_plus=$(grep -n '^+ ' <<<"$out" | head -n 1 | cut -d: -f1)
first_minus=$(grep -n '^- ' <<<"$out" | head -n 1 | cut -d: -f1)
check "additions are listed (and made) before removals" [ "$first_plus" -lt "$first_minus" ]
check "the kernel holds exactly the new policy" [ "$(added_rules | grep -c gpaudit-)" = $(($("$ctl" rules --audit-csv "$work/changed.csv" | grep -c '^-a') + fast)) ]
check "the fast-path rule comes first" bash -c "auditctl -l | head -n 1 | grep -q gpaudit-fast-path"
# The kernel gives a record the key of the first exit rule that matches, and the translation relies on
# that order; the kernel appends what an apply adds, so our rules it already holds that the policy puts
# after an added one are moved (core/linux/apply_plan.hxx). Their order in the kernel is the file's.
exit_keys() { grep -E '^-(a always,exit|w) ' | grep -o 'gpaudit-[a-z-]*' | paste -sd' '; }
check "our exit rules stand in the kernel in the rules file's order" \
    [ "$(auditctl -l | grep gpaudit- | exit_keys)" = "$(exit_keys < "$rules_file")" ]
check "the summary says how many rules were moved to stand in that order" \
    grep -qE "^added [0-9]+, removed [0-9]+, unchanged [0-9]+, moved [1-9][0-9]* \(to stand in the policy's order\)" <<<"$out"

# A rule the kernel refuses: a copy of the mapping data whose File Share watch names a directory that
# does not exist, with the host check off. The apply fails, names the rule and the reason, and the
# previous policy stays in force exactly. (The host's /etc is not touched.)
auditctl -l > "$work/before-failure"
mkdir -p "$work/rules"
cp "$(dirname "$0")/../../rules/"*.yaml "$work/rules/"
sed -i -e "s|{dir: /etc/samba, perm: wa}|{dir: $work/missing-dir, perm: wa}|" \
    -e "s|{dir: /etc/exports.d, perm: wa}|{dir: $work/missing-dir-2, perm: wa}|" "$work/rules/mapping.yaml"
printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n,System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Failure,,2\r\n,System,File Share,{0CCE9224-69AE-11D9-BED3-505054503030},Success,,1\r\n' \
    > "$work/bad.csv"
out=$("$ctl" apply --no-host-check --rules-dir "$work/rules" --rules-file "$rules_file" --audit-csv "$work/bad.csv" 2>&1)
rc=$?
echo "$out" | tail -n 1
check "a refused rule fails the apply" [ "$rc" = 1 ]
check "the error names the rule and the reason" grep -qE "No such file or directory: -a always,exit .*-F dir=$work/missing-dir.*previous policy stays in force" <<<"$out"
check "the previous policy is still in force, unchanged" diff -q "$work/before-failure" <(auditctl -l)

# Not root: refused with a reason, nothing changed.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" apply --rules-file "$rules_file" --audit-csv "$all" 2>&1)
check "apply as non-root is refused" grep -q 'must run as root' <<<"$out"

# Revert, dry run: the list, no change.
auditctl -l > "$work/before-revert"
out=$("$ctl" revert --dry-run --rules-file "$rules_file")
check "revert --dry-run announces the removal" grep -qE '^would remove [1-9][0-9]* rules; would remove .*gpaudit.rules; 0 netlink writes' <<<"$out"
check "revert --dry-run changes no rule" diff -q "$work/before-revert" <(auditctl -l)
check "revert --dry-run keeps the rules file" [ -e "$rules_file" ]

# Revert: all of ours gone, the foreign rule kept, the rules file removed.
out=$("$ctl" revert --rules-file "$rules_file")
echo "$out" | tail -n 1
check "revert removes every gpaudit rule" [ "$(added_rules | grep -c gpaudit-)" = 0 ]
check "revert keeps the foreign rules" bash -c "auditctl -l | grep -q someone-elses-rule && auditctl -l | grep -q someone-elses-getpid"
check "revert removes the rules file" [ ! -e "$rules_file" ]

# Audit options become status settings: CrashOnAuditFail=0 -> failure mode 1 (mode 2, which panics
# the host when a record is lost, is never set by a test). The status is restored at the end.
auditctl -f 0 >/dev/null
printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n,,Option:CrashOnAuditFail,,Disabled,,0\r\n,System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},Success,,1\r\n' > "$work/options.csv"
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$work/options.csv")
check "CrashOnAuditFail=0 sets failure mode 1" grep -q -- 'set -f 1 (was 0; CrashOnAuditFail=0' <<<"$out"
check "the kernel's failure mode is 1" [ "$(auditctl -s | awk '$1 == "failure" {print $2}')" = 1 ]
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$work/options.csv")
check "an unchanged status is not set again" grep -qE '^added 0, removed [0-9]+, unchanged [0-9]+; 0 netlink writes' <<<"$out"
"$ctl" revert --rules-file "$rules_file" >/dev/null

# Record filters carry no key: ownership comes from the rules file, so revert removes them too.
out=$("$ctl" apply --rules-file "$rules_file" --audit-csv "$data/all-no-auditing/audit.csv")
check "record filters are applied" bash -c "auditctl -l | grep -q -- '-a never,user -F msgtype=USER_LOGIN'"
"$ctl" revert --rules-file "$rules_file" >/dev/null
check "revert removes our keyless record filters" bash -c "! auditctl -l | grep -q msgtype="
# A configured host (--config; /etc/gpauditd.conf the same): apply and revert use its rules_file, as
# gpauditd does; --rules-file still wins.
printf 'rules_file: %s\n' "$work/configured.rules" > "$work/gpauditd.conf"
"$ctl" apply --config "$work/gpauditd.conf" --audit-csv "$all" > /dev/null
check "apply writes the configured rules_file" grep -q 'gpaudit-process-creation' "$work/configured.rules"
out=$("$ctl" revert --config "$work/gpauditd.conf")
check "revert removes the configured rules_file" [ ! -e "$work/configured.rules" ]
check "revert says which rules file" grep -q "removed $work/configured.rules" <<<"$out"
"$ctl" apply --config "$work/gpauditd.conf" --rules-file "$rules_file" --audit-csv "$all" > /dev/null
check "--rules-file over the configuration" bash -c "[ -e '$rules_file' ] && [ ! -e '$work/configured.rules' ]"
"$ctl" revert --config "$work/gpauditd.conf" --rules-file "$rules_file" > /dev/null
check "revert with --rules-file" [ ! -e "$rules_file" ]
printf 'refresh_interval: soon\n' > "$work/broken.conf"
out=$("$ctl" revert --config "$work/broken.conf" 2>&1)
check "revert with a broken configuration names the file and changes nothing" \
    bash -c "grep -q '$work/broken.conf:1:.*not a duration' <<<\"\$1\" && [ \"\$(added_rules | grep -c gpaudit-)\" = 0 ]" _ "$out"
exit $failed
