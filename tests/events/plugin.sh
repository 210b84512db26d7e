#!/bin/bash
# The auditd plugin over the recorded stream (fed on stdin in one piece and one byte at a time, as
# auditd may split it) writes exactly what `gpauditctl search` prints for the same log.
set -u
plugin=$1 ctl=$2 log=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ctl" search --input "$log" > "$work/search.json" || { echo "FAIL: search found nothing"; exit 1; }
"$plugin" --output "$work/whole.json" < "$log" || { echo "FAIL: plugin exit $?"; exit 1; }
# One byte per write: auparse_feed must assemble records and events across reads.
python3 -c '
import os, sys
data = open(sys.argv[1], "rb").read()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w); os.dup2(r, 0)
    os.execv(sys.argv[2], [sys.argv[2], "--output", sys.argv[3]])
os.close(r)
for i in range(0, len(data), 7):
    os.write(w, data[i:i + 7])
os.close(w)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
' "$log" "$plugin" "$work/pieces.json" || { echo "FAIL: plugin (pieces) failed"; exit 1; }
[ -s "$work/search.json" ] || { echo "FAIL: empty search output"; exit 1; }
diff -u "$work/search.json" "$work/whole.json" || { echo "FAIL: plugin output differs from search"; exit 1; }
diff -u "$work/search.json" "$work/pieces.json" || { echo "FAIL: plugin output (7-byte reads) differs"; exit 1; }
echo "ok plugin = search ($(wc -l < "$work/search.json") events), also fed 7 bytes at a time"
