// SPDX-License-Identifier: GPL-2.0-or-later
// Registry.pol (MS-GPREG 2.2.1) and the application of several GPOs' instructions (MS-GPREG 3.2.5).
#include "core/policy/registry_pol.hxx"

#include "core/base/text.hxx"
#include "core/policy/policy.hxx"

namespace gpaudit::core {

namespace {

constexpr std::size_t kHeaderSize = 8;     // "PReg" + version DWORD
constexpr std::size_t kMaxValueName = 259; // MS-GPREG 2.2.1: Value = 1*259ValueCharacter
// Registry key paths are at most 32,767 UTF-16 units (HKEY limit); a key name at most 255.
constexpr std::size_t kMaxKeyPath = 32767;

class Reader {
  public:
    Reader(std::string_view bytes, std::string_view label) : bytes_(bytes), label_(label) {}

    [[nodiscard]] std::size_t offset() const { return pos_; }
    [[nodiscard]] bool atEnd() const { return pos_ >= bytes_.size(); }

    Unexpected error(const std::string &message, std::size_t at) const
    {
        return fail(message + " at byte offset " + std::to_string(at) + " (MS-GPREG 2.2.1)", {std::string(label_)});
    }

    // One UTF-16LE code unit.
    Result<char16_t> unit(const char *what)
    {
        if (bytes_.size() - pos_ < 2)
            return error(std::string("file ends inside ") + what, pos_);
        const auto lo = static_cast<unsigned char>(bytes_[pos_]);
        const auto hi = static_cast<unsigned char>(bytes_[pos_ + 1]);
        pos_ += 2;
        return static_cast<char16_t>(lo | (hi << 8));
    }

    Result<void> expect(char16_t wanted, const char *what)
    {
        const auto at = pos_;
        auto got = unit(what);
        if (!got)
            return tl::unexpected(got.error());
        if (*got != wanted)
            return error(std::string("expected ") + what, at);
        return {};
    }

    Result<std::uint32_t> dword(const char *what)
    {
        if (bytes_.size() - pos_ < 4)
            return error(std::string("file ends inside ") + what, pos_);
        std::uint32_t value = 0;
        for (std::size_t i = 0; i < 4; ++i)
            value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
        pos_ += 4;
        return value;
    }

    // A NUL-terminated UTF-16LE string of at most `maxUnits` units, to UTF-8. Lone surrogates and
    // control characters are errors (MS-GPREG's IdCharacter / ValueCharacter are printable).
    Result<std::string> string(const char *what, std::size_t maxUnits)
    {
        std::string out;
        const auto start = pos_;
        for (std::size_t units = 0;; ++units) {
            const auto at = pos_;
            auto u = unit(what);
            if (!u)
                return tl::unexpected(u.error());
            if (*u == 0)
                return out;
            if (units >= maxUnits)
                return error(std::string(what) + " longer than " + std::to_string(maxUnits) + " characters", start);
            char32_t cp = *u;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                auto low = unit(what);
                if (!low || *low < 0xDC00 || *low > 0xDFFF)
                    return error(std::string("invalid UTF-16 (unpaired surrogate) in ") + what, at);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return error(std::string("invalid UTF-16 (unpaired surrogate) in ") + what, at);
            } else if (cp < 0x20 || cp == 0x7F) {
                return error(std::string("control character in ") + what, at);
            }
            appendUtf8(out, cp);
        }
    }

    Result<std::string> raw(std::uint32_t size, const char *what)
    {
        if (bytes_.size() - pos_ < size)
            return error(std::string(what) + " of " + std::to_string(size) + " bytes runs past the end of the file",
                         pos_);
        std::string out(bytes_.substr(pos_, size));
        pos_ += size;
        return out;
    }

  private:
    std::string_view bytes_;
    std::string_view label_;
    std::size_t pos_ = 0;
};

// REG_SZ / REG_MULTI_SZ data (UTF-16LE) to UTF-8, up to the first NUL; undecodable units are skipped
// (the data of a directive; a malformed list deletes less, never more).
std::string utf16Data(std::string_view data)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
        const auto u =
            static_cast<char16_t>(static_cast<unsigned char>(data[i]) | (static_cast<unsigned char>(data[i + 1]) << 8));
        if (u == 0)
            break;
        if (u >= 0xD800 && u <= 0xDFFF)
            continue;
        appendUtf8(out, u);
    }
    return out;
}

std::vector<std::string> splitList(std::string_view text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find(';', start);
        auto piece = trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (!piece.empty())
            out.emplace_back(piece);
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return out;
}

// Whether key `key` is `ancestor` or below it (registry paths, case-insensitive).
bool keyWithin(std::string_view key, std::string_view ancestor)
{
    if (key.size() < ancestor.size() || !startsWithIgnoreCase(key, ancestor))
        return false;
    return key.size() == ancestor.size() || key[ancestor.size()] == '\\';
}

std::string_view withoutSlashes(std::string_view key)
{
    while (!key.empty() && key.front() == '\\')
        key.remove_prefix(1);
    while (!key.empty() && key.back() == '\\')
        key.remove_suffix(1);
    return key;
}

std::optional<std::uint32_t> dwordOf(std::uint32_t type, std::string_view data)
{
    if (data.size() != 4 || (type != regtype::Dword && type != regtype::DwordBigEndian))
        return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
        value |= type == regtype::Dword ? byte << (8 * i) : byte << (8 * (3 - i));
    }
    return value;
}

} // namespace

std::optional<std::uint32_t> RegistryInstruction::dword() const
{
    return dwordOf(type, data);
}

std::optional<std::uint32_t> RegistryOutcome::dword() const
{
    if (kind != Kind::Set)
        return std::nullopt;
    return dwordOf(type, data);
}

Result<RegistryPol> parseRegistryPol(std::string_view bytes, std::string_view label, const PolicyLimits &limits)
{
    if (auto ok = checkFileSize(bytes.size(), label, limits); !ok)
        return tl::unexpected(ok.error());
    Reader in(bytes, label);
    if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != "PReg")
        return in.error("not a Registry.pol file: no \"PReg\" signature", 0);
    const auto version = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[4])) |
                         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[5])) << 8 |
                         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[6])) << 16 |
                         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[7])) << 24;
    if (version != 1)
        return in.error("unsupported Registry.pol version " + std::to_string(version) + " (only 1 exists)", 4);
    RegistryPol pol;
    (void)in.raw(kHeaderSize, "the header");
    while (!in.atEnd()) {
        RegistryInstruction instruction;
        instruction.offset = in.offset();
        if (auto ok = in.expect(u'[', "\"[\" opening an instruction"); !ok)
            return tl::unexpected(ok.error());
        auto key = in.string("the key path", kMaxKeyPath);
        if (!key)
            return tl::unexpected(key.error());
        if (key->empty())
            return in.error("empty key path", instruction.offset + 2);
        instruction.key = std::move(*key);
        if (auto ok = in.expect(u';', "\";\" after the key path"); !ok)
            return tl::unexpected(ok.error());
        auto value = in.string("the value name", kMaxValueName);
        if (!value)
            return tl::unexpected(value.error());
        instruction.value = std::move(*value);
        if (auto ok = in.expect(u';', "\";\" after the value name"); !ok)
            return tl::unexpected(ok.error());
        auto type = in.dword("the type");
        if (!type)
            return tl::unexpected(type.error());
        instruction.type = *type;
        if (auto ok = in.expect(u';', "\";\" after the type"); !ok)
            return tl::unexpected(ok.error());
        auto size = in.dword("the size");
        if (!size)
            return tl::unexpected(size.error());
        if (auto ok = in.expect(u';', "\";\" after the size"); !ok)
            return tl::unexpected(ok.error());
        auto data = in.raw(*size, "the data");
        if (!data)
            return tl::unexpected(data.error());
        instruction.data = std::move(*data);
        if (auto ok = in.expect(u']', "\"]\" closing the instruction"); !ok)
            return tl::unexpected(ok.error());
        pol.instructions.push_back(std::move(instruction));
    }
    return pol;
}

std::optional<RegistryOutcome> applyRegistryPolicy(std::span<const RegistryPol *const> lowestFirst,
                                                   std::string_view key, std::string_view value)
{
    key = withoutSlashes(key);
    std::optional<RegistryOutcome> state;
    auto deleted = [&](std::size_t gpo, const RegistryInstruction &instruction, std::string directive) {
        RegistryOutcome outcome;
        outcome.kind = RegistryOutcome::Kind::Deleted;
        outcome.directive = std::move(directive);
        outcome.index = gpo;
        outcome.offset = instruction.offset;
        state = std::move(outcome);
    };
    for (std::size_t gpo = 0; gpo < lowestFirst.size(); ++gpo) {
        if (lowestFirst[gpo] == nullptr)
            continue;
        for (const auto &instruction : lowestFirst[gpo]->instructions) {
            const auto instructionKey = withoutSlashes(instruction.key);
            const std::string_view name = instruction.value;
            // **DeleteKeys lists keys to delete with their subkeys: names relative to the instruction's
            // key, or full paths.
            if (equalsIgnoreCase(name, "**DeleteKeys")) {
                for (const auto &listed : splitList(utf16Data(instruction.data))) {
                    const auto trimmed = withoutSlashes(listed);
                    const std::string relative = std::string(instructionKey) + "\\" + std::string(trimmed);
                    if (keyWithin(key, trimmed) || keyWithin(key, relative))
                        deleted(gpo, instruction, "**DeleteKeys");
                }
                continue;
            }
            if (!equalsIgnoreCase(instructionKey, key))
                continue;
            if (equalsIgnoreCase(name, "**delvals.")) {
                deleted(gpo, instruction, "**delvals.");
            } else if (startsWithIgnoreCase(name, "**del.")) {
                if (equalsIgnoreCase(name.substr(6), value))
                    deleted(gpo, instruction, "**del.");
            } else if (equalsIgnoreCase(name, "**DeleteValues")) {
                for (const auto &listed : splitList(utf16Data(instruction.data)))
                    if (equalsIgnoreCase(listed, value))
                        deleted(gpo, instruction, "**DeleteValues");
            } else if (startsWithIgnoreCase(name, "**soft.")) {
                // Set only when the value does not exist yet.
                if (equalsIgnoreCase(name.substr(7), value) && (!state || state->kind != RegistryOutcome::Kind::Set))
                    state = RegistryOutcome{RegistryOutcome::Kind::Set, instruction.type, instruction.data, {}, gpo,
                                            instruction.offset};
            } else if (name.starts_with("**")) {
                continue; // **SecureKey and other directives: nothing to do with a value's data
            } else if (equalsIgnoreCase(name, value)) {
                state = RegistryOutcome{RegistryOutcome::Kind::Set, instruction.type, instruction.data, {}, gpo,
                                        instruction.offset};
            }
        }
    }
    return state;
}

} // namespace gpaudit::core
