#!/bin/bash
# gpauditd never maps the network libraries: its syncs' network half runs in the sync worker
# (gpauditctl --sync-worker, daemon/sync_worker.hxx), which links them. Checked on the executables'
# NEEDED entries (what the loader maps at start); libsmbclient is dlopen()ed and never NEEDED, so it
# is checked as a string in the daemon (the name it would dlopen).
# Usage: daemon-libraries.sh GPAUDITD GPAUDITCTL
set -u
daemon=$1 ctl=$2
network='libkrb5|libgssapi|libldap|liblber|libsasl2|libgnutls|libk5crypto|libsmbclient|libresolv'
needed() { readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; }
fail=0
echo "gpauditd needs: $(needed "$daemon" | tr '\n' ' ')"
if needed "$daemon" | grep -E "$network"; then
  echo "FAIL: gpauditd links a network library (above)"; fail=1
fi
if grep -q -a 'libsmbclient.so' "$daemon"; then
  echo "FAIL: gpauditd carries the name of libsmbclient (it would dlopen it)"; fail=1
fi
# The check can fail: the worker's program links them.
if ! needed "$ctl" | grep -qE 'libkrb5|libldap'; then
  echo "FAIL: gpauditctl does not link libkrb5/libldap: this check reads nothing"; fail=1
fi
[ $fail = 0 ] && echo "ok: gpauditd maps no network library; gpauditctl (its sync worker) does"
exit $fail
