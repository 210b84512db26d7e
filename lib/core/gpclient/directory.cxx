// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/gpclient/directory.hxx"

#include "core/base/text.hxx"

#include <cstdio>

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
            std::snprintf(hex, sizeof hex, "\\%02x", byte);
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

std::optional<std::string> krb5DefaultRealm(std::string_view krb5Conf)
{
    std::optional<std::string> realm;
    visitIni(krb5Conf, [&](const std::string &section, const std::string &key, const std::string &value) {
        if (section == "libdefaults" && key == "default_realm" && !value.empty() && !realm)
            realm = toUpper(value);
    });
    return realm;
}

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
    struct Section {
        std::string name;
        DomainIdentity identity;
        bool ad = false;
    };
    std::vector<Section> sections;
    visitIni(sssdConf, [&](const std::string &section, const std::string &key, const std::string &value) {
        if (!section.starts_with("domain/"))
            return;
        if (sections.empty() || sections.back().name != section)
            sections.push_back({section, {}, false});
        auto &s = sections.back();
        if (key == "id_provider" || key == "auth_provider" || key == "access_provider")
            s.ad = s.ad || toLower(value) == "ad";
        else if (key == "krb5_realm")
            s.identity.realm = toUpper(value);
        else if (key == "ad_domain" && s.identity.realm.empty())
            s.identity.realm = toUpper(value);
        else if (key == "ad_hostname") {
            const auto dot = value.find('.');
            s.identity.machine = toUpper(value.substr(0, dot)) + "$";
        } else if (key == "krb5_keytab")
            s.identity.keytab = stripFilePrefix(value);
        else if (key == "ad_server") {
            const auto comma = value.find(',');
            const auto first = std::string(trim(value.substr(0, comma)));
            if (first != "_srv_")
                s.identity.server = first;
        }
    });
    for (auto &s : sections)
        if (s.ad && !s.identity.realm.empty()) {
            s.identity.source = "sssd.conf";
            return s.identity;
        }
    return {};
}

} // namespace gpaudit::core
