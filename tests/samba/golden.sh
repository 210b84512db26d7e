#!/bin/bash
# Golden (issue 16): `gpauditctl search --samba-log` over the log recorded from the lab DC, in JSON, XML
# and text, compared with data/expected-*.out. GPAUDIT_REGEN=1 rewrites them (review the diff).
# Usage: golden.sh GPAUDITCTL DATA_DIR
set -u
ctl=$1
data=$2
failed=0
for format in json xml text; do
    out=$(mktemp)
    "$ctl" search --samba-log "$data/lab-dc.log" --computer dc1.gpa.test --format "$format" > "$out" 2>&1
    rc=$?
    echo "exit $rc" >> "$out"
    if [ "${GPAUDIT_REGEN:-0}" = 1 ]; then
        cp "$out" "$data/expected-$format.out"
    elif ! diff -u "$data/expected-$format.out" "$out"; then
        echo "FAIL: search --samba-log --format $format differs from $data/expected-$format.out"
        failed=1
    fi
    rm -f "$out"
done
# A filter that matches nothing: exit 1 and "<no matches>", as ausearch.
out=$("$ctl" search --samba-log "$data/lab-dc.log" --subcategory directory-service-replication 2>&1)
rc=$?
[ "$rc" = 1 ] && grep -q '<no matches> (20 Samba audit records read)' <<<"$out" ||
    { echo "FAIL: no-match search: exit $rc: $out"; failed=1; }
exit $failed
