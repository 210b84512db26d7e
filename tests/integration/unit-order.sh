#!/bin/bash
# gpauditd.service next to Debian's real auditd.service (package auditd: DefaultDependencies=no,
# Before=sysinit.target): `systemd-analyze verify` of a target that wants multi-user.target, auditd
# and gpauditd must report no ordering cycle. systemd breaks a cycle by deleting a start job
# ("Job auditd.service/start deleted to break ordering cycle"), which at boot leaves auditd or
# gpauditd not started; verify exits 0 all the same, so its text is what is checked.
# A control run proves the check can fail: the unit with the old `Before=auditd.service` added by a
# drop-in must show the cycle. Needs no root and touches neither the kernel nor the lab.
set -u
unit=$1     # the built gpauditd.service
gpauditd=$2 # the built gpauditd (ExecStart must name an executable for verify)
fail() { echo "FAIL: $*"; exit 1; }
command -v systemd-analyze > /dev/null || fail "systemd-analyze not found (package systemd)"
auditd_unit=
for dir in /usr/lib/systemd/system /lib/systemd/system; do
    [ -f "$dir/auditd.service" ] && auditd_unit=$dir/auditd.service && break
done
[ -n "$auditd_unit" ] || fail "auditd.service not found (install the auditd package): the test needs Debian's real unit"
grep -q '^DefaultDependencies=no' "$auditd_unit" || fail "$auditd_unit is not Debian's early-boot unit (DefaultDependencies=no)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/units"
sed "s#^ExecStart=[^ ]*/gpauditd #ExecStart=$(realpath "$gpauditd") #" "$unit" > "$tmp/units/gpauditd.service"
grep -q "^ExecStart=$(realpath "$gpauditd") " "$tmp/units/gpauditd.service" || fail "no ExecStart=.../gpauditd in $unit"
cat > "$tmp/units/gpaudit-boot.target" <<'EOF'
[Unit]
Description=multi-user.target with auditd and gpauditd, as a booting host has them
Wants=multi-user.target auditd.service gpauditd.service
EOF
verify() {
    # The unit directory first, then systemd's own path (the trailing colon), so auditd.service and
    # the targets are the host's real ones.
    (cd "$tmp/units" && SYSTEMD_UNIT_PATH="$tmp/units:" systemd-analyze verify "$tmp/units/gpaudit-boot.target" 2>&1)
}
out=$(verify)
echo "--- systemd-analyze verify (gpauditd.service as built, $auditd_unit):"
echo "${out:-(no output)}"
if grep -qiE 'ordering cycle|deleted to break|Found dependency on' <<<"$out"; then
    fail "gpauditd.service and auditd.service form an ordering cycle"
fi
grep -qE '^After=.*\bauditd\.service' "$tmp/units/gpauditd.service" || fail "gpauditd.service is not ordered After=auditd.service"

# Control: the old ordering must be caught by the same check.
mkdir "$tmp/units/gpauditd.service.d"
printf '[Unit]\nBefore=auditd.service\n' > "$tmp/units/gpauditd.service.d/old-order.conf"
out=$(verify)
grep -qE 'deleted to break ordering cycle' <<<"$out" ||
    fail "control: Before=auditd.service did not show the ordering cycle, so the check above proves nothing: $out"
echo "--- control (Before=auditd.service by a drop-in): the cycle is reported, as it must be:"
grep -E 'ordering cycle' <<<"$out"
echo PASS
