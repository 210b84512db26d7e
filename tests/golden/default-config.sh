#!/bin/bash
# daemon/gpauditd.conf, installed by the Debian package as the conffile /etc/gpauditd.conf: it parses,
# it changes nothing (every key commented out), every key `config --check` prints is in it as
# "#key: value", and those values are the defaults (the file with them uncommented gives the same
# settings as an empty file).
set -u
ctl=$1
shipped=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
: > "$tmp/empty.conf"
"$ctl" config --check --config "$tmp/empty.conf" > "$tmp/defaults.out" || { echo "FAIL: config --check of an empty file"; exit 1; }
"$ctl" config --check --config "$shipped" > "$tmp/shipped.out" 2>&1 || { echo "FAIL: $shipped does not parse:"; cat "$tmp/shipped.out"; exit 1; }
diff -u "$tmp/defaults.out" "$tmp/shipped.out" || { echo "FAIL: $shipped as shipped changes settings"; failed=1; }
for key in $(cut -d: -f1 "$tmp/defaults.out"); do
    grep -q "^#$key: " "$shipped" || { echo "FAIL: key $key is not in $shipped as \"#$key: DEFAULT\""; failed=1; }
done
sed -E 's/^#([a-z_]+: )/\1/' "$shipped" > "$tmp/uncommented.conf"
"$ctl" config --check --config "$tmp/uncommented.conf" > "$tmp/uncommented.out" 2>&1 ||
    { echo "FAIL: $shipped with its keys uncommented does not parse:"; cat "$tmp/uncommented.out"; exit 1; }
diff -u "$tmp/defaults.out" "$tmp/uncommented.out" || { echo "FAIL: a commented value in $shipped is not the default"; failed=1; }
[ $failed = 0 ] && echo "PASS: $(grep -c '^#[a-z_]*: ' "$shipped") keys, commented at their defaults"
exit $failed
