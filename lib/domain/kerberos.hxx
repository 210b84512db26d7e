// SPDX-License-Identifier: GPL-2.0-or-later
// The machine's Kerberos ticket from its keytab (MIT libkrb5), in a private FILE: ccache: libsmbclient
// uses Samba's bundled Heimdal, which cannot see an MIT MEMORY: ccache (lab.md).
#pragma once

#include "core/result.hxx"

#include <chrono>
#include <string>

namespace gpaudit::domain {

struct MachineTicket {
    std::string principal; // LINUX1$@GPA.TEST
    std::string ccache;    // FILE:/var/lib/gpauditd/krb5cc
    std::chrono::system_clock::time_point expires;
    bool renewed = false; // a new TGT was obtained by this call
};

// Reuses the ccache's TGT while it is valid for more than `margin`; otherwise gets a new one with the
// keytab (written to a temporary ccache and renamed over the old one, so no reader sees half a file).
// The caller points KRB5CCNAME at ticket.ccache for libldap and libsmbclient.
Result<MachineTicket> ensureMachineTicket(const std::string &keytab, const std::string &principal,
                                          const std::string &ccachePath, std::chrono::seconds margin);

} // namespace gpaudit::domain
