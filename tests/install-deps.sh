#!/bin/bash
# Installs what gpaudit needs to build and test on Debian 12, with apt-get only. Idempotent: does
# nothing when everything is there. Package scripts are kept from starting services (auditd) on the
# host while installing: the tests start what they need themselves.
set -euo pipefail
packages=(
    meson ninja-build g++ pkg-config python3          # build
    libyaml-cpp-dev libexpected-dev libaudit-dev        # libraries
    libexpat1-dev                                       # GPMC backup manifests (XML)
    libauparse-dev nlohmann-json3-dev nettle-dev        # audit logs (search/analyze), every JSON, SHA-256
    libldap-dev libsasl2-dev libsmbclient-dev libkrb5-dev # domain client
    libsasl2-modules-gssapi-mit                         # GSSAPI for libldap (runtime)
    libsystemd-dev                                      # gpauditd: sd-event, sd_notify, journal
    systemd                                             # systemd-analyze (the unit's hardening test)
    doctest-dev                                         # unit tests
    # the lab domain controller (tests/lab/lab-up.sh) and the samba-gpupdate peer
    samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind
    krb5-user ldap-utils smbclient ldb-tools iproute2 python3-cryptography
    nftables                                            # SMB refused inside the lab namespace (domain-apply)
    # the libraries of SSSD, which tests/lab/lab-sssd.sh unpacks (not installs) into the lab
    libc-ares2 libdhash1 libini-config5 libjansson4 libnfsidmap1 libnl-3-200 libnl-route-3-200
    libref-array1 libsemanage2 libdbus-1-3 libpcre2-8-0
    auditd                                              # auditctl for the kernel integration test
    clang libclang-rt-14-dev clang-format               # sanitizer build, fuzzers, format check
    clang-tidy                                          # the lint test clang-tidy
    build-essential debhelper dpkg-dev lintian bash-completion  # the Debian package (tests/package/deb.sh)
    debootstrap qemu-system-x86 systemd-container e2fsprogs     # the boot test (a QEMU guest)
)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo) to install them" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
guard=/usr/sbin/policy-rc.d
created_guard=0
if [ ! -e "$guard" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$guard"
    chmod +x "$guard"
    created_guard=1
fi
# An EXIT trap's last status becomes the script's: the test must not be the last command.
cleanup() {
    if [ "$created_guard" = 1 ]; then rm -f "$guard"; fi
    return 0
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
