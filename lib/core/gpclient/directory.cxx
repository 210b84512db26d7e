// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/gpclient/directory.hxx"

#include "core/base/text.hxx"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace gpaudit::core {

std::string realmToBaseDn(std::string_view realm)
{
    std::string out;
    std::size_t start = 0;
    while (start <= realm.size()) {
        auto dot = realm.find('.', start);
        if (dot == std::string_view::npos)
            dot = realm.size();
        if (dot > start) {
            if (!out.empty())
                out += ',';
            out += "DC=" + toLower(realm.substr(start, dot - start));
        }
        start = dot + 1;
    }
    return out;
}

Result<std::vector<std::string>> splitDn(std::string_view dn)
{
    std::vector<std::string> rdns;
    std::string current;
    auto finish = [&]() -> Result<void> {
        // Spaces around an RDN are not part of it, unless escaped ("\\ " at the end stays).
        constexpr const char *kSpace = " \t\r\n";
        const auto first = current.find_first_not_of(kSpace);
        std::string rdn;
        if (first != std::string::npos) {
            auto last = current.find_last_not_of(kSpace);
            std::size_t backslashes = 0;
            for (std::size_t i = last + 1; i-- > first && current[i] == '\\';)
                ++backslashes;
            if (backslashes % 2 == 1 && last + 1 < current.size())
                ++last; // the whitespace after an escaping backslash is the escaped character
            rdn = current.substr(first, last + 1 - first);
        }
        if (rdn.empty())
            return fail("distinguished name \"" + std::string(dn) + "\" has an empty component");
        if (rdn.find('=') == std::string::npos || rdn.front() == '=')
            return fail("distinguished name \"" + std::string(dn) + "\": component \"" + rdn + "\" has no type");
        rdns.push_back(rdn);
        current.clear();
        return {};
    };
    for (std::size_t i = 0; i < dn.size(); ++i) {
        const char c = dn[i];
        if (c == '\\') {
            if (i + 1 >= dn.size())
                return fail("distinguished name \"" + std::string(dn) + "\" ends in an escape");
            current += c;
            current += dn[++i];
        } else if (c == ',') {
            if (auto ok = finish(); !ok)
                return tl::unexpected(ok.error());
        } else {
            current += c;
        }
    }
    if (auto ok = finish(); !ok)
        return tl::unexpected(ok.error());
    return rdns;
}

Result<std::vector<std::string>> ouChain(std::string_view objectDn, std::string_view baseDn)
{
    auto object = splitDn(objectDn);
    if (!object)
        return tl::unexpected(object.error());
    auto base = splitDn(baseDn);
    if (!base)
        return tl::unexpected(base.error());
    if (object->size() <= base->size())
        return fail("\"" + std::string(objectDn) + "\" is not below the domain head \"" + std::string(baseDn) + "\"");
    const std::size_t offset = object->size() - base->size();
    for (std::size_t i = 0; i < base->size(); ++i)
        if (!equalsIgnoreCase((*object)[offset + i], (*base)[i]))
            return fail("\"" + std::string(objectDn) + "\" is not below the domain head \"" + std::string(baseDn) +
                        "\"");
    // Ancestors from the domain head's child down to the object's parent.
    std::vector<std::string> chain;
    for (std::size_t i = offset; i-- > 1;) {
        if (!startsWithIgnoreCase((*object)[i], "OU="))
            continue;
        std::string dn;
        for (std::size_t j = i; j < object->size(); ++j) {
            if (!dn.empty())
                dn += ',';
            dn += (*object)[j];
        }
        chain.push_back(std::move(dn));
    }
    return chain;
}

std::string ldapFilterEscape(std::string_view value)
{
    std::string out;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '*' || c == '(' || c == ')' || c == '\\' || byte == 0 || byte >= 0x80) {
            char hex[4];
            (void)std::snprintf(hex, sizeof hex, "\\%02x", byte);
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

Result<Sid> parseBinarySid(std::span<const std::uint8_t> bytes)
{
    if (bytes.size() < 8)
        return fail("binary SID of " + std::to_string(bytes.size()) + " bytes is too short");
    Sid sid;
    sid.revision = bytes[0];
    const std::size_t count = bytes[1];
    if (sid.revision != 1)
        return fail("binary SID has revision " + std::to_string(sid.revision) + ", not 1");
    // Same range as the text form (identifiers.hxx): an account or group SID has sub-authorities.
    if (count == 0 || count > 15 || bytes.size() != 8 + 4 * count)
        return fail("binary SID of " + std::to_string(bytes.size()) + " bytes does not hold " + std::to_string(count) +
                    " sub-authorities");
    for (std::size_t i = 0; i < 6; ++i)
        sid.authority = (sid.authority << 8) | bytes[2 + i]; // big-endian (MS-DTYP 2.4.1.1)
    for (std::size_t i = 0; i < count; ++i) {
        const auto *p = &bytes[8 + 4 * i]; // little-endian
        sid.subAuthorities.push_back(static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
                                     (static_cast<std::uint32_t>(p[2]) << 16) |
                                     (static_cast<std::uint32_t>(p[3]) << 24));
    }
    return sid;
}

namespace {

// RFC 1035 4.1.4 name, as MS-ADTS 6.3.1.9 uses it: labels, 0xC0 pointers into the whole message.
Result<std::string> readCompressedName(std::span<const std::uint8_t> message, std::size_t &offset)
{
    std::string name;
    std::size_t position = offset;
    bool jumped = false;
    int jumps = 0;
    std::size_t total = 0;
    while (true) {
        if (position >= message.size())
            return fail("LDAP ping answer: name runs past the end at byte " + std::to_string(position));
        const std::uint8_t length = message[position];
        if ((length & 0xC0) == 0xC0) {
            if (position + 1 >= message.size())
                return fail("LDAP ping answer: truncated name pointer at byte " + std::to_string(position));
            const std::size_t target = (static_cast<std::size_t>(length & 0x3F) << 8) | message[position + 1];
            if (++jumps > 32 || target >= message.size())
                return fail("LDAP ping answer: bad name pointer at byte " + std::to_string(position));
            if (!jumped)
                offset = position + 2;
            jumped = true;
            position = target;
            continue;
        }
        if ((length & 0xC0) != 0)
            return fail("LDAP ping answer: bad label length at byte " + std::to_string(position));
        if (length == 0) {
            if (!jumped)
                offset = position + 1;
            return name;
        }
        if (position + 1 + length > message.size())
            return fail("LDAP ping answer: label runs past the end at byte " + std::to_string(position));
        total += length + 1u;
        if (total > 255)
            return fail("LDAP ping answer: name longer than 255 bytes");
        if (!name.empty())
            name += '.';
        for (std::size_t i = 0; i < length; ++i) {
            const auto c = message[position + 1 + i];
            if (c < 0x20 || c == 0x7F)
                return fail("LDAP ping answer: control character in a name at byte " +
                            std::to_string(position + 1 + i));
            name += static_cast<char>(c);
        }
        position += 1u + length;
    }
}

} // namespace

Result<NetlogonInfo> parseNetlogonResponse(std::span<const std::uint8_t> bytes)
{
    // Opcode (2), Sbz (2), Flags (4), DomainGuid (16), then the names.
    if (bytes.size() < 24)
        return fail("LDAP ping answer of " + std::to_string(bytes.size()) + " bytes is too short");
    const unsigned opcode = bytes[0] | (bytes[1] << 8);
    // 23 = LOGON_SAM_LOGON_RESPONSE_EX, 25 = LOGON_SAM_USER_UNKNOWN_EX (MS-ADTS 6.3.1.9: same layout).
    if (opcode != 23 && opcode != 25)
        return fail("LDAP ping answer has opcode " + std::to_string(opcode) +
                    ", not NETLOGON_SAM_LOGON_RESPONSE_EX (23 or 25); the DC answered an old NtVer");
    NetlogonInfo info;
    info.flags = static_cast<std::uint32_t>(bytes[4]) | (static_cast<std::uint32_t>(bytes[5]) << 8) |
                 (static_cast<std::uint32_t>(bytes[6]) << 16) | (static_cast<std::uint32_t>(bytes[7]) << 24);
    std::size_t offset = 24;
    std::string *fields[] = {&info.dnsForestName, &info.dnsDomainName, &info.dnsHostName, &info.netbiosDomainName,
                             &info.netbiosComputerName};
    for (auto *field : fields) {
        auto name = readCompressedName(bytes, offset);
        if (!name)
            return tl::unexpected(name.error());
        *field = std::move(*name);
    }
    auto userName = readCompressedName(bytes, offset);
    if (!userName)
        return tl::unexpected(userName.error());
    auto dcSite = readCompressedName(bytes, offset);
    if (!dcSite)
        return tl::unexpected(dcSite.error());
    auto clientSite = readCompressedName(bytes, offset);
    if (!clientSite)
        return tl::unexpected(clientSite.error());
    info.dcSiteName = std::move(*dcSite);
    info.clientSiteName = std::move(*clientSite);
    return info;
}

namespace {

// INI-style files (krb5.conf, smb.conf, sssd.conf): "[section]", "key = value", '#' and ';' comments.
// krb5.conf's "{ ... }" subsections are skipped (only top-level relations of [libdefaults] matter here).
template <typename Visitor> void visitIni(std::string_view text, Visitor visit)
{
    std::string section;
    int braces = 0;
    for (auto raw : splitLines(text)) {
        auto line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            continue;
        if (line.front() == '[' && braces == 0) {
            const auto close = line.find(']');
            section = toLower(trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1)));
            continue;
        }
        const auto eq = line.find('=');
        if (line.find('{') != std::string_view::npos)
            ++braces;
        if (line.find('}') != std::string_view::npos && braces > 0) {
            --braces;
            continue;
        }
        if (eq == std::string_view::npos || braces > 0)
            continue;
        visit(section, toLower(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))));
    }
}

std::string stripFilePrefix(std::string value)
{
    if (startsWithIgnoreCase(value, "FILE:"))
        value.erase(0, 5);
    return value;
}

} // namespace

DomainIdentity identityFromSmbConf(std::string_view smbConf)
{
    DomainIdentity identity;
    std::string security;
    visitIni(smbConf, [&](const std::string &section, const std::string &key, const std::string &value) {
        if (section != "global")
            return;
        if (key == "realm")
            identity.realm = toUpper(value);
        else if (key == "netbios name")
            identity.machine = toUpper(value) + "$";
        else if (key == "dedicated keytab file")
            identity.keytab = stripFilePrefix(value);
        else if (key == "security")
            security = toLower(value);
    });
    if (security != "ads")
        return {}; // not joined to Active Directory
    if (!identity.realm.empty())
        identity.source = "smb.conf";
    return identity;
}

DomainIdentity identityFromSssdConf(std::string_view sssdConf)
{
    return identityFromSssdConf(std::vector<std::string>{std::string(sssdConf)});
}

DomainIdentity identityFromSssdConf(const std::vector<std::string> &texts)
{
    // Sections in the order first seen; each option's last value (sssd: later snippets override).
    struct Section {
        std::string name;
        std::vector<std::pair<std::string, std::string>> options;
        const std::string *get(std::string_view key) const
        {
            for (auto it = options.rbegin(); it != options.rend(); ++it)
                if (it->first == key)
                    return &it->second;
            return nullptr;
        }
    };
    std::vector<Section> sections;
    for (const auto &text : texts)
        visitIni(text, [&](const std::string &section, const std::string &key, const std::string &value) {
            if (!section.starts_with("domain/"))
                return;
            auto found =
                std::find_if(sections.begin(), sections.end(), [&](const Section &s) { return s.name == section; });
            if (found == sections.end()) {
                sections.push_back({section, {}});
                found = std::prev(sections.end());
            }
            found->options.emplace_back(key, value);
        });
    for (const auto &s : sections) {
        bool ad = false;
        for (const char *provider : {"id_provider", "auth_provider", "access_provider"})
            if (const auto *value = s.get(provider))
                ad = ad || toLower(*value) == "ad";
        if (!ad)
            continue;
        DomainIdentity identity;
        if (const auto *realm = s.get("krb5_realm"); realm != nullptr && !realm->empty())
            identity.realm = toUpper(*realm);
        else if (const auto *domain = s.get("ad_domain"))
            identity.realm = toUpper(*domain);
        if (identity.realm.empty())
            continue;
        if (const auto *hostname = s.get("ad_hostname"))
            identity.machine = toUpper(std::string_view(*hostname).substr(0, hostname->find('.'))) + "$";
        if (const auto *keytab = s.get("krb5_keytab"))
            identity.keytab = stripFilePrefix(*keytab);
        if (const auto *server = s.get("ad_server")) {
            const auto first = std::string(trim(std::string_view(*server).substr(0, server->find(','))));
            if (first != "_srv_")
                identity.server = first;
        }
        identity.source = "sssd.conf";
        return identity;
    }
    return {};
}

std::vector<std::string> sssdSnippetOrder(std::vector<std::string> names)
{
    std::erase_if(
        names, [](const std::string &name) { return name.empty() || name.front() == '.' || !name.ends_with(".conf"); });
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

struct SmbExpansion {
    const ConfigReader &read;
    const IncludeLimits &limits;
    std::size_t files = 0;
    std::size_t bytes = 0;
    bool configFileUsed = false;
    // Set by `config file =` naming a file that exists: the whole configuration is that file.
    std::optional<std::pair<std::string, std::string>> restartWith; // path, text

    // Reads one file (counted against the limits); nullopt when it does not exist.
    Result<std::optional<std::string>> load(const std::string &path, const std::string &from)
    {
        if (++files > limits.maxFiles)
            return fail("more than " + std::to_string(limits.maxFiles) + " smb.conf files with their includes",
                        {from, 0, 0});
        auto text = read(path);
        if (!text)
            return tl::unexpected(text.error());
        if (*text) {
            bytes += (*text)->size();
            if (bytes > limits.maxBytes)
                return fail("smb.conf with its includes is larger than " + std::to_string(limits.maxBytes) + " bytes",
                            {path, 0, 0});
        }
        return text;
    }

    // Appends `text` (the file `path`, at `depth`) to out with its includes expanded.
    Result<void> expand(const std::string &path, std::string_view text, std::size_t depth, std::string &out)
    {
        std::string section;
        std::uint32_t lineNumber = 0;
        for (auto raw : splitLines(text)) {
            ++lineNumber;
            const auto line = trim(raw);
            if (!line.empty() && line.front() == '[') {
                const auto close = line.find(']');
                section = toLower(trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1)));
            }
            const auto eq = line.find('=');
            const std::string key =
                eq == std::string_view::npos || line.empty() || line.front() == '#' || line.front() == ';'
                    ? std::string()
                    : toLower(trim(line.substr(0, eq)));
            if (key != "include" && !(key == "config file" && section == "global")) {
                out.append(raw);
                out += '\n';
                continue;
            }
            const std::string target(trim(line.substr(eq + 1)));
            if (target.empty() || target.front() != '/' || target.find('%') != std::string::npos)
                continue; // per-client substitutions or a relative path: not the host's own settings
            if (key == "config file" && configFileUsed)
                continue;
            if (key == "include" && depth + 1 > limits.maxDepth)
                return fail("includes nested deeper than " + std::to_string(limits.maxDepth), {path, lineNumber, 0});
            auto included = load(target, path);
            if (!included)
                return tl::unexpected(included.error());
            if (!*included)
                continue; // Samba: "Can't find include file" (or a config file that is not there), and goes on
            if (key == "config file") {
                restartWith.emplace(target, std::move(**included));
                return {};
            }
            if (auto done = expand(target, **included, depth + 1, out); !done || restartWith)
                return done;
        }
        return {};
    }
};

} // namespace

Result<std::optional<std::string>> expandSmbConf(const std::string &path, const ConfigReader &read,
                                                 const IncludeLimits &limits)
{
    SmbExpansion expansion{read, limits, 0, 0, false, std::nullopt};
    auto text = expansion.load(path, path);
    if (!text || !*text)
        return text;
    std::string current = path;
    std::string currentText = std::move(**text);
    for (;;) {
        std::string out;
        if (auto done = expansion.expand(current, currentText, 0, out); !done)
            return tl::unexpected(done.error());
        if (!expansion.restartWith)
            return std::optional<std::string>(std::move(out));
        std::tie(current, currentText) = std::move(*expansion.restartWith);
        expansion.restartWith.reset();
        expansion.configFileUsed = true;
    }
}

} // namespace gpaudit::core
