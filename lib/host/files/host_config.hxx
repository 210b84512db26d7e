// SPDX-License-Identifier: GPL-2.0-or-later
// The host's domain identity from the files sssd and Samba read, with their includes as they honour
// them: sssd.conf and its conf.d snippets, smb.conf with `include =` and `config file =`. The parsing
// and merging are the pure core's (core/gpclient/directory); this reads the files, bounded (size of
// each, number of files, depth). krb5.conf's default realm is libkrb5's (domain::defaultRealm).
#pragma once

#include "core/base/result.hxx"
#include "core/gpclient/directory.hxx"

#include <string>

namespace gpaudit::host {

struct HostConfigPaths {
    std::string sssdConf = "/etc/sssd/sssd.conf";
    std::string sssdConfDir = "/etc/sssd/conf.d";
    std::string smbConf = "/etc/samba/smb.conf";
};

// At most this many conf.d snippets and this many bytes in each configuration file.
inline constexpr std::size_t kMaxSssdSnippets = 64;
inline constexpr std::size_t kMaxHostConfigFile = 1u << 20;

// sssd's identity when it has an AD domain, else smb.conf's when it is joined (security = ads), else an
// empty identity. Missing files are not errors; an unreadable or oversized one, too many snippets,
// includes nested too deep are (naming the file).
Result<core::DomainIdentity> readHostIdentity(const HostConfigPaths &paths = {});

} // namespace gpaudit::host
