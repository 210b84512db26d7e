#!/bin/bash
# The Debian package, built from the working tree as a user would (dpkg-buildpackage -us -uc -b) in a
# copy of it, so that nothing lands next to the checkout; then checked:
#  - lintian: no error and no warning (overrides, if any, are explained in debian/*.lintian-overrides)
#  - the fields: Depends on the dlopen()ed libsmbclient and the GSSAPI SASL module, Recommends auditd
#    and SSSD's or winbind's idmap library; /etc/gpauditd.conf a conffile; the unit, the completion
#  - the maintainer scripts: postinst enables gpauditd.service (deb-systemd-helper); postrm purge,
#    run for real in a private mount namespace (tmpfs over /var/lib and /etc/audit/rules.d, so the
#    host's files are not touched), removes /var/lib/gpauditd and the rules file, and nothing else
# Prints the build time and the package size. Usage: deb.sh SOURCE-ROOT [OUTPUT-DIR]
# OUTPUT-DIR (default: a temporary directory, removed) keeps the .deb for others (the boot test).
# Needs root (the mount namespace); fails, never skips, without dpkg-buildpackage or lintian.
set -u
root=$(realpath "$1")
out=${2:-}
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (the purge check runs postrm in a private mount namespace)"
for tool in dpkg-buildpackage lintian dh; do
    command -v $tool > /dev/null || fail "$tool not found (tests/install-deps.sh installs debhelper, dpkg-dev, lintian)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
src=$tmp/gpaudit-$version
mkdir "$src"
# The tree as it is (uncommitted changes included), without build directories.
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp -P --parents -t "$src" 2> /dev/null)
else
    tar -C "$root" --exclude='./build*' --exclude='./obj-*' --exclude='./debian/gpaudit' -cf - . | tar -C "$src" -xf -
fi
[ -f "$src/debian/rules" ] || fail "no debian/rules in the copy of $root"
echo "--- dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-})"
start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 || { tail -60 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
took=$(($(date +%s) - start))
deb=$(ls "$tmp"/gpaudit_"$version"_*.deb 2> /dev/null | head -1)
[ -f "$deb" ] || fail "no gpaudit_${version}_*.deb built"
echo "built $(basename "$deb") in ${took} s: $(stat -c %s "$deb") bytes, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"

echo "--- lintian"
lintian -I --pedantic --fail-on error,warning "$tmp"/gpaudit_"$version"_*.changes > "$tmp/lintian.out" 2>&1
rc=$?
sed 's/^/  /' "$tmp/lintian.out"
[ $rc = 0 ] || fail "lintian reports errors or warnings (exit $rc)"

echo "--- fields and files"
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
for want in libsmbclient libsasl2-modules-gssapi-mit; do
    grep -qE "(^|, )$want(,| |$)" <<< "$depends" || fail "Depends lacks $want: $depends"
done
grep -qE "(^|, )auditd(,| |$)" <<< "$recommends" || fail "Recommends lacks auditd: $recommends"
grep -qE "libsss-nss-idmap0 \| libwbclient0" <<< "$recommends" || fail "Recommends lacks the idmap libraries: $recommends"
mkdir "$tmp/control" "$tmp/files"
dpkg-deb -e "$deb" "$tmp/control"
dpkg-deb -x "$deb" "$tmp/files"
grep -qx /etc/gpauditd.conf "$tmp/control/conffiles" || fail "/etc/gpauditd.conf is not a conffile: $(cat "$tmp/control/conffiles")"
unit=$(find "$tmp/files" -name gpauditd.service -path '*/systemd/system/*' | head -1)
[ -n "$unit" ] || fail "no gpauditd.service in the package"
grep -q '^ExecStart=/usr/sbin/gpauditd ' "$unit" || fail "ExecStart is not /usr/sbin/gpauditd: $(grep ExecStart "$unit")"
for f in usr/sbin/gpauditd usr/sbin/gpauditctl usr/share/bash-completion/completions/gpauditctl \
    usr/share/gpaudit/mapping.yaml usr/share/man/man8/gpauditd.8.gz usr/share/doc/gpaudit/copyright etc/audit/rules.d; do
    [ -e "$tmp/files/$f" ] || fail "/$f is not in the package"
done
grep -q 'deb-systemd-helper.*enable.*gpauditd.service\|deb-systemd-helper unmask .gpauditd.service' "$tmp/control/postinst" ||
    fail "postinst does not enable gpauditd.service"
echo "Depends: $depends"
echo "Recommends: $recommends"
echo "conffiles: $(tr '\n' ' ' < "$tmp/control/conffiles")"

echo "--- postrm purge, in a private mount namespace"
DPKG_MAINTSCRIPT_PACKAGE=gpaudit DPKG_MAINTSCRIPT_NAME=postrm unshare --mount --propagation private bash -c '
    set -e
    postrm=$1
    mount -t tmpfs -o size=8m none /var/lib
    mkdir -p /etc/audit/rules.d
    mount -t tmpfs -o size=1m none /etc/audit/rules.d
    mkdir -p /var/lib/gpauditd/cache /var/lib/other
    echo x > /var/lib/gpauditd/state.yaml
    echo x > /var/lib/gpauditd/cache/file
    echo x > /var/lib/other/keep
    echo "-a always,exit -k gpaudit-x" > /etc/audit/rules.d/30-gpaudit.rules
    echo "-e 2" > /etc/audit/rules.d/99-finalize.rules
    sh "$postrm" purge
    [ ! -e /var/lib/gpauditd ] || { echo "FAIL: /var/lib/gpauditd is still there"; exit 1; }
    [ ! -e /etc/audit/rules.d/30-gpaudit.rules ] || { echo "FAIL: the rules file is still there"; exit 1; }
    [ -e /etc/audit/rules.d/99-finalize.rules ] || { echo "FAIL: the site'"'"'s rules file was removed"; exit 1; }
    [ -e /var/lib/other/keep ] || { echo "FAIL: other state was removed"; exit 1; }
    sh "$postrm" remove
    echo "purge removed /var/lib/gpauditd and 30-gpaudit.rules, kept 99-finalize.rules and other state"
' sh "$tmp/control/postrm" || fail "postrm purge"
if [ -n "$out" ]; then
    mkdir -p "$out"
    cp "$deb" "$out/"
    echo "kept $out/$(basename "$deb")"
fi
echo PASS
