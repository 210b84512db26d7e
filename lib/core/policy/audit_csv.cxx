// SPDX-License-Identifier: GPL-2.0-or-later
// audit.csv, MS-GPAC 2.2 (syntax) and 3.2.5 (processing).
#include "core/base/text.hxx"
#include "core/policy/catalog.hxx"
#include "core/policy/policy.hxx"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

namespace gpaudit::core {

std::string_view settingText(std::uint8_t systemValue)
{
    switch (systemValue) {
    case value::Success:
        return "Success";
    case value::Failure:
        return "Failure";
    case value::SuccessAndFailure:
        return "Success and Failure";
    default:
        return "No Auditing";
    }
}

std::optional<AuditOption> parseAuditOption(std::string_view name)
{
    for (std::size_t i = 0; i < kAuditOptionNames.size(); ++i)
        if (equalsIgnoreCase(kAuditOptionNames[i], name))
            return static_cast<AuditOption>(i);
    return std::nullopt;
}

namespace {

struct Field {
    std::string text;
    std::uint32_t column = 0; // 1-based
};

// MS-GPAC 2.2 has seven columns; a header may add a few of its own, not thousands (each field costs
// memory per row).
constexpr std::size_t kMaxColumns = 64;

// One CSV record per line: MS-GPAC's QuotedString cannot hold a line break. A quoted field may hold
// commas and doubled quotes ("").
Result<std::vector<Field>> splitRecord(std::string_view line, const Location &lineLocation)
{
    std::vector<Field> fields;
    std::size_t i = 0;
    while (true) {
        if (fields.size() == kMaxColumns)
            return fail("more than " + std::to_string(kMaxColumns) + " fields in one row (MS-GPAC 2.2 has 7 columns)",
                        lineLocation);
        Field field;
        field.column = static_cast<std::uint32_t>(i + 1);
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field.text += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                field.text += line[i++];
            }
            if (!closed) {
                Location where = lineLocation;
                where.column = field.column;
                return fail("unterminated quoted field", where);
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                ++i;
            if (i < line.size() && line[i] != ',') {
                Location where = lineLocation;
                where.column = static_cast<std::uint32_t>(i + 1);
                return fail("unexpected text after a quoted field", where);
            }
        } else {
            const auto comma = line.find(',', i);
            const auto end = comma == std::string_view::npos ? line.size() : comma;
            field.text = std::string(line.substr(i, end - i));
            i = end;
        }
        fields.push_back(std::move(field));
        if (i >= line.size())
            break;
        ++i; // the comma
        if (i == line.size()) {
            if (fields.size() == kMaxColumns)
                return fail("more than " + std::to_string(kMaxColumns) +
                                " fields in one row (MS-GPAC 2.2 has 7 columns)",
                            lineLocation);
            fields.push_back(Field{"", static_cast<std::uint32_t>(i + 1)});
            break;
        }
    }
    return fields;
}

enum Column {
    MachineName,
    PolicyTarget,
    SubcategoryName,
    SubcategoryGuid,
    InclusionSetting,
    ExclusionSetting,
    SettingValue,
    ColumnCount
};
constexpr std::array<std::string_view, ColumnCount> kColumnNames = {
    "Machine Name",      "Policy Target",     "Subcategory",  "Subcategory GUID",
    "Inclusion Setting", "Exclusion Setting", "Setting Value"};

} // namespace

Result<void> checkFileSize(std::size_t size, std::string_view label, const PolicyLimits &limits)
{
    if (size > limits.maxFileSize)
        return fail("file is " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(limits.maxFileSize) + " (max_file_size, gpauditd.conf(5))",
                    {std::string(label), 0, 0});
    return {};
}

Result<AuditCsv> parseAuditCsv(std::string_view bytes, std::string_view label, const Catalog &catalog,
                               const PolicyLimits &limits)
{
    if (auto ok = checkFileSize(bytes.size(), label, limits); !ok)
        return tl::unexpected(ok.error());
    // MS-GPAC 2.2 says UTF-8, but `auditpol /backup` writes the ANSI code page, and `auditpol /restore`
    // and the editor's import read it back: bytes that are not UTF-8 are read as Windows-1252.
    auto decoded = decodeText(bytes, label, true);
    if (!decoded)
        return tl::unexpected(decoded.error());
    const auto lines = splitLines(decoded->utf8);
    AuditCsv csv;
    const std::string file(label);
    if (decoded->encoding == Encoding::Windows1252)
        csv.assumptions.push_back("not UTF-8 (MS-GPAC 2.2): read as Windows-1252, the ANSI code page that "
                                  "`auditpol /backup` writes on a Western European Windows");

    std::size_t headerLine = 0;
    while (headerLine < lines.size() && trim(lines[headerLine]).empty())
        ++headerLine;
    if (headerLine == lines.size()) {
        // Decision: an empty file is "no settings", like a missing one, not a rejected file.
        csv.warnings.push_back({{file, 0, 0}, "empty file: no audit settings"});
        return csv;
    }
    const Location headerLocation{file, static_cast<std::uint32_t>(headerLine + 1), 0};
    auto header = splitRecord(lines[headerLine], headerLocation);
    if (!header)
        return tl::unexpected(header.error());
    std::array<int, ColumnCount> index;
    index.fill(-1);
    for (std::size_t i = 0; i < header->size(); ++i) {
        const auto name = trim((*header)[i].text);
        for (std::size_t c = 0; c < ColumnCount; ++c) {
            if (equalsIgnoreCase(name, kColumnNames[c])) {
                if (index[c] != -1)
                    return fail("column \"" + std::string(kColumnNames[c]) + "\" appears twice in the header",
                                {file, headerLocation.line, (*header)[i].column});
                index[c] = static_cast<int>(i);
            }
        }
    }
    // Columns are found by name (MS-GPAC 2.2 Header); these four decide behaviour (3.2.5). A header
    // with none of the English names and seven fields is a localized one (`auditpol /backup` on a
    // non-English Windows translates it): its columns are MS-GPAC 2.2's seven, by position.
    const bool localized =
        header->size() == ColumnCount && std::all_of(index.begin(), index.end(), [](int i) { return i == -1; });
    if (localized) {
        for (std::size_t c = 0; c < ColumnCount; ++c)
            index[c] = static_cast<int>(c);
        csv.assumptions.push_back("the header is not MS-GPAC 2.2's English one (localized `auditpol /backup`): "
                                  "its seven columns read by position as Machine Name, Policy Target, "
                                  "Subcategory, Subcategory GUID, Inclusion Setting, Exclusion Setting, "
                                  "Setting Value");
    }
    for (auto required : {PolicyTarget, SubcategoryName, SubcategoryGuid, SettingValue}) {
        if (index[required] != -1)
            continue;
        if (required == SettingValue && index[InclusionSetting] != -1 && header->size() == 6)
            return fail("no \"Setting Value\" column: this looks like `auditpol /get /r` output, which carries "
                        "no values; export the policy with `auditpol /backup` or the GPMC editor instead",
                        headerLocation);
        return fail("not an audit.csv: the header has no \"" + std::string(kColumnNames[required]) + "\" column",
                    headerLocation);
    }

    // Warnings are bounded: the first kMaxWarnings, then one that counts the rest.
    std::size_t warningsLeftOut = 0;
    auto warn = [&](Warning warning) {
        if (csv.warnings.size() < kMaxWarnings)
            csv.warnings.push_back(std::move(warning));
        else
            ++warningsLeftOut;
    };
    // Duplicate checks by hash or ordered index, never by scanning what was kept: linear in the rows.
    std::map<std::pair<Sid, GuidText>, std::size_t> perUserIndex;
    std::set<Sid> sids;
    std::unordered_set<std::string> fileAces, registryAces;
    std::set<std::string> localizedTargets;
    bool localizedOptionNoted = false;
    auto findSystem = [&](const GuidText &guid) {
        return std::find_if(csv.system.begin(), csv.system.end(), [&](const auto &s) { return s.subcategory == guid; });
    };
    for (std::size_t lineIndex = headerLine + 1; lineIndex < lines.size(); ++lineIndex) {
        const auto line = lines[lineIndex];
        if (trim(line).empty())
            continue;
        const Location lineLocation{file, static_cast<std::uint32_t>(lineIndex + 1), 0};
        auto record = splitRecord(line, lineLocation);
        if (!record)
            return tl::unexpected(record.error());
        if (record->size() != header->size())
            return fail("row has " + std::to_string(record->size()) + " fields, the header has " +
                            std::to_string(header->size()),
                        lineLocation);
        auto at = [&](Column c) -> const Field & { return (*record)[static_cast<std::size_t>(index[c])]; };
        auto locate = [&](Column c) { return Location{file, lineLocation.line, at(c).column}; };
        const auto target = trim(at(PolicyTarget).text);
        const auto subcategory = trim(at(SubcategoryName).text);
        const auto settingValue = trim(at(SettingValue).text);
        std::uint32_t number = 0;

        if (target.empty()) {
            // MS-GPAC 3.2.5: rows without a Policy Target are global SACLs or audit options.
            if (equalsIgnoreCase(subcategory, "FileGlobalSacl") ||
                equalsIgnoreCase(subcategory, "RegistryGlobalSacl")) {
                const bool file = equalsIgnoreCase(subcategory, "FileGlobalSacl");
                // `auditpol /backup` writes both rows with an empty value when no global SACL is set
                // ("PC,,FileGlobalSacl,,,,"): no ACE to add (MS-GPAC 3.2.5), not a malformed SDDL.
                if (settingValue.empty())
                    continue;
                auto sacl = parseSacl(settingValue, locate(SettingValue), limits.maxSaclAces);
                if (!sacl)
                    return tl::unexpected(sacl.error());
                auto &slot = file ? csv.fileGlobalSacl : csv.registryGlobalSacl;
                auto &seen = file ? fileAces : registryAces;
                if (!slot)
                    slot = Sacl{};
                for (auto &ace : sacl->aces) {
                    if (!seen.insert(aceIdentity(ace)).second)
                        continue; // 3.2.5: add it if it doesn't already exist
                    if (slot->aces.size() >= limits.maxSaclAces)
                        return fail(std::string(file ? "FileGlobalSacl" : "RegistryGlobalSacl") + ": more than " +
                                        std::to_string(limits.maxSaclAces) +
                                        " distinct audit ACEs over this file's rows (limit max_sacl_aces, "
                                        "gpauditd.conf(5))",
                                    locate(SettingValue));
                    slot->aces.push_back(std::move(ace));
                }
                for (auto &note : sacl->notes)
                    warn(std::move(note));
                continue;
            }
            // MS-GPAC 2.2.2: "Option:" AuditOptionType. A localized auditpol translates the prefix
            // ("Opción:CrashOnAuditFail") but not the type: in a localized file the type after the
            // colon identifies the option.
            const auto colon = subcategory.find(':');
            const bool localizedOption = localized && colon != std::string_view::npos &&
                                         !startsWithIgnoreCase(subcategory, "Option:") &&
                                         parseAuditOption(trim(subcategory.substr(colon + 1))).has_value();
            if (localizedOption && !localizedOptionNoted) {
                localizedOptionNoted = true;
                csv.assumptions.push_back("option rows named \"" +
                                          std::string(subcategory.substr(0, colon)).substr(0, 40) +
                                          ":<type>\" read as \"Option:<type>\" by their type after the colon "
                                          "(MS-GPAC 2.2.2.1)");
            }
            if (startsWithIgnoreCase(subcategory, "Option:") || localizedOption) {
                const auto name = trim(subcategory.substr(colon + 1));
                auto option = parseAuditOption(name);
                if (!parseDecimal(settingValue, number) || number > 1)
                    return fail("audit option value must be 0 or 1 (MS-GPAC 2.2.2.2), found \"" +
                                    std::string(settingValue) + "\"",
                                locate(SettingValue));
                if (!option) {
                    warn({locate(SubcategoryName), "unknown audit option \"" + std::string(name) + "\"; row ignored"});
                    continue;
                }
                auto &slot = csv.options[static_cast<std::size_t>(*option)];
                if (slot)
                    warn({locate(SubcategoryName),
                          "audit option " + std::string(name) + " set again; this later row wins"});
                slot = AuditCsv::OptionSetting{number == 1, locate(SettingValue)};
                continue;
            }
            return fail("a row without Policy Target must be an Option: row or FileGlobalSacl/RegistryGlobalSacl, "
                        "found \"" +
                            std::string(subcategory) + "\"",
                        locate(SubcategoryName));
        }

        const auto guidText = trim(at(SubcategoryGuid).text);
        auto guid = parseGuid(guidText);
        if (!guid)
            return fail("invalid Subcategory GUID \"" + std::string(guidText) + "\" (expected {xxxxxxxx-xxxx-...})",
                        locate(SubcategoryGuid));
        if (!parseDecimal(settingValue, number))
            return fail("Setting Value must be a decimal number, found \"" + std::string(settingValue) + "\"",
                        locate(SettingValue));
        // MS-GPAC 2.2.1.2: the Subcategory name is for people only; the GUID decides.
        const Subcategory *known = catalog.byGuid(*guid);

        // Decision: "System" (2.2.1.1) and "Machine" (written by some export tools) are system rows.
        // In a localized file ("Sistema", "Système"), MS-GPAC 3.2.5's own test decides: a row whose
        // Exclusion Setting is empty is a system setting; a SID with an exclusion text a per-user one.
        bool systemRow = equalsIgnoreCase(target, "System") || equalsIgnoreCase(target, "Machine");
        if (!systemRow && localized && !parseSid(target) && trim(at(ExclusionSetting).text).empty()) {
            systemRow = true;
            // Said once per distinct text, for the first four (bounded whatever the file holds).
            if (localizedTargets.size() < 4 && localizedTargets.insert(std::string(target)).second)
                csv.assumptions.push_back("Policy Target \"" + std::string(target.substr(0, 40)) +
                                          "\" read as System: not a SID, and its Exclusion Setting is empty "
                                          "(MS-GPAC 3.2.5)");
        }
        if (systemRow) {
            if (number > value::None)
                return fail("system Setting Value must be 0..4 (MS-GPAC 2.2.1.3.1), found " + std::to_string(number),
                            locate(SettingValue));
            if (known == nullptr) {
                warn({locate(SubcategoryGuid), "unknown subcategory GUID {" + *guid + "}; row ignored"});
                continue;
            }
            auto existing = findSystem(*guid);
            if (existing != csv.system.end()) {
                warn({lineLocation, "subcategory " + known->name + " set again (first at line " +
                                        std::to_string(existing->where.line) + "); this later row wins"});
                *existing = {*guid, static_cast<std::uint8_t>(number), locate(SettingValue)};
            } else {
                csv.system.push_back({*guid, static_cast<std::uint8_t>(number), locate(SettingValue)});
            }
            continue;
        }
        auto sid = parseSid(target);
        if (!sid)
            return fail("Policy Target must be \"System\" or a SID (MS-GPAC 2.2.1.1), found \"" + std::string(target) +
                            "\"",
                        locate(PolicyTarget));
        // MS-GPAC 2.2.1.3.2: 0 unchanged, 16 none, else a combination of the four bits.
        if (number > userbits::None || (number > 0x0F && number != userbits::None))
            return fail("per-user Setting Value must be 0..15 or 16 (MS-GPAC 2.2.1.3.2), found " +
                            std::to_string(number),
                        locate(SettingValue));
        if (known == nullptr) {
            warn({locate(SubcategoryGuid), "unknown subcategory GUID {" + *guid + "}; row ignored"});
            continue;
        }
        if (sids.insert(*sid).second && sids.size() > limits.maxPerUserSids)
            return fail("per-user settings for more than " + std::to_string(limits.maxPerUserSids) +
                            " distinct SIDs (limit max_per_user_sids, gpauditd.conf(5)); " + sid->str() +
                            " is one too many",
                        locate(PolicyTarget));
        auto [existing, added] = perUserIndex.emplace(std::pair{*sid, *guid}, csv.perUser.size());
        if (!added) {
            warn({lineLocation,
                  "per-user setting for " + sid->str() + " / " + known->name + " set again; this later row wins"});
            csv.perUser[existing->second] = {*sid, *guid, static_cast<std::uint8_t>(number), locate(SettingValue)};
        } else {
            csv.perUser.push_back({*sid, *guid, static_cast<std::uint8_t>(number), locate(SettingValue)});
        }
    }
    if (warningsLeftOut > 0)
        csv.warnings.push_back({{file, 0, 0}, std::to_string(warningsLeftOut) + " more warnings not shown"});
    return csv;
}

} // namespace gpaudit::core
