#!/bin/bash
# Integration (root: a private mount namespace): gpaudit-events --journal sends one journal entry per
# Windows event through journald's native protocol, MESSAGE = the JSON line `gpauditctl search` prints,
# with MESSAGE_ID, GPAUDIT_EVENT_ID, GPAUDIT_SUBCATEGORY, GPAUDIT_AUDIT_EVENT, PRIORITY and
# SYSLOG_IDENTIFIER. journald is not running on every test host, so the receiving end is a datagram
# socket at /run/systemd/journal/socket inside a mount namespace of the test's own (the path
# libsystemd's sd_journal_sendv writes to), read by python3 and decoded as journald does.
set -u
plugin=$(realpath "$1") ctl=$(realpath "$2") log=$(realpath "$3")
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a private mount namespace)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
command -v unshare >/dev/null || { echo "FAIL: unshare not found"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ctl" search --input "$log" > "$work/search.json" || { echo "FAIL: search found nothing"; exit 1; }
export plugin log work
unshare --mount --propagation private bash -c '
    mkdir -p /run/systemd && mount -t tmpfs gpaudit-test /run/systemd && mkdir /run/systemd/journal || exit 1
    exec python3 - <<"PY"
import os, socket, struct, subprocess, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("/run/systemd/journal/socket")
sock.settimeout(0.5)
# Read while the plugin writes: a datagram socket blocks the sender when its queue is full.
with open(os.environ["log"], "rb") as stdin:
    proc = subprocess.Popen([os.environ["plugin"], "--journal"], stdin=stdin)
entries, datagrams = [], []
while True:
    try:
        datagrams.append(sock.recv(1 << 20))
    except socket.timeout:
        if proc.poll() is not None:
            break
status = proc.wait()
for data in datagrams:
    fields, at = {}, 0
    while at < len(data):  # journald native protocol: KEY=VALUE\n, or KEY\n<le64 size>VALUE\n
        nl = data.index(b"\n", at)
        line = data[at:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            at = nl + 1
        else:
            size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            key, value = line, data[nl + 9:nl + 9 + size]
            at = nl + 9 + size + 1
        fields[key.decode()] = value.decode("utf-8")
    entries.append(fields)
with open(os.path.join(os.environ["work"], "entries.txt"), "w", encoding="utf-8") as out:
    import json
    for e in entries:
        out.write(json.dumps(e, sort_keys=True) + "\n")
sys.exit(status)
PY
' || { echo "FAIL: the plugin or the journal double failed"; exit 1; }
PYTHONPATH=$(dirname "$0") python3 - "$work/search.json" "$work/entries.txt" <<'PY'
import functools, json, sys
import checks
search = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
entries = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
check = functools.partial(checks.check, values=False)  # the values are every entry: said only when wrong
check(f"one journal entry per event ({len(search)})", len(entries), len(search))
check("MESSAGE is the JSON line search prints", [e.get("MESSAGE") for e in entries], search)
check("MESSAGE_ID", {e.get("MESSAGE_ID") for e in entries}, {"9da1b1e8001544bbb44edce74e8a5427"})
check("GPAUDIT_EVENT_ID = EventID", [e.get("GPAUDIT_EVENT_ID") for e in entries],
      [str(json.loads(s)["EventID"]) for s in search])
check("GPAUDIT_SUBCATEGORY", [e.get("GPAUDIT_SUBCATEGORY") for e in entries],
      [json.loads(s)["Linux"]["Subcategory"] for s in search])
check("GPAUDIT_AUDIT_EVENT", [e.get("GPAUDIT_AUDIT_EVENT") for e in entries],
      [json.loads(s)["Linux"]["AuditEvent"] for s in search])
check("PRIORITY: notice for Audit Failure, info otherwise", [e.get("PRIORITY") for e in entries],
      ["6" if json.loads(s)["Outcome"] == "Audit Success" else "5" for s in search])
check("SYSLOG_IDENTIFIER", {e.get("SYSLOG_IDENTIFIER") for e in entries}, {"gpaudit-events"})
check("no CODE_FILE", [e for e in entries if "CODE_FILE" in e], [])
checks.finish()
PY
