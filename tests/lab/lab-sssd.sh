#!/usr/bin/env bash
# lab-sssd.sh - SSSD (id_provider = ad, joined as LINUX2$) in the lab's network namespace, for the
# tests of gpaudit's SSSD SID resolver (libsss_nss_idmap). Needs the lab up (lab-up.sh).
#
# SSSD is not installed: Debian's sssd-common pulls libnss-sss and libpam-sss, whose scripts add
# "sss" to the host's /etc/nsswitch.conf and PAM stack. Instead its packages are fetched with
# `apt-get download` into the lab cache, unpacked with dpkg-deb -x, and laid over /usr, /etc and
# /var/lib with read-only overlay mounts inside the mount namespace of `ip netns exec` (the host's
# files are never written); /var/lib/sss is the lab's own directory, bound in the same way for
# sssd and for its clients, so they share its pipes.
#
# Prints  export GPA_SSSD_EXEC=...  : a wrapper that runs a command in the lab's network namespace
# with SSSD's client view (/var/lib/sss, libsss_nss_idmap and nss_sss on LD_LIBRARY_PATH, an
# nsswitch.conf of "files sss"), e.g.  $GPA_SSSD_EXEC getent passwd someuser
# Idempotent: a running sssd is reused. lab-down.sh stops it with everything else in the namespace.
set -euo pipefail
: "${GPA_LAB_DIR:=/tmp/gpa-lab/state}"
: "${GPA_LAB_NETNS:=gpalab}"
: "${GPA_LAB_CACHE:=/tmp/gpa-lab/cache}"
LAB=$GPA_LAB_DIR; NS=$GPA_LAB_NETNS; S=$LAB/sssd
say() { printf '[lab-sssd] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
[[ -f $LAB/lab.env && -e /run/netns/$NS ]] || die "the lab is not up (tests/lab/lab-up.sh)"
# shellcheck disable=SC1091
source "$LAB/lab.env"

# 1. the packages, unpacked once per version into the cache
packages=(sssd-common sssd-ad sssd-ad-common sssd-krb5-common libsss-idmap0 libsss-nss-idmap0 libsss-certmap0
          libnss-sss)
version=$(apt-cache policy sssd-common | awk '/Candidate:/ {print $2}')
[[ -n $version && $version != "(none)" ]] || { apt-get update -q >&2; version=$(apt-cache policy sssd-common | awk '/Candidate:/ {print $2}'); }
[[ -n $version && $version != "(none)" ]] || die "apt knows no sssd-common package"
root=$GPA_LAB_CACHE/sssd-${version//[^A-Za-z0-9.+~-]/_}
if [[ ! -x $root/usr/sbin/sssd ]]; then
  say "fetching SSSD $version (${packages[*]})"
  rm -rf "$root.debs" "$root"
  mkdir -p "$root.debs" "$root"
  ( cd "$root.debs" && apt-get download -q "${packages[@]/%/=$version}" ) >&2 ||
    { apt-get update -q >&2; ( cd "$root.debs" && apt-get download -q "${packages[@]/%/=$version}" ) >&2; } ||
    die "apt-get download ${packages[*]} failed"
  for deb in "$root.debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$root.debs"
fi
libdir=$(dirname "$(ls "$root"/usr/lib/*/libsss_nss_idmap.so.0 | head -n1)")
nssdir=$(dirname "$(ls "$root"/lib/*/libnss_sss.so.2 "$root"/usr/lib/*/libnss_sss.so.2 2>/dev/null | head -n1)")
# Their shared libraries must be on the host (tests/install-deps.sh installs them).
missing=$(for f in "$root"/usr/sbin/sssd "$root"/usr/libexec/sssd/sssd_be "$root"/usr/libexec/sssd/sssd_nss \
               "$root"/usr/libexec/sssd/ldap_child "$libdir"/sssd/libsss_ad.so; do
            LD_LIBRARY_PATH=$libdir:$libdir/sssd ldd "$f" | awk '/not found/ {print $1}'
          done | sort -u | tr '\n' ' ')
[[ -z $missing ]] || die "libraries SSSD needs are missing: $missing(tests/install-deps.sh)"

# 2. the client wrapper (also used to check that sssd answers)
mkdir -p "$S"/var/{db,pipes/private,mc,pubconf/krb5.include.d,keytabs,gpo_cache,secrets,deskprofile} \
         "$S"/layer-varlib/sss "$S"/layer-etc/sssd/conf.d "$S"/layer-client-etc "$S"/log
chmod 700 "$S"/var/db "$S"/var/pipes/private "$S"/var/keytabs "$S"/var/secrets
cp "$LAB/krb5.conf" "$S/layer-etc/krb5.conf"
printf 'passwd: files sss\ngroup: files sss\n' > "$S/layer-client-etc/nsswitch.conf"
cat > "$LAB/bin/sssdexec" <<EOF
#!/bin/sh
# sssdexec CMD [ARG...]: CMD in the lab's network namespace with SSSD's client view (lab-sssd.sh).
[ \$# -gt 0 ] || { echo "usage: \$0 CMD [ARG...]" >&2; exit 2; }
exec ip netns exec '$NS' /bin/sh -c '
  set -e
  mount --bind "$LAB/etc/hosts" /etc/hosts
  mount --bind "$LAB/etc/resolv.conf" /etc/resolv.conf
  mount -t overlay overlay -o lowerdir="$S/layer-varlib":/var/lib /var/lib
  mount --bind "$S/var" /var/lib/sss
  mount -t overlay overlay -o lowerdir="$S/layer-client-etc":/etc /etc
  export LD_LIBRARY_PATH="$libdir:$nssdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  exec "\$@"' sssdexec "\$@"
EOF
chmod 755 "$LAB/bin/sssdexec"
echo "export GPA_SSSD_EXEC='$LAB/bin/sssdexec'"

if [[ -f $S/sssd.pid ]] && grep -q sssd "/proc/$(cat "$S/sssd.pid")/cmdline" 2>/dev/null; then
  say "sssd already running (pid $(cat "$S/sssd.pid"))"
  exit 0
fi

# 3. the configuration: the lab's domain, LINUX2$'s keytab, SIDs mapped by SSSD's own algorithm
#    (ldap_id_mapping), nothing written to the directory (no DNS update, no machine password change).
cat > "$S/sssd.conf" <<EOF
[sssd]
services = nss
domains = $GPA_DNS_DOMAIN

[nss]

[domain/$GPA_DNS_DOMAIN]
id_provider = ad
access_provider = permit
ad_domain = $GPA_DNS_DOMAIN
ad_server = $GPA_DC_HOST
ad_hostname = linux2.$GPA_DNS_DOMAIN
krb5_realm = $GPA_REALM
krb5_keytab = $GPA_KEYTAB2
ldap_krb5_keytab = $GPA_KEYTAB2
ldap_sasl_authid = $GPA_MACHINE2_PRINCIPAL
ad_maximum_machine_account_password_age = 0
dyndns_update = false
ldap_id_mapping = true
cache_credentials = false
use_fully_qualified_names = false
debug_level = 2
EOF
chmod 600 "$S/sssd.conf"

# 4. sssd in the foreground of a process of its own, its view of /usr, /etc, /var/lib and a private /run
say "starting sssd in netns $NS"
ip netns exec "$NS" /bin/sh -c '
  set -e
  mount -t overlay overlay -o lowerdir="$1/usr":/usr /usr
  mount -t overlay overlay -o lowerdir="$2/layer-varlib":/var/lib /var/lib
  mount --bind "$2/var" /var/lib/sss
  mount -t overlay overlay -o lowerdir="$2/layer-etc":/etc /etc
  mount --bind "$3/etc/hosts" /etc/hosts
  mount --bind "$3/etc/resolv.conf" /etc/resolv.conf
  mount -t tmpfs tmpfs /run
  exec /usr/sbin/sssd -i -c "$2/sssd.conf" --logger=stderr' sssd "$root" "$S" "$LAB" \
  > "$S/log/sssd.log" 2>&1 < /dev/null &
echo $! > "$S/sssd.pid"
for _ in $(seq 1 150); do
  kill -0 "$(cat "$S/sssd.pid")" 2>/dev/null || { sed 's/^/  /' "$S/log/sssd.log" >&2; die "sssd exited"; }
  # Online: the Administrator account resolves through nss_sss.
  "$LAB/bin/sssdexec" getent passwd administrator > /dev/null 2>&1 && { say "sssd answers (pid $(cat "$S/sssd.pid"))"; exit 0; }
  sleep 0.2
done
sed 's/^/  /' "$S/log/sssd.log" >&2
die "sssd did not answer within 30 s"
