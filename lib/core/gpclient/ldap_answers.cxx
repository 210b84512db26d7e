// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/gpclient/ldap_answers.hxx"

#include "core/base/text.hxx"
#include "core/gpclient/directory.hxx"

#include <algorithm>
#include <span>

namespace gpaudit::core {

namespace {

std::span<const std::uint8_t> bytesOf(const std::string &value)
{
    return {reinterpret_cast<const std::uint8_t *>(value.data()), value.size()};
}

} // namespace

const std::string *DirectoryEntry::first(const std::string &lowerName) const
{
    auto it = attributes.find(lowerName);
    if (it == attributes.end() || it->second.empty())
        return nullptr;
    return &it->second.front();
}

Result<std::uint32_t> integerAttribute(const DirectoryEntry &entry, const std::string &lowerName, const char *name)
{
    const std::string *text = entry.first(lowerName);
    if (text == nullptr)
        return 0U;
    std::string_view digits = *text;
    const bool negative = !digits.empty() && digits.front() == '-';
    if (negative)
        digits.remove_prefix(1);
    std::uint32_t value = 0;
    if (!parseDecimal(digits, value))
        return fail("LDAP: " + std::string(name) + " of " + entry.dn + " is not a number: \"" + *text + "\"");
    return negative ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(value)) : value;
}

DiscoveryNeeds discoveryNeeds(const KnownDiscovery &known, const std::string &configuredSite, bool newTicket,
                              std::int64_t ticketExpiry)
{
    DiscoveryNeeds needs;
    needs.token =
        !known.tokenGroupsKnown || known.computerSid.empty() || newTicket || known.tokenTicketExpiry != ticketExpiry;
    needs.site = configuredSite.empty() ? known.site : configuredSite;
    needs.ping = (configuredSite.empty() && (known.site.empty() || newTicket)) || known.forestDn.empty();
    return needs;
}

Result<ComputerAndSoms> readComputerAndSoms(const std::vector<DirectoryEntry> &entries, const std::string &machine,
                                            const std::string &baseDn)
{
    ComputerAndSoms out;
    int computers = 0;
    for (const auto &entry : entries) {
        out.byDn[toLower(entry.dn)] = &entry;
        auto classes = entry.attributes.find("objectclass");
        const bool isComputer = classes != entry.attributes.end() &&
                                std::any_of(classes->second.begin(), classes->second.end(),
                                            [](const std::string &c) { return equalsIgnoreCase(c, "computer"); });
        if (!isComputer)
            continue;
        ++computers;
        out.computerDn = entry.dn;
        const std::string *sid = entry.first("objectsid");
        if (sid == nullptr)
            return fail("LDAP: the computer object " + entry.dn + " has no objectSid");
        auto parsed = parseBinarySid(bytesOf(*sid));
        if (!parsed)
            return fail("LDAP: objectSid of " + entry.dn + ": " + parsed.error().message);
        out.computerSid = parsed->str();
    }
    if (computers == 0)
        return fail("LDAP: no computer account " + machine + " in " + baseDn +
                    " (is this host joined? set \"machine\" in the configuration)");
    if (computers > 1)
        return fail("LDAP: more than one computer account named " + machine);
    return out;
}

Result<std::vector<Som>> somsInOrder(const DirectoryEntry *site, const ComputerAndSoms &answer,
                                     const std::string &baseDn)
{
    std::vector<Som> soms;
    auto add = [&](const DirectoryEntry &entry, Som::Kind kind) -> Result<void> {
        auto options = integerAttribute(entry, "gpoptions", "gPOptions");
        if (!options)
            return tl::unexpected(options.error());
        const auto *link = entry.first("gplink");
        soms.push_back({kind, entry.dn, link ? *link : std::string(), *options});
        return {};
    };
    if (site != nullptr)
        if (auto ok = add(*site, Som::Kind::Site); !ok)
            return tl::unexpected(ok.error());
    auto domainHead = answer.byDn.find(toLower(baseDn));
    if (domainHead == answer.byDn.end())
        return fail("LDAP: the domain head " + baseDn + " was not returned");
    if (auto ok = add(*domainHead->second, Som::Kind::Domain); !ok)
        return tl::unexpected(ok.error());
    auto chain = ouChain(answer.computerDn, baseDn);
    if (!chain)
        return tl::unexpected(chain.error());
    for (const auto &ou : *chain) {
        auto found = answer.byDn.find(toLower(ou));
        if (found == answer.byDn.end())
            return fail("LDAP: the organizational unit " + ou + " was not returned");
        if (auto ok = add(*found->second, Som::Kind::OrganizationalUnit); !ok)
            return tl::unexpected(ok.error());
    }
    return soms;
}

Result<std::vector<std::string>> linkedGpoGuids(const std::vector<Som> &soms)
{
    std::vector<std::string> guids;
    for (const auto &s : soms) {
        auto links = parseGpLink(s.gpLink);
        if (!links)
            return fail("LDAP: gPLink of " + s.dn + ": " + links.error().message);
        for (const auto &link : *links)
            if (std::find(guids.begin(), guids.end(), link.guid) == guids.end())
                guids.push_back(link.guid);
    }
    return guids;
}

std::string containersFilter(const std::vector<std::string> &guids)
{
    std::string filter = "(&(objectClass=groupPolicyContainer)(|";
    for (const auto &g : guids)
        filter += "(cn={" + ldapFilterEscape(g) + "})";
    filter += "))";
    return filter;
}

Result<std::vector<GroupPolicyContainer>> readContainers(const std::vector<DirectoryEntry> &entries)
{
    std::vector<GroupPolicyContainer> containers;
    for (const auto &entry : entries) {
        GroupPolicyContainer gpc;
        const auto *cn = entry.first("cn");
        auto guid = cn ? parseGuid(*cn) : std::nullopt;
        if (!guid)
            return fail("LDAP: groupPolicyContainer " + entry.dn + " has no {GUID} name");
        gpc.guid = *guid;
        if (const auto *v = entry.first("displayname"))
            gpc.displayName = *v;
        if (const auto *v = entry.first("gpcfilesyspath"))
            gpc.fileSysPath = *v;
        auto version = integerAttribute(entry, "versionnumber", "versionNumber");
        if (!version)
            return tl::unexpected(version.error());
        auto flags = integerAttribute(entry, "flags", "flags");
        if (!flags)
            return tl::unexpected(flags.error());
        gpc.versionNumber = *version;
        gpc.flags = *flags;
        if (const auto *v = entry.first("gpcmachineextensionnames"))
            gpc.machineExtensionNames = *v;
        if (const auto *v = entry.first("gpcwqlfilter"))
            gpc.wqlFilter = *v;
        if (const auto *v = entry.first("ntsecuritydescriptor"))
            gpc.securityDescriptor.assign(v->begin(), v->end());
        containers.push_back(std::move(gpc));
    }
    return containers;
}

Result<std::vector<std::string>> readTokenGroups(const std::vector<DirectoryEntry> &entries,
                                                 const std::string &computerDn)
{
    if (entries.empty())
        return fail("LDAP: cannot read tokenGroups of " + computerDn);
    std::vector<std::string> groups;
    auto it = entries.front().attributes.find("tokengroups");
    if (it != entries.front().attributes.end())
        for (const auto &value : it->second) {
            auto sid = parseBinarySid(bytesOf(value));
            if (!sid)
                return fail("LDAP: tokenGroups of " + computerDn + ": " + sid.error().message);
            groups.push_back(sid->str());
        }
    return groups;
}

std::vector<Sid> securityToken(const std::string &computerSid, const std::vector<std::string> &groups)
{
    std::vector<Sid> token;
    if (auto sid = parseSid(computerSid))
        token.push_back(*sid);
    for (const auto &g : groups)
        if (auto parsed = parseSid(g))
            token.push_back(*parsed);
    return token;
}

} // namespace gpaudit::core
