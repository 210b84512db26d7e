// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/identity.hxx"

#include "core/base/text.hxx"
#include "core/gpclient/directory.hxx"
#include "domain/kerberos.hxx"
#include "host/files/host_config.hxx"

#include <cstdlib>
#include <unistd.h>

namespace gpaudit::domain {

std::string krb5ConfigFiles()
{
    const char *configured = ::secure_getenv("KRB5_CONFIG");
    return configured != nullptr && *configured != '\0' ? configured : "/etc/krb5.conf";
}

Result<Identity> resolveIdentity(const core::Config &config)
{
    Identity identity{config.realm, config.machine, config.keytab, config.server, "configuration", krb5ConfigFiles()};
    // sssd.conf + conf.d, smb.conf + includes (host/files/host_config), then libkrb5's default realm
    // (krb5.conf with its includes, KRB5_CONFIG honoured).
    auto hostIdentity = host::readHostIdentity();
    if (!hostIdentity)
        return fail("cannot read the host's domain configuration: " + hostIdentity.error().str());
    core::DomainIdentity detected = std::move(*hostIdentity);
    // libkrb5's default realm only when no realm is known yet: it names no machine, keytab or server, so
    // with a configured realm it would change nothing (and costs a libkrb5 context).
    if (detected.realm.empty() && identity.realm.empty())
        if (auto realm = defaultRealm(identity.krb5Config); realm && !realm->empty())
            detected = {*realm, {}, {}, {}, "krb5.conf (libkrb5's default realm)"};
    if (identity.realm.empty()) {
        identity.realm = detected.realm;
        identity.source = detected.source;
    }
    if (identity.realm.empty())
        return fail("cannot tell the domain: no realm in the configuration, /etc/sssd/sssd.conf, /etc/samba/smb.conf "
                    "or krb5.conf (set \"realm\" in gpauditd.conf or --realm)");
    if (identity.machine.empty() && !detected.machine.empty())
        identity.machine = detected.machine;
    if (identity.machine.empty()) {
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
            std::string name(host);
            name = name.substr(0, name.find('.'));
            if (name.size() > 15)
                name.resize(15); // NetBIOS names are 15 characters
            identity.machine = core::toUpper(name) + "$";
        }
    }
    if (identity.machine.empty())
        return fail("cannot tell the computer account (set \"machine\" in gpauditd.conf or --machine)");
    if (identity.server.empty())
        identity.server = detected.server;
    if (config.keytab == core::Config{}.keytab && !detected.keytab.empty())
        identity.keytab = detected.keytab;
    return identity;
}

} // namespace gpaudit::domain
