# The Python part of the events integration tests (imported through PYTHONPATH, events-lib.sh): check()
# prints one "ok" line (with the value, unless values=False) or "FAIL" line and counts the failures,
# lines() reads a JSON-lines file the test wrote in $work, finish() exits 1 when a check failed.
import json
import os
import sys

work = os.environ["work"]
failures = 0


def check(what, got, want, values=True):
    global failures
    if got == want:
        print(f"ok {what}: {got!r}" if values else f"ok {what}")
    else:
        print(f"FAIL {what}: {got!r}, expected {want!r}")
        failures += 1


def lines(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def finish():
    sys.exit(1 if failures else 0)
