#!/bin/bash
# Bash completion of gpauditctl (daemon/gpauditctl.bash-completion): commands and options as the
# program's --help lists them, and option arguments by their placeholder.
set -u
ctl=$(realpath "$1")
completion=$2
failed=0
PATH=$(dirname "$ctl"):$PATH
# shellcheck source=/dev/null
source "$completion"
complete -p gpauditctl > /dev/null || { echo "FAIL: no completion registered for gpauditctl"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/gpo-dir"
: > "$tmp/audit.csv"
expect() { # expect "WANTED WORDS" word...
    local want=$1
    shift
    COMP_WORDS=(gpauditctl "$@")
    COMP_CWORD=$#
    COMP_LINE="gpauditctl $*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _gpauditctl
    local got="${COMPREPLY[*]}"
    if [ "$got" != "$want" ]; then
        echo "FAIL: gpauditctl $* <TAB>: got \"$got\", expected \"$want\""
        failed=1
    fi
}
expect "sync status show search" s
expect "rules revert" r
expect "--force" sync --fo
expect "--json" status --j
expect "auto apply" show --legacy a
expect "x86_64 aarch64" rules --arch ""
expect "$tmp/gpo-dir" show --gpo "$tmp/gpo"
expect "$tmp/audit.csv" rules --audit-csv "$tmp/aud"
expect "" sync --realm EX
[ $failed = 0 ] && echo PASS
exit $failed
