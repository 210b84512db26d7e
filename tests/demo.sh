#!/bin/bash
# The demo: installs what is missing, builds, and translates a real GPO bundled in tests/data (a GPMC
# backup of an audit baseline, with a UTF-16 GptTmpl.inf) into the resultant policy and Linux rules.
set -eu
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
gpo="tests/data/gpmc-backup/{D3C1B5A7-9E2F-4C61-8B3A-5F0E7D2C4A19}"
echo "\$ gpauditctl show --gpo '$gpo'"
build/daemon/gpauditctl show --gpo "$gpo"
echo
echo "\$ gpauditctl rules --gpo '$gpo'"
build/daemon/gpauditctl rules --gpo "$gpo"
if [ "$(id -u)" = 0 ] && [ -e /proc/self/loginuid ] && command -v auditctl >/dev/null; then
    echo
    echo "\$ gpauditctl apply --dry-run --no-rules-file --gpo '$gpo'   # what apply would change in this kernel; changes nothing"
    build/daemon/gpauditctl apply --dry-run --no-rules-file --gpo "$gpo" | tail -n 3
fi
