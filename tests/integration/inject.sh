#!/bin/bash
# Integration (root, real kernel), issue 11: a rules file made from hostile names goes through the
# real `auditctl -R` and the real `augenrules --load`, and nothing but our rules is loaded.
#   - a GPO (GPMC backup) whose display name holds "\n-e 0\n-a never,task\n#" and terminal escapes;
#   - a FileGlobalSacl scoped to two directories: one with files named 'report\', 'a b', 'x#y', with a
#     newline, a tab, an ESC, "a!=b", "-e 0"; one with 'x#y', 'ok', 'café', 'a=b';
# checks: auditctl exits 0 and loads every rule line of the file; the kernel's rules are exactly the
# translation's (gpauditctl apply --dry-run against the kernel: nothing to remove, every rule
# unchanged); the hostile directory stays one tree rule with a note naming the first hostile file
# escaped, the safe one is watched file by file; the enabled flag is unchanged and no task rule
# appeared (no injected command ran). Then the same file as /etc/audit/rules.d/50-gpaudit.rules beside
# a site file that comes after it, loaded by augenrules in a private mount namespace (a copy of
# /etc/audit bind-mounted over it: the host's files are untouched): the site's rule is loaded too
# (auditctl did not stop in our file), and again the enabled flag is unchanged.
# Kernel rules and status are saved and restored (lib.sh). Fails, never skips, without root/audit.
set -u
ctl=$(realpath "$1")
data=$2
. "$(dirname "$0")/lib.sh"
command -v augenrules >/dev/null || fail "augenrules not found (install the auditd package)"
command -v unshare >/dev/null || fail "unshare not found (util-linux)"

failed=0
check() { # description, command...
    local what=$1
    shift
    if "$@"; then echo "ok $what"; else echo "FAIL $what"; failed=1; fi
}
enabled_now() { auditctl -s | awk '$1 == "enabled" {print $2}'; }
# Enabled, so that an injected "-e 0" would show (lib.sh restores the flag as it was).
auditctl -e 1 >/dev/null || fail "cannot enable audit"

# 0. The test's model of auditctl (tests/fuzz/auditctl_reader.hxx, used by the fuzz target) against
# the real one: "\ " is an escaped space, and a line longer than LINE_SIZE - 1 (6143 bytes) is read in
# pieces, the rest of a long comment becoming a command.
mkdir -p "$work/x y"
printf -- '-w %s/x\\ y/f -p wa -k inject-test-escape\n' "$work" > "$work/model.rules"
printf '# %s-a always,exit -F arch=b64 -S uname -k inject-test-linesize\n' "$(head -c 6141 /dev/zero | tr '\0' x)" \
    >> "$work/model.rules"
auditctl -R "$work/model.rules" >/dev/null 2>&1
check "model: auditctl reads '\\ ' as a space" bash -c 'auditctl -l | grep -qxF -- "-w $1/x y/f -p wa -k inject-test-escape"' _ "$work"
check "model: the rest of a line over 6143 bytes is a command" bash -c 'auditctl -l | grep -q inject-test-linesize'
auditctl -D -k inject-test-escape >/dev/null # lib.sh's removal splits a listed rule at spaces
auditctl -D -k inject-test-linesize >/dev/null
check "model: its rules are removed again" bash -c '! auditctl -l | grep -q inject-test-'

sacl=$work/sacl
safe=$work/safe
mkdir -p "$sacl" "$safe"
for name in 'report\' 'a b' 'x#y' $'new\nline' $'tab\tx' $'\e[2J' 'a!=b' '-e 0' 'ok'; do
    : > "$sacl/$name"
done
for name in 'x#y' 'ok' 'café' 'a=b'; do
    : > "$safe/$name"
done
cat > "$work/sacl.csv" <<'EOF'
Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value
H,System,File System,{0CCE921D-69AE-11D9-BED3-505054503030},Success and Failure,,3
H,,FileGlobalSacl,,,,S:(AU;SAFA;FW;;;WD)
EOF
gpo="$data/hostile-names/{E1A2B3C4-D5E6-4F70-8192-A3B4C5D6E7F8}"
sources=(--gpo "$gpo" --audit-csv "$work/sacl.csv" --sacl-dir "$sacl" --sacl-dir "$safe")
"$ctl" rules "${sources[@]}" > "$work/gpaudit.rules" 2> "$work/rules.err" ||
    fail "gpauditctl rules exited $?: $(cat "$work/rules.err")"

# The file as text: no injected line, the GPO name escaped in a comment.
check "no line of the file starts a command other than -a/-b/-f/-r" \
    bash -c '! grep -nv -e "^#" -e "^-a " -e "^-b " -e "^-f " -e "^-r " "$1"' _ "$work/gpaudit.rules"
check "the GPO name is one escaped comment line" \
    grep -qF '#   Baseline\x0a-e 0\x0a-a never,task\x0a#\u{009b}2J' "$work/gpaudit.rules"
# A directory with a name that cannot be written to a rule stays one tree rule (covering every name),
# with a note; one whose names are all safe is watched file by file.
check "the hostile directory is kept as a tree rule" grep -qF -- "-F dir=$sacl -F perm=wa" "$work/gpaudit.rules"
check "no file of the hostile directory is written" \
    bash -c '! grep -qF -- "-F path=$1/" "$2"' _ "$sacl" "$work/gpaudit.rules"
check "a note names the first hostile file, escaped" \
    grep -qF "# note: file-system: watch on $sacl: the name of $sacl/\\x1b[2J cannot be written to an audit rule" \
    "$work/gpaudit.rules"
for name in 'x#y' 'ok' 'café' 'a=b'; do
    check "watched: $name" grep -qF -- "-a always,exit -F path=$safe/$name -F perm=wa" "$work/gpaudit.rules"
done
want=$(grep -c '^-a ' "$work/gpaudit.rules")
enabled_before=$(enabled_now)

# 1. auditctl -R, the way a boot loads audit.rules.
out=$(auditctl -R "$work/gpaudit.rules" 2>&1)
rc=$?
check "auditctl -R exits 0 (no error in any line)" test "$rc" = 0
[ -n "$out" ] && echo "auditctl said: $out"
got=$(added_rules | wc -l)
check "auditctl -R loaded all $want rule lines (the kernel lists $got new rules)" test "$got" = "$want"
check "the enabled flag is unchanged ($enabled_before)" test "$(enabled_now)" = "$enabled_before"
check "no task rule was added" bash -c '! auditctl -l | grep -q "never,task"'
check "x#y is watched in the kernel" bash -c 'auditctl -l | grep -qF -- "-w $1 "' _ "$safe/x#y"
check "café is watched in the kernel" bash -c 'auditctl -l | grep -qF -- "-w $1 "' _ "$safe/café"
# The kernel's rules against the translation, compared by gpauditctl's own apply plan.
plan=$("$ctl" apply --dry-run --no-rules-file "${sources[@]}" 2>&1)
echo "$plan" | tail -1
check "the kernel's rules are the translation's (apply --dry-run: none to remove, $want unchanged)" \
    grep -qE '^would add [0-9]+, would remove 0, unchanged '"$want"';' <<<"$plan"
check "apply would add only its fast-path never rules" \
    bash -c '! grep "^+ " <<<"$1" | grep -v "^+ -a never,exit"' _ "$plan"
remove_added_rules

# 2. augenrules --load in a private mount namespace, our file followed by a site's file.
etc=$work/etc-audit
cp -a /etc/audit "$etc" # the same tree (watches need their directories), but only our rules.d files
rm -f "$etc"/rules.d/* "$etc/audit.rules"
cp "$work/gpaudit.rules" "$etc/rules.d/50-gpaudit.rules"
cat > "$etc/rules.d/99-site.rules" <<EOF
-a always,exit -F arch=b64 -S uname -F key=inject-test-site-marker
-e $enabled_before
EOF
out=$(unshare -m --propagation private bash -c 'mount --bind "$1" /etc/audit && augenrules --load' _ "$etc" 2>&1)
rc=$?
check "augenrules --load exits 0" test "$rc" = 0
[ -n "$out" ] && echo "augenrules said: $out"
check "augenrules wrote audit.rules in the private /etc/audit only" test -s "$etc/audit.rules"
check "the host's /etc/audit/audit.rules was not touched" bash -c '! grep -q inject-test-site-marker /etc/audit/audit.rules'
check "augenrules' audit.rules holds one -e line, the site's" test "$(grep -c '^\s*-e' "$etc/audit.rules")" = 1
got=$(added_rules | wc -l)
check "augenrules loaded our $want rules and the site's rule (the kernel lists $got new rules)" \
    test "$got" = $((want + 1))
check "the site's rule after ours was loaded" bash -c 'auditctl -l | grep -q inject-test-site-marker'
check "the enabled flag is unchanged ($enabled_before)" test "$(enabled_now)" = "$enabled_before"
check "no task rule was added" bash -c '! auditctl -l | grep -q "never,task"'
exit $failed
