// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of talking to Active Directory: distinguished names, LDAP filter escaping, binary
// SIDs, the LDAP ping answer (site discovery) and the host's domain identity from its configuration
// files. No I/O: the adapters in lib/domain feed bytes in.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

// "GPA.TEST" -> "DC=gpa,DC=test".
std::string realmToBaseDn(std::string_view realm);

// The RDNs of a DN ("CN=LINUX1,OU=Servers,DC=gpa,DC=test" -> 4), honouring RFC 4514 escapes ("\,"
// and "\2C" stay inside their RDN). Errors for an empty RDN, an RDN without "=", a dangling escape.
Result<std::vector<std::string>> splitDn(std::string_view dn);

// The organisational units whose gPLink applies to an object, from the domain head's child down to
// the object's parent (MS-GPOL 3.2.5.1.1: only OU= containers carry links; CN= containers such as
// CN=Computers are skipped). The object must be under baseDn (compared case-insensitively).
Result<std::vector<std::string>> ouChain(std::string_view objectDn, std::string_view baseDn);

// RFC 4515 escaping of an assertion value: * ( ) \ NUL and non-ASCII bytes become \XX.
std::string ldapFilterEscape(std::string_view value);

// MS-DTYP 2.4.2.2: a binary SID (objectSid, tokenGroups values). Errors when it does not fit exactly.
Result<Sid> parseBinarySid(std::span<const std::uint8_t> bytes);

// NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9), the answer to an LDAP ping (MS-ADTS 6.3.3): names
// are RFC 1035 compressed. The client's site decides the site-linked GPOs (MS-GPOL 3.2.5.1.1).
struct NetlogonInfo {
    std::uint32_t flags = 0;
    std::string dnsForestName;
    std::string dnsDomainName;
    std::string dnsHostName;
    std::string netbiosDomainName;
    std::string netbiosComputerName;
    std::string dcSiteName;
    std::string clientSiteName;
};
Result<NetlogonInfo> parseNetlogonResponse(std::span<const std::uint8_t> bytes);

// The host's domain identity, as far as its configuration tells (all fields may be empty).
struct DomainIdentity {
    std::string realm;   // "GPA.TEST"
    std::string machine; // sAMAccountName, "LINUX1$"
    std::string keytab;  // "/etc/krb5.keytab"
    std::string server;  // a DC's FQDN, when the configuration pins one
    std::string source;  // which file told the realm
};

// [libdefaults] default_realm of a krb5.conf.
std::optional<std::string> krb5DefaultRealm(std::string_view krb5Conf);
// [global] realm, netbios name and "kerberos method"/keytab hints of an smb.conf (winbind joins).
DomainIdentity identityFromSmbConf(std::string_view smbConf);
// The first [domain/...] section with id_provider = ad (or ad_domain/krb5_realm set) of an sssd.conf.
DomainIdentity identityFromSssdConf(std::string_view sssdConf);

} // namespace gpaudit::core
