// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/policy/sddl.hxx"

#include "core/base/text.hxx"

#include <array>
#include <charconv>
#include <cstdio>
#include <unordered_set>

namespace gpaudit::core {

namespace {

struct Code {
    std::string_view code;
    std::uint32_t value;
};

// MS-DTYP 2.5.1.1 ace-flag-string.
constexpr std::array kFlagCodes = {
    Code{"OI", aceflag::ObjectInherit},    Code{"CI", aceflag::ContainerInherit}, Code{"NP", aceflag::NoPropagate},
    Code{"IO", aceflag::InheritOnly},      Code{"ID", aceflag::Inherited},        Code{"CR", aceflag::Critical},
    Code{"SA", aceflag::SuccessfulAccess}, Code{"FA", aceflag::FailedAccess},
};

// MS-DTYP 2.5.1.1 text-rights-string: generic, standard, directory-service, file and registry rights.
constexpr std::array kRightCodes = {
    Code{"GA", 0x10000000}, Code{"GR", 0x80000000}, Code{"GW", 0x40000000}, Code{"GX", 0x20000000},
    Code{"RC", 0x00020000}, Code{"SD", 0x00010000}, Code{"WD", 0x00040000}, Code{"WO", 0x00080000},
    Code{"RP", 0x00000010}, Code{"WP", 0x00000020}, Code{"CC", 0x00000001}, Code{"DC", 0x00000002},
    Code{"LC", 0x00000004}, Code{"SW", 0x00000008}, Code{"LO", 0x00000080}, Code{"DT", 0x00000040},
    Code{"CR", 0x00000100}, Code{"FA", 0x001F01FF}, Code{"FR", 0x00120089}, Code{"FW", 0x00120116},
    Code{"FX", 0x001200A0}, Code{"KA", 0x000F003F}, Code{"KR", 0x00020019}, Code{"KW", 0x00020006},
    Code{"KX", 0x00020019}, Code{"NR", 0x00000001}, Code{"NW", 0x00000002}, Code{"NX", 0x00000004},
};

// ACE types that may stand in a SACL but carry no audit semantics we can use: mandatory label,
// scoped policy, resource attribute, alarm (never used by Windows), callback audit.
constexpr std::array<std::string_view, 7> kIgnoredSaclTypes = {"ML", "SP", "RA", "AL", "OL", "XU", "ZA"};

class Parser {
  public:
    Parser(std::string_view text, const Location &where, std::size_t maxAces)
        : text_(text), where_(where), maxAces_(maxAces)
    {
    }

    Result<Sacl> run()
    {
        bool sawSacl = false;
        Sacl sacl;
        while (true) {
            skipSpaces();
            if (pos_ >= text_.size())
                break;
            if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != ':')
                return error("expected a part such as \"S:\"");
            const char part = static_cast<char>(std::toupper(static_cast<unsigned char>(text_[pos_])));
            pos_ += 2;
            switch (part) {
            case 'O':
            case 'G': {
                const auto start = pos_;
                while (pos_ < text_.size() && !atPartStart())
                    ++pos_;
                if (!parseTrustee(trim(text_.substr(start, pos_ - start)), start))
                    return error("invalid owner/group SID", start);
                break;
            }
            case 'D':
            case 'S': {
                if (part == 'S') {
                    if (sawSacl)
                        return error("more than one S: part", pos_ - 2);
                    sawSacl = true;
                }
                auto result = parseAcl(part == 'S' ? &sacl : nullptr);
                if (!result)
                    return tl::unexpected(result.error());
                break;
            }
            default:
                return error(std::string("unknown part \"") + part + ":\"", pos_ - 2);
            }
        }
        if (!sawSacl)
            return error("no SACL (\"S:\" part) in the security descriptor", 0);
        if (notesLeftOut_ > 0)
            sacl.notes.push_back({locationAt(0), "SDDL: " + std::to_string(notesLeftOut_) + " more notes like these"});
        return sacl;
    }

  private:
    Unexpected error(std::string message, std::size_t at = std::string_view::npos) const
    {
        if (at == std::string_view::npos)
            at = pos_;
        Location location = where_;
        if (location.line != 0)
            location.column = static_cast<std::uint32_t>(where_.column + at);
        return fail("SDDL: " + std::move(message), location);
    }

    void skipSpaces()
    {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
    }

    // A part starts with one of O G D S followed by ':' (only called outside parentheses).
    bool atPartStart() const
    {
        if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != ':')
            return false;
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text_[pos_])));
        return c == 'O' || c == 'G' || c == 'D' || c == 'S';
    }

    std::optional<Trustee> parseTrustee(std::string_view field, std::size_t) const
    {
        Trustee trustee;
        if (field.size() == 2) {
            const SidAlias *alias = findSidAlias(field);
            if (alias == nullptr)
                return std::nullopt;
            trustee.alias = std::string(alias->alias);
            trustee.sid = std::string(alias->sid);
            trustee.domainRid = alias->domainRid;
            return trustee;
        }
        auto sid = parseSid(field);
        if (!sid)
            return std::nullopt;
        trustee.sid = sid->str();
        return trustee;
    }

    Result<bool> parseAcl(Sacl *sacl)
    {
        // acl-flags: "P", "AI", "AR", "NO_ACCESS_CONTROL" in any order, before the first "(".
        while (pos_ < text_.size() && text_[pos_] != '(' && !atPartStart()) {
            const auto rest = text_.substr(pos_);
            if (rest.starts_with("NO_ACCESS_CONTROL"))
                pos_ += 17;
            else if (rest.starts_with("AI") || rest.starts_with("AR"))
                pos_ += 2;
            else if (rest.starts_with("P"))
                pos_ += 1;
            else if (text_[pos_] == ' ')
                ++pos_;
            else
                return error("invalid ACL flag");
        }
        while (pos_ < text_.size() && text_[pos_] == '(') {
            const auto open = pos_;
            std::size_t depth = 0;
            std::size_t close = std::string_view::npos;
            for (std::size_t i = pos_; i < text_.size(); ++i) {
                if (text_[i] == '(')
                    ++depth;
                else if (text_[i] == ')' && --depth == 0) {
                    close = i;
                    break;
                }
            }
            if (close == std::string_view::npos)
                return error("unterminated ACE: missing \")\"", open);
            if (sacl != nullptr) {
                auto ok = parseAce(text_.substr(open + 1, close - open - 1), open + 1, *sacl);
                if (!ok)
                    return tl::unexpected(ok.error());
            }
            pos_ = close + 1;
            skipSpaces();
        }
        if (pos_ < text_.size() && !atPartStart())
            return error("unexpected text after the ACL");
        return true;
    }

    // Splits an ACE body on ';' at parenthesis depth 0 (conditional expressions nest parentheses).
    static std::vector<std::pair<std::string_view, std::size_t>> splitAce(std::string_view body, std::size_t offset)
    {
        std::vector<std::pair<std::string_view, std::size_t>> fields;
        std::size_t depth = 0;
        std::size_t start = 0;
        for (std::size_t i = 0; i <= body.size(); ++i) {
            if (i == body.size() || (body[i] == ';' && depth == 0)) {
                fields.emplace_back(body.substr(start, i - start), offset + start);
                start = i + 1;
            } else if (body[i] == '(') {
                ++depth;
            } else if (body[i] == ')' && depth > 0) {
                --depth;
            }
        }
        return fields;
    }

    Result<bool> parseAce(std::string_view body, std::size_t offset, Sacl &sacl)
    {
        auto fields = splitAce(body, offset);
        if (fields.size() < 6 || fields.size() > 7)
            return error("an ACE has 6 fields (type;flags;rights;object;inherited object;trustee), found " +
                             std::to_string(fields.size()),
                         offset);
        const auto [typeText, typeAt] = fields[0];
        Ace ace;
        if (equalsIgnoreCase(typeText, "AU")) {
            ace.type = AceType::Audit;
        } else if (equalsIgnoreCase(typeText, "OU")) {
            ace.type = AceType::ObjectAudit;
        } else {
            for (auto ignored : kIgnoredSaclTypes) {
                if (equalsIgnoreCase(typeText, ignored)) {
                    addNote(sacl, {locationAt(typeAt),
                                   "SDDL: ACE type \"" + std::string(typeText) + "\" is not an audit ACE; ignored"});
                    return true;
                }
            }
            return error("ACE type \"" + std::string(typeText) + "\" cannot stand in a SACL (expected AU or OU)",
                         typeAt);
        }
        auto flags = parseMask(fields[1].first, kFlagCodes, fields[1].second, "ACE flag");
        if (!flags)
            return tl::unexpected(flags.error());
        if (*flags > 0xFF)
            return error("ACE flags out of range", fields[1].second);
        ace.flags = static_cast<std::uint8_t>(*flags);
        auto rights = parseMask(fields[2].first, kRightCodes, fields[2].second, "access right");
        if (!rights)
            return tl::unexpected(rights.error());
        ace.accessMask = *rights;
        for (int i : {3, 4}) {
            const auto [guidText, guidAt] = fields[static_cast<std::size_t>(i)];
            if (guidText.empty())
                continue;
            if (ace.type != AceType::ObjectAudit)
                return error("an object GUID is only allowed in an OU ACE", guidAt);
            auto guid = parseGuid(guidText, true);
            if (!guid)
                return error("invalid object GUID \"" + std::string(guidText) + "\"", guidAt);
            (i == 3 ? ace.objectGuid : ace.inheritedObjectGuid) = *guid;
        }
        const auto [trusteeText, trusteeAt] = fields[5];
        auto trustee = parseTrustee(trusteeText, trusteeAt);
        if (!trustee)
            return error("invalid trustee \"" + std::string(trusteeText) + "\" (expected a SID or an SDDL alias)",
                         trusteeAt);
        ace.trustee = *trustee;
        if (!ace.auditsSuccess() && !ace.auditsFailure())
            addNote(sacl,
                    {locationAt(offset), "SDDL: audit ACE " + ace.str() + " has neither SA nor FA and audits nothing"});
        // MS-GPAC 3.2.5: "add it ... if it doesn't already exist" (a hash set: linear, not quadratic).
        if (!seen_.insert(aceIdentity(ace)).second)
            return true;
        if (sacl.aces.size() >= maxAces_)
            return error("more than " + std::to_string(maxAces_) +
                             " distinct audit ACEs in one SACL (limit max_sacl_aces, gpauditd.conf(5))",
                         offset);
        sacl.aces.push_back(std::move(ace));
        return true;
    }

    template <std::size_t N>
    Result<std::uint32_t> parseMask(std::string_view field, const std::array<Code, N> &codes, std::size_t at,
                                    std::string_view what) const
    {
        if (field.empty())
            return 0U;
        std::uint32_t value = 0;
        if (field.size() > 2 && field[0] == '0' && (field[1] == 'x' || field[1] == 'X')) {
            const auto hex = field.substr(2);
            auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
            if (ec != std::errc() || ptr != hex.data() + hex.size())
                return error("invalid hexadecimal " + std::string(what) + " mask \"" + std::string(field) + "\"", at);
            return value;
        }
        if (std::isdigit(static_cast<unsigned char>(field[0]))) {
            const int base = (field.size() > 1 && field[0] == '0') ? 8 : 10;
            auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value, base);
            if (ec != std::errc() || ptr != field.data() + field.size())
                return error("invalid numeric " + std::string(what) + " mask \"" + std::string(field) + "\"", at);
            return value;
        }
        if (field.size() % 2 != 0)
            return error("invalid " + std::string(what) + " string \"" + std::string(field) + "\"", at);
        for (std::size_t i = 0; i < field.size(); i += 2) {
            const auto code = field.substr(i, 2);
            bool found = false;
            for (const auto &entry : codes) {
                if (equalsIgnoreCase(entry.code, code)) {
                    value |= entry.value;
                    found = true;
                    break;
                }
            }
            if (!found)
                return error("unknown " + std::string(what) + " \"" + std::string(code) + "\"", at + i);
        }
        return value;
    }

    // Notes are bounded like warnings: the first kMaxNotes, then one that counts the rest.
    static constexpr std::size_t kMaxNotes = 100;
    void addNote(Sacl &sacl, Warning note)
    {
        if (sacl.notes.size() < kMaxNotes)
            sacl.notes.push_back(std::move(note));
        else
            ++notesLeftOut_;
    }

    Location locationAt(std::size_t at) const
    {
        Location location = where_;
        if (location.line != 0)
            location.column = static_cast<std::uint32_t>(where_.column + at);
        return location;
    }

    std::string_view text_;
    Location where_;
    std::size_t maxAces_;
    std::size_t pos_ = 0;
    std::unordered_set<std::string> seen_; // aceIdentity of the ACEs kept
    std::size_t notesLeftOut_ = 0;
};

} // namespace

std::string Trustee::str() const
{
    if (!alias.empty())
        return alias;
    return sid;
}

std::string Ace::str() const
{
    std::string out = type == AceType::Audit ? "(AU;" : "(OU;";
    for (const auto &code : kFlagCodes)
        if ((flags & code.value) != 0)
            out += code.code;
    out += ';';
    // A mask that is exactly one well-known right prints as its letters (FA, FR...), as admins write it.
    std::string rights;
    for (const auto &code : kRightCodes) {
        const bool composite = code.code[0] == 'F' || code.code[0] == 'K' || code.code[0] == 'G';
        if (composite && code.value == accessMask && code.code != "KX") {
            rights = code.code;
            break;
        }
    }
    if (rights.empty()) {
        char mask[16];
        (void)std::snprintf(mask, sizeof mask, "0x%x", accessMask);
        rights = mask;
    }
    out += rights;
    out += ';' + objectGuid + ';' + inheritedObjectGuid + ';' + trustee.str() + ')';
    return out;
}

Result<Sacl> parseSacl(std::string_view sddl, const Location &where, std::size_t maxAces)
{
    return Parser(sddl, where, maxAces).run();
}

std::string aceIdentity(const Ace &ace)
{
    // The fields Ace::operator== compares, with the trustee as Trustee::operator== sees it.
    std::string out;
    out.reserve(96);
    out += ace.type == AceType::Audit ? 'A' : 'O';
    out += std::to_string(ace.flags) + ';' + std::to_string(ace.accessMask) + ';' + ace.objectGuid + ';' +
           ace.inheritedObjectGuid + ';';
    if (!ace.trustee.sid.empty())
        out += "s" + ace.trustee.sid;
    else
        out += "r" + std::to_string(ace.trustee.domainRid);
    return out;
}

} // namespace gpaudit::core
