#!/bin/bash
# The whole test suite, as CI runs it: installs what is missing, builds, runs every suite (unit,
# golden, fuzz-replay, lint, integration against the real kernel and the lab DC), then the unit,
# golden, fuzz-replay and integration suites again under ASan+UBSan (clang), and unit and golden in a
# build with the optional libraries off, and ends with one line "N passed, N failed".
# Run as root: the integration suite loads audit rules into the kernel (and restores them).
set -u
cd "$(dirname "$0")/.."
bash tests/install-deps.sh || exit 1
# The domain integration tests bring the lab DC up (tests/lab/lab-up.sh); take it down at the end if
# this run started it.
lab_was_up=0
[ -f /tmp/gpa-lab/state/lab.env ] && lab_was_up=1
teardown_lab() { [ "$lab_was_up" = 1 ] || bash tests/lab/lab-down.sh >/dev/null 2>&1; }
trap teardown_lab EXIT
failed_build=0
build() { # build DIR [meson options...]
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; failed_build=1; return 1; }
    fi
    meson compile -C "$dir" >"$dir.compile.log" 2>&1 || { tail -50 "$dir.compile.log"; failed_build=1; return 1; }
}
results=()
if build build; then
    meson test -C build --print-errorlogs --num-processes 2
    results+=(build/meson-logs/testlog.json)
fi
if CC=clang CXX=clang++ build build-sanitize -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize-recover=all; then
    # The integration suites too: the domain client and the kernel adapter under ASan+UBSan against the
    # real DC and kernel. One allocation libsmbclient keeps for the process's life is suppressed.
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp \
        meson test -C build-sanitize --print-errorlogs --suite unit --suite golden --suite fuzz-replay \
        --suite integration
    results+=(build-sanitize/meson-logs/testlog.json)
fi
# The "mini" build: every optional adapter library off; the pure core still builds and passes.
if build build-mini -Daudit=disabled -Ddomain=disabled; then
    meson test -C build-mini --print-errorlogs --suite unit --suite golden
    results+=(build-mini/meson-logs/testlog.json)
fi
python3 - "$failed_build" "${results[@]}" <<'PY'
import json, sys
failed_build = int(sys.argv[1])
passed = failed = skipped = 0
for path in sys.argv[2:]:
    with open(path) as log:
        for line in log:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
failed += failed_build
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or skipped else 0)
PY
