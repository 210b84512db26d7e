// SPDX-License-Identifier: GPL-2.0-or-later
// Reading the directory's answers of one sync (MS-GPOL 3.2.5.1): the computer object and the SOMs it
// sits under, the groupPolicyContainers they link, and the computer's security token (tokenGroups).
// Pure: the LDAP adapter (lib/domain/ldap) fills DirectoryEntry values, nothing here does I/O.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"
#include "core/gpclient/gpo_list.hxx"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gpaudit::core {

// One entry of a search answer: attribute names in lower case, values as raw bytes.
struct DirectoryEntry {
    std::string dn;
    std::map<std::string, std::vector<std::string>> attributes;

    // The first value of an attribute (lower-case name), nullptr when absent or without values.
    [[nodiscard]] const std::string *first(const std::string &lowerName) const;
};

// versionNumber, flags and gPOptions are INTEGER syntax (signed 32 bits); a negative value keeps its bit
// pattern. An absent attribute is 0; anything else that is not a number is a malformed answer, named
// with the attribute (`name`, as the schema spells it) and the entry's DN.
Result<std::uint32_t> integerAttribute(const DirectoryEntry &entry, const std::string &lowerName, const char *name);

// What this sync's discovery must ask, from what the last one learnt (host/state DiscoveryCache).
// Windows takes the computer's groups from its Kerberos ticket, so a membership change counts from the
// next ticket: tokenGroups is read again whenever the machine TGT is not the one it was read with. The
// LDAP ping (MS-ADTS 6.3.3) tells the client's site and the forest: asked when no site is configured
// and none is known or a new ticket came, and whenever the forest is not known.
struct KnownDiscovery {
    std::string computerSid;
    bool tokenGroupsKnown = false;
    std::int64_t tokenTicketExpiry = 0; // the TGT's end time (seconds) when tokenGroups was read
    std::string site;
    std::string forestDn;
};
struct DiscoveryNeeds {
    bool token = false; // read tokenGroups
    bool ping = false;  // send the LDAP ping
    std::string site;   // the site whose links are read (configured, else known), may be empty
};
DiscoveryNeeds discoveryNeeds(const KnownDiscovery &known, const std::string &configuredSite, bool newTicket,
                              std::int64_t ticketExpiry);

// The answer to the SOM search (the computer by sAMAccountName, the domain head and the OUs above it):
// exactly one computer object, with its objectSid; every entry indexed by its DN in lower case.
struct ComputerAndSoms {
    std::string computerDn;
    std::string computerSid;                            // S-1-5-21-...
    std::map<std::string, const DirectoryEntry *> byDn; // points into the answer it was read from
};
Result<ComputerAndSoms> readComputerAndSoms(const std::vector<DirectoryEntry> &entries, const std::string &machine,
                                            const std::string &baseDn);

// The SOMs in MS-GPOL 3.2.5.1 order: the site (when its entry is given), the domain head, then the OUs
// from the top down to the computer's parent. An OU or the domain head missing from the answer is an
// error (the answer is incomplete, the list would be wrong).
Result<std::vector<Som>> somsInOrder(const DirectoryEntry *site, const ComputerAndSoms &answer,
                                     const std::string &baseDn);

// The GUIDs the SOMs' gPLinks name, each once, in order of appearance.
Result<std::vector<std::string>> linkedGpoGuids(const std::vector<Som> &soms);

// The LDAP filter that asks for those groupPolicyContainers in one search (under CN=Policies,CN=System).
std::string containersFilter(const std::vector<std::string> &guids);

// groupPolicyContainer entries (cn = {GUID}, versionNumber, flags, gPCFileSysPath, ...).
Result<std::vector<GroupPolicyContainer>> readContainers(const std::vector<DirectoryEntry> &entries);

// The computer's tokenGroups (binary SIDs) as text SIDs. `entries`: the answer to the base search of
// the computer object; empty is an error (the computer's groups cannot be told).
Result<std::vector<std::string>> readTokenGroups(const std::vector<DirectoryEntry> &entries,
                                                 const std::string &computerDn);

// The security token the GPO filter checks (MS-GPOL 3.2.5.1.6): the computer's SID and its groups.
// Text SIDs that do not parse are left out (they come from the discovery cache).
std::vector<Sid> securityToken(const std::string &computerSid, const std::vector<std::string> &groups);

} // namespace gpaudit::core
