// SPDX-License-Identifier: GPL-2.0-or-later
// The host identity probe: who this computer is in which domain, from the configuration, the host's
// sssd.conf / smb.conf / krb5.conf ($KRB5_CONFIG) and its host name. The one place in lib/domain that
// reads the environment or the host name; the parsing of those files is pure (core/gpclient/directory).
#pragma once

#include "core/base/config.hxx"
#include "core/base/result.hxx"

#include <string>

namespace gpaudit::domain {

struct Identity {
    std::string realm;   // GPA.TEST
    std::string machine; // LINUX1$
    std::string keytab;
    std::string server; // pinned DC, or empty
    std::string source; // where realm/machine came from
    // libkrb5's configuration files as it reads them, a colon-separated list: $KRB5_CONFIG, or
    // /etc/krb5.conf (krb5ConfigFiles). Every libkrb5 context of a sync is made from it (kerberos.hxx).
    std::string krb5Config;
    bool operator==(const Identity &) const = default;
};

// libkrb5's configuration file list: $KRB5_CONFIG when set and not empty (secure_getenv: not taken from
// the environment of a set-uid or set-capability run), else /etc/krb5.conf, libkrb5's default. A
// missing file is no error: libkrb5 skips it (and finds no default realm).
std::string krb5ConfigFiles();

// Explicit configuration first, then /etc/sssd/sssd.conf, /etc/samba/smb.conf, krb5.conf ($KRB5_CONFIG
// or /etc/krb5.conf) and the host name. An error says what is missing and which key sets it.
// krb5Config is always krb5ConfigFiles().
Result<Identity> resolveIdentity(const core::Config &config);

} // namespace gpaudit::domain
