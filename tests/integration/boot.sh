#!/bin/bash
# The real boot test: the gpaudit Debian package and auditd installed in a Debian 12 system that boots
# with systemd as PID 1, gpauditd pointed at the lab DC, both units enabled, booted twice.
#
# Why a virtual machine (QEMU) and not a container: the kernel accepts audit configuration (AUDIT_GET/SET,
# ADD/DEL/LIST_RULES) only from the initial PID namespace (kernel/audit.c, audit_netlink_ok: "Only
# support auditd and auditctl in initial pid namespace for now" -> EPERM). systemd-nspawn (even with
# SYSTEMD_SECCOMP=0 and every capability) boots Debian 12, but its auditd fails with "Error sending
# status request (Operation not permitted)", and so would gpauditd. A guest has its own kernel:
# auditd, augenrules and gpauditd run as on a real host, and the host's audit state is never touched.
#
#  1. the package builds (dpkg-buildpackage -b from a copy of this tree; or the .deb named by
#     $GPAUDIT_BOOT_DEB) and installs with dpkg in a debootstrapped Debian 12 tree (systemd, auditd,
#     Debian's cloud kernel; cached in /var/cache/gpaudit-boot, keyed by the package list, built from
#     nothing when the key is new); the package leaves gpauditd enabled
#  2. boot 1, the guest on a tap link into the lab's network namespace (the DC's addresses reached
#     through a DNAT there): tests/integration/boot-check.sh runs in the guest and checks both units
#     active, no ordering cycle, gpauditd after auditd, the lab's policy in the kernel, READY and the
#     watchdog, the journal's MESSAGE_IDs and fields, drift, systemctl reload, systemctl stop
#  3. boot 2 with the DC unreachable (an isolated network): the cached policy is back from rules.d
#     (augenrules at auditd's start; gpauditd adds nothing), gpauditd active, its failed syncs logged
# The host kernel's audit rules and status are compared before and after (they must not change).
# Needs root and the integration lock (flock /tmp/gpa-integration.lock) for the lab. It
# fails, never skips, without its parts.
# Usage: boot.sh GPAUDITCTL SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
t_test=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
figures=()
figure() { figures+=("$(printf '%-34s %s' "$1:" "$2")"); }
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, the lab's network namespace)"
for tool in debootstrap dpkg-buildpackage dpkg-deb systemd-nspawn qemu-system-x86_64 mkfs.ext4 nft ip auditctl; do
    command -v "$tool" >/dev/null || fail "$tool not found (tests/install-deps.sh installs it)"
done
# The guest runs under QEMU's TCG by default: on these machines (KVM nested in a VM) /dev/kvm exists but
# a KVM guest stalls in early boot or dies on "KVM internal error ... emulation failure" (a locked
# cmpxchg16b). GPAUDIT_BOOT_ACCEL=kvm where KVM works.
accel=${GPAUDIT_BOOT_ACCEL:-tcg}
case $accel in
    tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
    kvm) [ -c /dev/kvm ] || fail "GPAUDIT_BOOT_ACCEL=kvm but no /dev/kvm"; accel_args=(-accel kvm -cpu host) ;;
    *) fail "GPAUDIT_BOOT_ACCEL=$accel: tcg or kvm" ;;
esac
[ -c /dev/net/tun ] || fail "/dev/net/tun is missing (the guest's link into the lab)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || fail "the kernel has no overlayfs (the guest's tree is an overlay over the cache)"
# The host's audit state, to show it unchanged at the end.
host_audit() { auditctl -s | grep -v -E '^(lost|backlog|backlog_wait_time_actual) '; auditctl -l; }
host_before=$(host_audit 2>&1)
source "$here/domain-lib.sh" "$1" "$2"
[ -e "/run/netns/$GPA_LAB_NETNS" ] || fail "the lab's network namespace /run/netns/$GPA_LAB_NETNS is missing"
boot=$dtmp/boot
mkdir -p "$boot"
qemu_pid=
overlay_mounted=0
link_up=0
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        echo "stopping the guest (qemu $qemu_pid)"
        kill -TERM "$qemu_pid"
        wait "$qemu_pid" 2>/dev/null
    fi
    [ "$overlay_mounted" = 1 ] && { umount "$boot/root" || umount -l "$boot/root"; }
    [ "$link_up" = 1 ] && lab_link_down
    domain_cleanup
    local after
    after=$(host_audit 2>&1)
    if [ "$after" != "$host_before" ]; then
        # The guest has its own kernel: this test changes nothing there; another process did.
        echo "note: the host's audit rules or status changed during the test, not by it (another process):"
        diff <(echo "$host_before") <(echo "$after") | grep '^[<>]' | head -n 4
    fi
    echo "timings:"
    printf '  %s\n' "${figures[@]}"
    echo "  whole test:                        $(ms_since "$t_test") ms"
}
trap cleanup EXIT

# --- 1. the package ---------------------------------------------------------------------------------
t0=$(date +%s%N)
if [ -n "${GPAUDIT_BOOT_DEB:-}" ]; then
    deb=$GPAUDIT_BOOT_DEB
    [ -f "$deb" ] || fail "GPAUDIT_BOOT_DEB=$deb: no such file"
else
    [ -f "$source_dir/debian/control" ] || fail "no debian/control in $source_dir: the package cannot be built"
    # A copy of the sources without build directories: dpkg-buildpackage writes the .deb next to the
    # tree it builds, and its build files into it.
    mkdir -p "$boot/pkg/src"
    tar -C "$source_dir" --exclude='./build*' --exclude=./.git --exclude='./obj-*' \
        --exclude=./debian/.debhelper --exclude='./debian/gpaudit' -cf - . | tar -C "$boot/pkg/src" -xf -
    (cd "$boot/pkg/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) \
        > "$boot/dpkg-buildpackage.log" 2>&1 ||
        { tail -n 40 "$boot/dpkg-buildpackage.log"; fail "dpkg-buildpackage failed (log above)"; }
    deb=$(ls "$boot"/pkg/*.deb 2>/dev/null | grep -v -- '-dbgsym_' | head -n1)
    [ -n "$deb" ] || fail "dpkg-buildpackage made no .deb: $(ls "$boot/pkg")"
    figure "dpkg-buildpackage -b" "$(ms_since "$t0") ms"
fi
package=$(dpkg-deb -f "$deb" Package)
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

# --- the Debian 12 tree, cached -------------------------------------------------------------------
# systemd as init, auditd, Debian's cloud kernel (virtio), and what the package depends on and
# recommends (the first of each alternative); debootstrap adds their dependencies. The cache key is
# the package list, the suite, the mirror and the architecture: a new key builds a new tree from
# nothing and removes the older ones.
mirror=${GPAUDIT_BOOT_MIRROR:-}
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) {print $i; exit}}')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}')
[ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources.list* (or set GPAUDIT_BOOT_MIRROR)"
suite=bookworm
arch=$(dpkg --print-architecture)
mapfile -t packages < <({
    printf '%s\n' systemd systemd-sysv dbus auditd linux-image-cloud-amd64 initramfs-tools e2fsprogs
    dpkg-deb -f "$deb" Pre-Depends Depends Recommends | python3 -c '
import re, sys
text = re.sub(r"\n\s+", " ", sys.stdin.read())
for line in text.splitlines():
    _, _, value = line.partition(":")
    for item in value.split(","):
        name = re.sub(r"\s*\(.*\)|\s*\[.*\]|:any$", "", item.split("|")[0]).strip()
        if name and "$" not in name:
            print(name)
'
} | sort -u)
key=$(printf '%s\n' "$suite" "$mirror" "$arch" "${packages[@]}" | sha256sum | cut -c1-16)
cache_root=${GPAUDIT_BOOT_CACHE:-/var/cache/gpaudit-boot}
cache=$cache_root/$key
echo "tree: Debian $suite/$arch from $mirror with ${packages[*]}"
if [ ! -f "$cache/complete" ]; then
    mkdir -p "$cache_root"
    rm -rf "$cache.new"
    mkdir -p "$cache.new"
    t0=$(date +%s%N)
    debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" "$suite" "$cache.new/root" "$mirror" \
        > "$boot/debootstrap.log" 2>&1 || { tail -n 30 "$boot/debootstrap.log"; fail "debootstrap failed (log above)"; }
    rm -f "$cache.new/root/var/cache/apt/archives/"*.deb
    printf '%s\n' "$suite" "$mirror" "$arch" "${packages[@]}" > "$cache.new/packages"
    touch "$cache.new/complete"
    rm -rf "$cache"
    mv "$cache.new" "$cache" || fail "cannot move the new tree to $cache"
    for old in "$cache_root"/*/complete; do   # older keys' trees
        [ -e "$old" ] && [ "$(dirname "$old")" != "$cache" ] && rm -rf "$(dirname "$old")"
    done
    figure "debootstrap (cold)" "$(ms_since "$t0") ms, $(du -sm "$cache/root" | cut -f1) MiB, cache $cache"
else
    figure "debootstrap" "cached in $cache"
fi

# --- the guest's disk ------------------------------------------------------------------------------
t0=$(date +%s%N)
root=$boot/root
mkdir -p "$boot/upper" "$boot/ovlwork" "$root"
mount -t overlay overlay -o "lowerdir=$cache/root,upperdir=$boot/upper,workdir=$boot/ovlwork" "$root" ||
    fail "cannot mount an overlay over $cache/root"
overlay_mounted=1
# dpkg and systemctl in the tree, without booting it (no audit there).
in_tree() {
    SYSTEMD_SECCOMP=0 systemd-nspawn --quiet --keep-unit --register=no --private-network --timezone=off \
        --resolv-conf=off --link-journal=no --directory="$root" --pipe "$@" < /dev/null
}
cp "$deb" "$root/var/cache/$package.deb"
in_tree dpkg -i "/var/cache/$package.deb" > "$boot/dpkg-i.log" 2>&1 ||
    { cat "$boot/dpkg-i.log"; fail "dpkg -i $(basename "$deb") in the Debian 12 tree failed"; }
rm -f "$root/var/cache/$package.deb"
echo "dpkg -i: $(grep -m1 'Setting up' "$boot/dpkg-i.log")"
enabled=$(in_tree systemctl is-enabled auditd.service gpauditd.service 2>/dev/null | tr '\n' ' ')
echo "systemctl is-enabled auditd gpauditd (after dpkg -i): $enabled"
[ "$enabled" = "enabled enabled " ] || fail "the package did not leave auditd and gpauditd enabled: $enabled"
[ -f "$root/etc/gpauditd.conf" ] || fail "the package installed no /etc/gpauditd.conf"
# This host as LINUX1 of the lab; no first-boot set-up (a machine id, a hostname, systemd.firstboot=off).
python3 -c 'import uuid; print(uuid.uuid4().hex)' > "$root/etc/machine-id"
echo linux1 > "$root/etc/hostname"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$root/etc/fstab"
lab_ip=10.99.0.1   # the DC as the guest sees it (a DNAT to $GPA_DC_IP in the lab's namespace)
guest_ip=10.99.0.2
printf '127.0.0.1\tlocalhost linux1\n%s\t%s %s %s\n' "$lab_ip" "$GPA_DC_HOST" "${GPA_DC_HOST%%.*}" "$GPA_DNS_DOMAIN" \
    > "$root/etc/hosts"
rm -f "$root/etc/resolv.conf"
printf 'nameserver %s\nsearch %s\noptions timeout:1 attempts:1\n' "$lab_ip" "$GPA_DNS_DOMAIN" > "$root/etc/resolv.conf"
sed "s/$GPA_DC_IP/$lab_ip/g" "$GPA_LAB_DIR/krb5.conf" > "$root/etc/krb5.conf"
install -m 600 "$GPA_KEYTAB" "$root/etc/krb5.keytab"
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=e*\n[Network]\nAddress=%s/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' "$guest_ip" \
    > "$root/etc/systemd/network/50-lab.network"
in_tree systemctl enable systemd-networkd.service > /dev/null 2>&1 || fail "cannot enable systemd-networkd in the tree"
cp "$root/etc/gpauditd.conf" "$boot/gpauditd.conf.packaged"
cat > "$root/etc/gpauditd.conf" <<CONF
realm: $GPA_REALM
machine: LINUX1\$
keytab: /etc/krb5.keytab
drift_check_interval: 1s
CONF
# The watchdog as packaged is kept; a drop-in shortens it so that the pings can be seen.
mkdir -p "$root/etc/systemd/system/gpauditd.service.d"
printf '[Service]\nWatchdogSec=30s\n' > "$root/etc/systemd/system/gpauditd.service.d/boot-test.conf"
# The checks, run once auditd and gpauditd have started.
install -m 755 "$here/boot-check.sh" "$root/usr/local/sbin/gpaudit-boot-check"
cat > "$root/etc/systemd/system/gpaudit-boot-check.service" <<'UNIT'
[Unit]
Description=gpaudit boot test checks
After=multi-user.target auditd.service gpauditd.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/gpaudit-boot-check
[Install]
WantedBy=multi-user.target
UNIT
in_tree systemctl enable gpaudit-boot-check.service > /dev/null 2>&1 || fail "cannot enable the check unit"
if grep -rqsE '^\s*-e\s+2' "$root/etc/audit/rules.d"; then echo "note: the tree's rules.d ends with -e 2 (the guest's kernel only)"; fi
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)
[ -f "$kernel" ] && [ -f "$initrd" ] || fail "no kernel or initrd in the tree's /boot"
cp "$kernel" "$boot/vmlinuz"
cp "$initrd" "$boot/initrd.img"
mkfs.ext4 -q -F -L root -d "$root" "$boot/disk.img" 3G > "$boot/mkfs.log" 2>&1 ||
    { cat "$boot/mkfs.log"; fail "mkfs.ext4 -d failed"; }
umount "$root" && overlay_mounted=0
figure "install + guest disk" "$(ms_since "$t0") ms (dpkg -i, configuration, mkfs.ext4 -d)"

# --- the guest's link into the lab ----------------------------------------------------------------
# A tap device in the lab's namespace (10.99.0.1), packets to it DNATed to the DC ($GPA_DC_IP, which
# samba binds) with route_localnet; removed at the end.
lab_ns() { ip netns exec "$GPA_LAB_NETNS" "$@"; }
lab_link_up() {
    link_up=1
    lab_ns ip tuntap add dev gpaboot0 mode tap || fail "cannot create a tap device in the lab's namespace"
    lab_ns ip addr add "$lab_ip/24" dev gpaboot0
    lab_ns ip link set gpaboot0 up
    route_localnet_before=$(lab_ns sysctl -n net.ipv4.conf.all.route_localnet)
    lab_ns sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.gpaboot0.route_localnet=1
    lab_ns nft -f - <<NFT || fail "cannot add the DNAT for the guest"
table ip gpaudit_boot {
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        iifname "gpaboot0" ip daddr $lab_ip dnat to $GPA_DC_IP
    }
}
NFT
}
lab_link_down() {
    lab_ns nft delete table ip gpaudit_boot 2>/dev/null
    lab_ns ip link del gpaboot0 2>/dev/null
    [ -n "${route_localnet_before:-}" ] && lab_ns sysctl -qw net.ipv4.conf.all.route_localnet="$route_localnet_before"
    link_up=0
}

# --- booting -----------------------------------------------------------------------------------------
# boot_guest PHASE NETWORK...: boots the disk, waits for the check script's END (it powers off).
boot_guest() {
    local phase=$1
    shift
    local checks=$boot/checks$phase.log console=$boot/console$phase.log t0 limit=420
    : > "$checks"
    t0=$(date +%s%N)
    "$@" qemu-system-x86_64 "${accel_args[@]}" -m 1024 -smp 2 -display none -no-reboot \
        -kernel "$boot/vmlinuz" -initrd "$boot/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 audit=1 panic=-1 systemd.firstboot=off" \
        -drive "file=$boot/disk.img,format=raw,if=virtio" \
        -serial "file:$console" -serial "file:$checks" "${netdev[@]}" < /dev/null > "$boot/qemu$phase.log" 2>&1 &
    qemu_pid=$!
    local first=
    for _ in $(seq $((limit * 5))); do
        [ -z "$first" ] && grep -q '^phase' "$checks" && first=$(ms_since "$t0")
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid"
        wait "$qemu_pid" 2>/dev/null
        qemu_pid=
        sed 's/^/  /' "$checks"
        tail -n 40 "$console" | sed 's/^/  console: /'
        head -c 2000 "$boot/qemu$phase.log"
        fail "boot $phase: the guest did not finish its checks in $limit s"
    fi
    wait "$qemu_pid"
    qemu_pid=
    sed -i 's/\r$//' "$checks"   # the guest's serial line ends lines with CR LF
    sed 's/^/  /' "$checks"
    figure "boot $phase" "${first:-?} ms to the checks, $(ms_since "$t0") ms until powered off"
    grep -q '^FAIL' "$checks" && fail "boot $phase: $(grep -m1 '^FAIL' "$checks")"
    if ! grep -qx "PHASE $phase PASS" "$checks"; then
        cat "$boot/qemu$phase.log"
        tail -n 40 "$console" | sed 's/^/  console: /'
        fail "boot $phase: the checks did not pass"
    fi
}
lab_link_up
echo "boot 1: the guest linked into the lab (DC $GPA_DC_HOST as $lab_ip)"
netdev=(-netdev tap,id=n0,ifname=gpaboot0,script=no,downscript=no -device virtio-net-pci,netdev=n0)
boot_guest 1 ip netns exec "$GPA_LAB_NETNS"
lab_link_down
echo "boot 2: the guest on an isolated network (no DC)"
netdev=(-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0)
boot_guest 2 env
echo "PASS"
