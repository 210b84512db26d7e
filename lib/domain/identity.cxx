// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/identity.hxx"

#include "core/base/text.hxx"
#include "core/gpclient/directory.hxx"
#include "host/files/files.hxx"

#include <cstdlib>
#include <unistd.h>

namespace gpaudit::domain {

namespace {

std::string readSmall(const std::string &path)
{
    auto text = host::readFileBounded(path, 1 << 20);
    return text ? *text : std::string();
}

} // namespace

Result<Identity> resolveIdentity(const core::Config &config)
{
    Identity identity{config.realm, config.machine, config.keytab, config.server, "configuration"};
    core::DomainIdentity detected = core::identityFromSssdConf(readSmall("/etc/sssd/sssd.conf"));
    if (detected.realm.empty())
        detected = core::identityFromSmbConf(readSmall("/etc/samba/smb.conf"));
    if (detected.realm.empty()) {
        const char *krb5 = std::getenv("KRB5_CONFIG");
        const std::string path = krb5 && *krb5 ? std::string(krb5) : std::string("/etc/krb5.conf");
        if (auto realm = core::krb5DefaultRealm(readSmall(path)))
            detected = {*realm, {}, {}, {}, path};
    }
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
