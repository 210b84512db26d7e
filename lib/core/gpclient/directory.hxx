// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of talking to Active Directory: distinguished names, LDAP filter escaping, binary
// SIDs, the LDAP ping answer (site discovery) and the host's domain identity from its configuration
// files. No I/O: the adapters in lib/domain feed bytes in.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"

#include <cstdint>
#include <functional>
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

// (krb5.conf's default realm is libkrb5's answer: lib/domain asks krb5_get_default_realm.)

// [global] realm, netbios name and "kerberos method"/keytab hints of an smb.conf (winbind joins).
// The text is the configuration with its includes expanded (expandSmbConf).
DomainIdentity identityFromSmbConf(std::string_view smbConf);
// The first [domain/...] section with id_provider = ad (or ad_domain/krb5_realm set) of an sssd.conf.
DomainIdentity identityFromSssdConf(std::string_view sssdConf);
// The same over sssd.conf followed by its snippets (/etc/sssd/conf.d/*.conf in the order sssd reads them,
// sssdSnippetOrder): sssd's merge rules, a section in a later file adds its options to the section of
// the same name and an option given again replaces the earlier value.
DomainIdentity identityFromSssdConf(const std::vector<std::string> &texts);

// Which files of sssd's conf.d sssd reads, in its order: names ending in ".conf" that do not start with
// '.', sorted bytewise (ding-libs' ini_config_augment over "^[^\.].*\.conf$").
std::vector<std::string> sssdSnippetOrder(std::vector<std::string> names);

// Bounds on a configuration with includes: nesting depth, files read, bytes read in all.
struct IncludeLimits {
    std::size_t maxDepth = 8;
    std::size_t maxFiles = 32;
    std::size_t maxBytes = 1u << 20;
};
// The reader of one configuration file (the adapter's I/O): its text, nullopt when it does not exist,
// an error when it exists but cannot be read.
using ConfigReader = std::function<Result<std::optional<std::string>>(const std::string &path)>;

// smb.conf as Samba reads it: `include = FILE` replaced by FILE's text where it stands (in any section;
// the included file may open sections of its own), `config file = FILE` in [global] makes FILE the whole
// configuration from then on (Samba reloads from it; once). A missing included file is skipped (Samba
// warns and goes on), as is a path with % substitutions or a relative one (Samba would expand them per
// client; this reads the host's own identity). Errors name the file: a nesting deeper, more files or
// more bytes than the limits, an unreadable file. nullopt when `path` itself does not exist.
Result<std::optional<std::string>> expandSmbConf(const std::string &path, const ConfigReader &read,
                                                 const IncludeLimits &limits = {});

} // namespace gpaudit::core
