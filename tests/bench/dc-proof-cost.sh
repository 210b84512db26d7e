#!/bin/bash
# What the DC's proof costs a sync in a fresh process (issue 11, "Is the DC a DC?" in README.md): two
# gpauditctl builds, one without the proof (e.g. main's) and one with it, interleaved in the lab, the
# same dry-run sync with nothing changed. Prints the median LDAP stage (proof, bind, searches) and total.
#   sudo flock /tmp/gpa-integration.lock tests/bench/dc-proof-cost.sh BEFORE/gpauditctl AFTER/gpauditctl [ROUNDS]
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
before=$1 after=$2 rounds=${3:-9}
[ "$(id -u)" = 0 ] || { echo "run as root (the lab's network namespace)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GPA_LAB_INSTALL=0 bash "$src/tests/lab/lab-up.sh" > "$tmp/lab.env" 2> "$tmp/lab-up.log" < /dev/null ||
    { cat "$tmp/lab-up.log"; echo "lab-up failed"; exit 1; }
eval "$(cat "$tmp/lab.env")"
run() { # BINARY STATE
    "$GPA_LAB_EXEC" "$1" sync --dry-run --json --realm "$GPA_REALM" --machine 'LINUX1$' --keytab "$GPA_KEYTAB" \
        --state-dir "$2" 2> /dev/null
}
run "$before" "$tmp/before" > /dev/null && run "$after" "$tmp/after" > /dev/null || { echo "a first sync failed"; exit 1; }
for _ in $(seq "$rounds"); do
    for which in before after; do
        run "${!which}" "$tmp/$which" | python3 -c "import json, sys; d = json.load(sys.stdin)
print('$which', d['stagesMs']['ldap'], d['totalMs'], d['ldap']['searches'], d['ldap'].get('dcChecks', 0))"
    done
done | python3 -c "
import statistics, sys
rows = {}
for line in sys.stdin:
    which, ldap, total, searches, checks = line.split()
    rows.setdefault(which, []).append((float(ldap), float(total), searches, checks))
for which, r in rows.items():
    print(f'{which}: {len(r)} syncs, LDAP stage median {statistics.median(x[0] for x in r):.1f} ms, '
          f'total median {statistics.median(x[1] for x in r):.1f} ms, {r[0][2]} searches, {r[0][3]} DC checks')
"
