// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/gpclient/gpo_list.hxx"

#include "core/base/text.hxx"

#include <algorithm>
#include <cstdio>
#include <map>

namespace gpaudit::core {

Result<std::vector<GpoLink>> parseGpLink(std::string_view gpLink)
{
    std::vector<GpoLink> links;
    std::size_t pos = 0;
    while (true) {
        while (pos < gpLink.size() && (gpLink[pos] == ' ' || gpLink[pos] == '\t'))
            ++pos;
        if (pos >= gpLink.size())
            break;
        if (gpLink[pos] != '[')
            return fail("gPLink: expected \"[\" at offset " + std::to_string(pos));
        const auto close = gpLink.find(']', pos);
        if (close == std::string_view::npos)
            return fail("gPLink: unterminated entry at offset " + std::to_string(pos));
        const auto entry = gpLink.substr(pos + 1, close - pos - 1);
        pos = close + 1;
        const auto semicolon = entry.rfind(';');
        if (semicolon == std::string_view::npos)
            return fail("gPLink: entry without \";options\": " + std::string(entry));
        auto url = entry.substr(0, semicolon);
        std::uint32_t options = 0;
        if (!parseDecimal(trim(entry.substr(semicolon + 1)), options))
            return fail("gPLink: options are not a number in: " + std::string(entry));
        if (!startsWithIgnoreCase(url, "LDAP://"))
            return fail("gPLink: not an LDAP URL: " + std::string(url));
        GpoLink link;
        link.dn = std::string(url.substr(7));
        // MS-GPOL 2.2.2: the DN of the GPC, whose first RDN is cn={GUID}.
        const auto comma = link.dn.find(',');
        const std::string_view first = std::string_view(link.dn).substr(0, comma);
        if (!startsWithIgnoreCase(first, "cn="))
            return fail("gPLink: the link's DN does not start with cn={GUID}: " + link.dn);
        auto guid = parseGuid(first.substr(3));
        if (!guid)
            return fail("gPLink: no GPO GUID in " + link.dn);
        link.guid = *guid;
        link.disabled = (options & 1U) != 0;
        link.enforced = (options & 2U) != 0;
        links.push_back(std::move(link));
    }
    return links;
}

Result<std::set<GuidText>> parseExtensionNames(std::string_view extensionNames)
{
    std::set<GuidText> cses;
    std::size_t pos = 0;
    extensionNames = trim(extensionNames);
    while (pos < extensionNames.size()) {
        if (extensionNames[pos] != '[')
            return fail("gPCMachineExtensionNames: expected \"[\" at offset " + std::to_string(pos));
        const auto close = extensionNames.find(']', pos);
        if (close == std::string_view::npos)
            return fail("gPCMachineExtensionNames: unterminated entry");
        const auto entry = extensionNames.substr(pos + 1, close - pos - 1);
        if (entry.size() < 38 || entry.size() % 38 != 0)
            return fail("gPCMachineExtensionNames: malformed entry [" + std::string(entry) + "]");
        for (std::size_t i = 0; i < entry.size(); i += 38)
            if (!parseGuid(entry.substr(i, 38)))
                return fail("gPCMachineExtensionNames: not a GUID: " + std::string(entry.substr(i, 38)));
        cses.insert(*parseGuid(entry.substr(0, 38))); // the first GUID is the CSE, the rest tools
        pos = close + 1;
    }
    return cses;
}

namespace {

// Bounded little-endian reads over the descriptor.
class Reader {
  public:
    explicit Reader(const std::vector<std::uint8_t> &bytes) : bytes_(bytes) {}
    bool has(std::size_t offset, std::size_t length) const
    {
        return offset <= bytes_.size() && length <= bytes_.size() - offset;
    }
    std::uint8_t u8(std::size_t offset) const { return bytes_[offset]; }
    std::uint16_t u16(std::size_t offset) const
    {
        return static_cast<std::uint16_t>(bytes_[offset] | (bytes_[offset + 1] << 8));
    }
    std::uint32_t u32(std::size_t offset) const
    {
        return static_cast<std::uint32_t>(bytes_[offset]) | (static_cast<std::uint32_t>(bytes_[offset + 1]) << 8) |
               (static_cast<std::uint32_t>(bytes_[offset + 2]) << 16) |
               (static_cast<std::uint32_t>(bytes_[offset + 3]) << 24);
    }
    // MS-DTYP 2.4.2.2: the binary SID; nullopt when it does not fit.
    std::optional<Sid> sid(std::size_t offset, std::size_t end) const
    {
        if (!has(offset, 8) || offset + 8 > end)
            return std::nullopt;
        Sid sid;
        sid.revision = u8(offset);
        const std::size_t count = u8(offset + 1);
        if (sid.revision != 1 || count > 15 || offset + 8 + 4 * count > end || !has(offset + 8, 4 * count))
            return std::nullopt;
        for (int i = 0; i < 6; ++i)
            sid.authority = (sid.authority << 8) | u8(offset + 2 + static_cast<std::size_t>(i)); // big-endian
        for (std::size_t i = 0; i < count; ++i)
            sid.subAuthorities.push_back(u32(offset + 8 + 4 * i));
        return sid;
    }
    // MS-DTYP 2.3.4.2: GUID packet form (Data1..3 little-endian).
    GuidText guid(std::size_t offset) const
    {
        char text[40];
        (void)std::snprintf(text, sizeof text, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", u32(offset),
                            u16(offset + 4), u16(offset + 6), u8(offset + 8), u8(offset + 9), u8(offset + 10),
                            u8(offset + 11), u8(offset + 12), u8(offset + 13), u8(offset + 14), u8(offset + 15));
        return text;
    }

  private:
    const std::vector<std::uint8_t> &bytes_;
};

constexpr std::uint32_t kReadProperty = 0x10;   // ADS_RIGHT_DS_READ_PROP
constexpr std::uint32_t kControlAccess = 0x100; // ADS_RIGHT_DS_CONTROL_ACCESS (extended rights)
constexpr std::uint32_t kGenericAll = 0x10000000;
constexpr std::uint32_t kGenericRead = 0x80000000;
constexpr std::uint32_t kDsAll = 0x000F01FF;
constexpr std::uint32_t kDsRead = 0x00020094;

std::uint32_t mapGeneric(std::uint32_t mask)
{
    if ((mask & kGenericAll) != 0)
        mask |= kDsAll;
    if ((mask & kGenericRead) != 0)
        mask |= kDsRead;
    return mask;
}

} // namespace

Result<GpoAccess> checkGpoAccess(const std::vector<std::uint8_t> &sd, const std::vector<Sid> &token)
{
    Reader r(sd);
    if (!r.has(0, 20) || r.u8(0) != 1)
        return fail("security descriptor: not a self-relative descriptor of revision 1");
    const std::uint16_t control = r.u16(2);
    const std::uint32_t daclOffset = r.u32(16);
    constexpr std::uint16_t kDaclPresent = 0x0004;
    if ((control & kDaclPresent) == 0 || daclOffset == 0)
        return GpoAccess{true, true}; // no DACL: no restriction (MS-DTYP 2.4.6)
    if (!r.has(daclOffset, 8))
        return fail("security descriptor: DACL offset out of range");
    const std::size_t aclSize = r.u16(daclOffset + 2);
    const std::size_t aceCount = r.u16(daclOffset + 4);
    if (aclSize < 8 || !r.has(daclOffset, aclSize))
        return fail("security descriptor: DACL size out of range");
    const std::size_t aclEnd = daclOffset + aclSize;
    auto inToken = [&](const Sid &sid) { return std::find(token.begin(), token.end(), sid) != token.end(); };

    std::optional<bool> read;
    std::optional<bool> apply;
    std::size_t ace = daclOffset + 8;
    for (std::size_t i = 0; i < aceCount; ++i) {
        if (ace + 4 > aclEnd)
            return fail("security descriptor: ACE " + std::to_string(i) + " beyond the DACL");
        const std::uint8_t type = r.u8(ace);
        const std::uint8_t flags = r.u8(ace + 1);
        const std::size_t size = r.u16(ace + 2);
        if (size < 8 || ace + size > aclEnd)
            return fail("security descriptor: ACE " + std::to_string(i) + " has a bad size");
        const std::size_t end = ace + size;
        const std::size_t here = ace;
        ace = end;
        constexpr std::uint8_t kInheritOnly = 0x08;
        if ((flags & kInheritOnly) != 0)
            continue; // applies to children only
        const bool allowed = type == 0x00 || type == 0x05;
        const bool denied = type == 0x01 || type == 0x06;
        if (!allowed && !denied)
            continue; // audit, callback and other types decide nothing here
        const std::uint32_t mask = mapGeneric(r.u32(here + 4));
        std::size_t sidAt = here + 8;
        std::optional<GuidText> objectType;
        if (type == 0x05 || type == 0x06) {
            if (here + 12 > end)
                return fail("security descriptor: object ACE " + std::to_string(i) + " too short");
            const std::uint32_t objectFlags = r.u32(here + 8);
            sidAt = here + 12;
            if ((objectFlags & 1U) != 0) {
                if (sidAt + 16 > end)
                    return fail("security descriptor: object ACE " + std::to_string(i) + " too short");
                objectType = r.guid(sidAt);
                sidAt += 16;
            }
            if ((objectFlags & 2U) != 0)
                sidAt += 16;
        }
        auto sid = r.sid(sidAt, end);
        if (!sid)
            return fail("security descriptor: ACE " + std::to_string(i) + " has a malformed SID");
        if (!inToken(*sid))
            continue;
        // The first ACE that decides a right decides it (DACLs are ordered deny-first, MS-DTYP 2.5.3.2).
        if (!read && !objectType && (mask & kReadProperty) != 0)
            read = allowed;
        if (!apply && (!objectType || *objectType == kApplyGroupPolicyRight) && (mask & kControlAccess) != 0)
            apply = allowed;
        if (read && apply)
            break;
    }
    return GpoAccess{read.value_or(false), apply.value_or(false)};
}

Result<GpoListResult> buildGpoList(const std::vector<Som> &soms, const std::vector<GroupPolicyContainer> &containers,
                                   const std::vector<Sid> &token)
{
    std::vector<Sid> fullToken = token;
    for (const char *wellKnown : {"S-1-5-11", "S-1-1-0"}) // Authenticated Users, Everyone
        fullToken.push_back(*parseSid(wellKnown));
    std::map<GuidText, const GroupPolicyContainer *> byGuid;
    for (const auto &container : containers)
        byGuid[container.guid] = &container;

    // Block inheritance (gPOptions bit 1) on a SOM drops the non-enforced links of every SOM above it.
    std::size_t lastBlock = 0;
    for (std::size_t k = 0; k < soms.size(); ++k)
        if ((soms[k].gpOptions & 1U) != 0)
            lastBlock = k;
    struct Candidate {
        GpoLink link;
        std::size_t som;
    };
    std::vector<Candidate> normal;
    std::vector<std::vector<Candidate>> enforcedBySom(soms.size());
    GpoListResult result;
    for (std::size_t k = 0; k < soms.size(); ++k) {
        auto links = parseGpLink(soms[k].gpLink);
        if (!links)
            return fail(links.error().message + " (gPLink of " + soms[k].dn + ")");
        for (auto &link : *links) {
            if (link.disabled) {
                result.considered.push_back(
                    {link.guid, {}, soms[k].dn, link.enforced, false, "link disabled", false, false, nullptr});
                continue;
            }
            if (!link.enforced && k < lastBlock) {
                result.considered.push_back({link.guid,
                                             {},
                                             soms[k].dn,
                                             false,
                                             false,
                                             "inheritance blocked at " + soms[lastBlock].dn,
                                             false,
                                             false,
                                             nullptr});
                continue;
            }
            (link.enforced ? enforcedBySom[k] : normal).push_back({link, k});
        }
    }
    // MS-GPOL 3.2.5.1: SOMs from site and domain down to the computer's OU; inside a SOM the gPLink
    // string order (its last entry has link order 1 and is processed last, so it wins). Enforced links
    // come after all others, the highest SOM last.
    std::vector<Candidate> order = normal;
    for (auto it = enforcedBySom.rbegin(); it != enforcedBySom.rend(); ++it)
        order.insert(order.end(), it->begin(), it->end());

    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto &candidate = order[i];
        GpoDecision decision{
            candidate.link.guid, {}, soms[candidate.som].dn, candidate.link.enforced, false, {}, false, false, nullptr};
        const bool linkedAgainLater = std::any_of(order.begin() + static_cast<std::ptrdiff_t>(i) + 1, order.end(),
                                                  [&](const auto &c) { return c.link.guid == candidate.link.guid; });
        auto found = byGuid.find(candidate.link.guid);
        if (found == byGuid.end()) {
            decision.reason = "no groupPolicyContainer (deleted GPO, or not readable by the computer)";
        } else {
            const auto &gpc = *found->second;
            decision.container = &gpc;
            decision.name = gpc.displayName;
            auto access = checkGpoAccess(gpc.securityDescriptor, fullToken);
            auto cses = parseExtensionNames(gpc.machineExtensionNames);
            if (linkedAgainLater) {
                decision.reason = "linked again with higher precedence";
            } else if ((gpc.flags & 0x2U) != 0) {
                decision.reason = "computer settings disabled (GPC flags)";
            } else if ((gpc.versionNumber & 0xFFFFU) == 0) {
                decision.reason = "computer version 0: no computer settings";
            } else if (!access) {
                decision.reason = access.error().message;
            } else if (!access->read) {
                decision.reason = "security filtering: the computer may not read the GPO";
            } else if (!access->apply) {
                decision.reason = "security filtering: the computer lacks the Apply Group Policy right";
            } else if (!cses) {
                decision.reason = cses.error().message;
            } else {
                decision.applied = true;
                decision.hasAudit = cses->contains(std::string(kAuditCse));
                decision.hasSecurity = cses->contains(std::string(kSecurityCse));
                decision.hasRegistry = cses->contains(std::string(kRegistryCse));
                if (!decision.hasAudit && !decision.hasSecurity && !decision.hasRegistry)
                    decision.reason = "no audit or security settings (CSE filtering)";
                if (!gpc.wqlFilter.empty())
                    decision.reason += std::string(decision.reason.empty() ? "" : "; ") + "WMI filter not evaluated";
            }
        }
        result.considered.push_back(decision);
        if (decision.applied)
            result.applied.push_back(decision);
    }
    return result;
}

Result<ExtensionList> backupExtensionList(std::string_view machineExtensionGuids)
{
    auto cses = parseExtensionNames(machineExtensionGuids);
    if (!cses)
        return fail("Backup.xml MachineExtensionGuids: " + cses.error().message);
    return ExtensionList{std::move(*cses), "Backup.xml MachineExtensionGuids"};
}

std::string_view policyFileName(PolicyFile file)
{
    switch (file) {
    case PolicyFile::AuditCsv:
        return "audit.csv";
    case PolicyFile::GptTmplInf:
        return "GptTmpl.inf";
    case PolicyFile::RegistryPol:
        return "Registry.pol";
    }
    return "";
}

FileDecision decidePolicyFile(PolicyFile file, const std::optional<ExtensionList> &extensions)
{
    // The extension's own processing step: MS-GPAC 3.2.5 reads audit.csv; MS-GPSB 3.2.5 GptTmpl.inf;
    // MS-GPREG 3.2.5 Registry.pol.
    std::string_view guid = kAuditCse;
    std::string cse = "the Advanced Audit CSE";
    std::string reads = "MS-GPAC 3.2.5";
    if (file == PolicyFile::GptTmplInf) {
        guid = kSecurityCse;
        cse = "the Security CSE";
        reads = "MS-GPSB 3.2.5";
    } else if (file == PolicyFile::RegistryPol) {
        guid = kRegistryCse;
        cse = "the Registry CSE";
        reads = "MS-GPREG 3.2.5";
    }
    cse += " {" + std::string(guid) + "}";
    if (!extensions)
        return {true, "used: no extension list available (a folder without gPCMachineExtensionNames or "
                      "Backup.xml); read as if " +
                          cse + " were registered"};
    if (extensions->cses.contains(std::string(guid)))
        return {true,
                "used: " + cse + " is registered in " + extensions->source + " (MS-GPOL 3.2.5.1.10, " + reads + ")"};
    return {false, "ignored: " + extensions->source + " does not register " + cse +
                       ", so Windows never runs that extension for this GPO (MS-GPOL 3.2.5.1.10)"};
}

} // namespace gpaudit::core
