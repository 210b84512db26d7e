// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/mapping.hxx"

#include "core/base/yaml_util.hxx"

#include <algorithm>
#include <array>
#include <span>

namespace gpaudit::core {

namespace {

// Fields a mapping may filter on (auditctl(8) -F and -C); anything else is a typo in the data.
constexpr std::array<std::string_view, 22> kFieldNames = {
    "a0",   "a1",    "a2",  "a3",   "auid", "uid",     "euid",    "suid",    "fsuid",        "gid", "egid",
    "sgid", "fsgid", "pid", "ppid", "exit", "success", "obj_uid", "obj_gid", "loginuid_set", "exe", "key"};
constexpr std::array<std::string_view, 11> kCompareNames = {"uid", "euid", "suid", "fsuid", "auid",   "obj_uid",
                                                            "gid", "egid", "sgid", "fsgid", "obj_gid"};
constexpr std::array<std::string_view, 8> kOperators = {"!=", ">=", "<=", "&=", "=", ">", "<", "&"};
constexpr std::array<std::string_view, 4> kOptions = {"CrashOnAuditFail", "FullPrivilegeAuditing", "AuditBaseObjects",
                                                      "AuditBaseDirectories"};

std::string canonicalPerm(std::string_view perm)
{
    std::string out;
    for (char c : std::string_view("rwxa"))
        if (perm.find(c) != std::string_view::npos)
            out += c;
    return out;
}

bool validPath(std::string_view path)
{
    // Absolute, normalised, no "..": these are handed to the kernel as watch paths.
    return path.size() > 1 && path.front() == '/' && path.back() != '/' &&
           path.find("/../") == std::string_view::npos && !path.ends_with("/..") &&
           path.find("//") == std::string_view::npos && path.find_first_of(" \t\n\"") == std::string_view::npos;
}

} // namespace

std::optional<FieldSpec> parseFieldSpec(std::string_view text, bool compare)
{
    for (auto op : kOperators) {
        const auto at = text.find(op);
        if (at == std::string_view::npos || at == 0)
            continue;
        // "auid>=x": find() of "=" would also match inside ">=", but ">=" is tried first.
        FieldSpec spec{std::string(text.substr(0, at)), std::string(op), std::string(text.substr(at + op.size())),
                       compare};
        if (spec.value.empty())
            return std::nullopt;
        const auto &names =
            compare ? std::span<const std::string_view>(kCompareNames) : std::span<const std::string_view>(kFieldNames);
        if (std::find(names.begin(), names.end(), spec.name) == names.end())
            return std::nullopt;
        if (compare) {
            if ((op != "=" && op != "!=") ||
                std::find(kCompareNames.begin(), kCompareNames.end(), spec.value) == kCompareNames.end())
                return std::nullopt;
        } else if (spec.value.find_first_of(" \t\"") != std::string::npos) {
            return std::nullopt;
        }
        return spec;
    }
    return std::nullopt;
}

Result<Mapping> Mapping::fromYaml(const Catalog &catalog, std::string_view mappingYaml, std::string_view mappingLabel,
                                  std::string_view syscallsYaml, std::string_view syscallsLabel)
{
    Mapping mapping;
    // --- syscalls.yaml
    auto sysRoot = loadYaml(syscallsYaml, syscallsLabel);
    if (!sysRoot)
        return tl::unexpected(sysRoot.error());
    try {
        const auto sets = (*sysRoot)["sets"];
        if (!sets.IsMap())
            return yamlError(*sysRoot, syscallsLabel, "\"sets\" must be a map");
        for (const auto &entry : sets) {
            auto names = entry.second.as<std::vector<std::string>>();
            mapping.known_.insert(names.begin(), names.end());
            mapping.sets_[entry.first.as<std::string>()] = std::move(names);
        }
        const auto perm = (*sysRoot)["perm"];
        for (char letter : std::string_view("rwxa")) {
            const auto list = perm[std::string(1, letter)];
            if (!list.IsSequence())
                return yamlError(perm, syscallsLabel, std::string("perm class \"") + letter + "\" missing");
            auto names = list.as<std::vector<std::string>>();
            mapping.known_.insert(names.begin(), names.end());
            mapping.perm_[letter] = std::move(names);
        }
        mapping.fastPath_ = stringList(*sysRoot, "fast_path");
        mapping.known_.insert(mapping.fastPath_.begin(), mapping.fastPath_.end());
        const auto platforms = (*sysRoot)["platforms"];
        if (!platforms.IsMap())
            return yamlError(*sysRoot, syscallsLabel, "\"platforms\" must be a map");
        for (const auto &platform : platforms) {
            std::vector<Abi> abis;
            for (const auto &abiNode : platform.second) {
                Abi abi;
                abi.arch = requireString(abiNode, "arch");
                abi.machine = requireString(abiNode, "machine");
                for (auto &name : stringList(abiNode, "absent"))
                    abi.absent.insert(std::move(name));
                abis.push_back(std::move(abi));
            }
            if (abis.empty())
                return yamlError(platform.second, syscallsLabel, "a platform needs at least one ABI");
            mapping.platforms_[platform.first.as<std::string>()] = std::move(abis);
        }
    } catch (const YamlFieldError &e) {
        return yamlError(e.node, syscallsLabel, e.what());
    } catch (const YAML::Exception &e) {
        return yamlError(*sysRoot, syscallsLabel, e.what());
    }

    // --- mapping.yaml
    auto root = loadYaml(mappingYaml, mappingLabel);
    if (!root)
        return tl::unexpected(root.error());
    mapping.entries_.resize(catalog.subcategories().size());
    std::vector<bool> seen(catalog.subcategories().size(), false);
    try {
        if (!(*root)["version"] || (*root)["version"].as<int>() != 1)
            return yamlError(*root, mappingLabel, "unsupported mapping version (expected version: 1)");
        for (auto &type : stringList(*root, "never_suppress"))
            mapping.neverSuppress_.insert(std::move(type));
        const auto subs = (*root)["subcategories"];
        if (!subs.IsMap())
            return yamlError(*root, mappingLabel, "\"subcategories\" must be a map");
        for (const auto &entry : subs) {
            const auto slug = entry.first.as<std::string>();
            const auto *sub = catalog.bySlug(slug);
            if (sub == nullptr)
                return yamlError(entry.first, mappingLabel, "unknown subcategory \"" + slug + "\"");
            const auto index = catalog.indexOf(*sub);
            if (seen[index])
                return yamlError(entry.first, mappingLabel, "subcategory \"" + slug + "\" listed twice");
            seen[index] = true;
            const auto node = entry.second;
            auto &out = mapping.entries_[index];
            if (const auto samba = node["samba"]) {
                // Issue 16: the Samba AD DC's audit classes for this subcategory.
                if (!samba.IsMap())
                    return yamlError(samba, mappingLabel, "\"" + slug + "\": \"samba\" must be a map");
                SambaRealisation realisation;
                realisation.how = requireString(samba, "how");
                realisation.success = stringList(samba, "success");
                realisation.failure = stringList(samba, "failure");
                realisation.events = stringList(samba, "events");
                if (samba["coarse"])
                    realisation.coarse = samba["coarse"].as<std::string>();
                for (const auto *list : {&realisation.success, &realisation.failure})
                    for (const auto &item : *list) {
                        const auto colon = item.find(':');
                        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() ||
                            item.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
                            item.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") < colon)
                            return yamlError(samba, mappingLabel,
                                             "\"" + slug + "\": samba levels are class:level, not \"" + item + "\"");
                    }
                out.samba = std::move(realisation);
            }
            if (node["unmapped"]) {
                out.mapped = false;
                out.unmappedReason = node["unmapped"].as<std::string>();
                if (node["rules"] || node["records"] || node["how"])
                    return yamlError(node, mappingLabel, "\"" + slug + "\": unmapped entries carry only the reason");
                continue;
            }
            out.mapped = true;
            out.how = requireString(node, "how");
            out.fileGlobalSacl = node["file_global_sacl"] && node["file_global_sacl"].as<bool>();
            if (node["windows"])
                out.windows = node["windows"].as<std::string>();
            if (const auto records = node["records"]) {
                out.userRecords = stringList(records, "user");
                out.kernelRecords = stringList(records, "kernel");
            }
            if (const auto rules = node["rules"]) {
                if (!rules.IsSequence())
                    return yamlError(rules, mappingLabel, "\"rules\" must be a list");
                for (const auto &ruleNode : rules) {
                    RuleTemplate rule;
                    for (const auto &name : stringList(ruleNode, "syscalls")) {
                        if (!mapping.sets_.contains(name) && !mapping.known_.contains(name))
                            return yamlError(ruleNode, mappingLabel, "unknown syscall or set \"" + name + "\"");
                    }
                    rule.syscalls = mapping.expandSyscalls(stringList(ruleNode, "syscalls"));
                    if (ruleNode["path"])
                        rule.path = ruleNode["path"].as<std::string>();
                    if (ruleNode["dir"])
                        rule.dir = ruleNode["dir"].as<std::string>();
                    if (ruleNode["perm"]) {
                        const auto perm = ruleNode["perm"].as<std::string>();
                        rule.perm = canonicalPerm(perm);
                        if (rule.perm.size() != perm.size() || perm.empty())
                            return yamlError(ruleNode, mappingLabel, "perm takes the letters r w x a");
                    }
                    if (!rule.path.empty() && !rule.dir.empty())
                        return yamlError(ruleNode, mappingLabel, "a rule has path or dir, not both");
                    for (const auto &watch : {rule.path, rule.dir})
                        if (!watch.empty() && !validPath(watch))
                            return yamlError(ruleNode, mappingLabel, "invalid watch path \"" + watch + "\"");
                    if (rule.syscalls.empty() && rule.path.empty() && rule.dir.empty())
                        return yamlError(ruleNode, mappingLabel, "a rule needs syscalls, a path or a dir");
                    if (rule.syscalls.empty() && rule.perm.empty())
                        return yamlError(ruleNode, mappingLabel, "a watch without syscalls needs perm");
                    for (const auto &[key, compare] : {std::pair{"fields", false}, std::pair{"compare", true}}) {
                        for (const auto &text : stringList(ruleNode, key)) {
                            auto spec = parseFieldSpec(text, compare);
                            if (!spec)
                                return yamlError(ruleNode, mappingLabel,
                                                 "invalid " + std::string(key) + " \"" + text + "\"");
                            rule.fields.push_back(*spec);
                        }
                    }
                    const std::string result = ruleNode["result"] ? ruleNode["result"].as<std::string>() : "split";
                    if (result == "split")
                        rule.result = ResultMode::Split;
                    else if (result == "success-unfiltered")
                        rule.result = ResultMode::SuccessUnfiltered;
                    else if (result == "failure-exits")
                        rule.result = ResultMode::FailureExits;
                    else
                        return yamlError(ruleNode, mappingLabel, "unknown result \"" + result + "\"");
                    rule.exits = stringList(ruleNode, "exits");
                    if ((rule.result == ResultMode::FailureExits) == rule.exits.empty())
                        return yamlError(ruleNode, mappingLabel, "exits: goes with result: failure-exits");
                    if (ruleNode["when_option"]) {
                        rule.whenOption = ruleNode["when_option"].as<std::string>();
                        if (std::find(kOptions.begin(), kOptions.end(), rule.whenOption) == kOptions.end())
                            return yamlError(ruleNode, mappingLabel,
                                             "unknown audit option \"" + rule.whenOption + "\"");
                    }
                    out.rules.push_back(std::move(rule));
                }
            }
            if (out.rules.empty() && out.userRecords.empty() && out.kernelRecords.empty() && !out.fileGlobalSacl)
                return yamlError(node, mappingLabel, "\"" + slug + "\" is mapped but has no rules or records");
        }
    } catch (const YamlFieldError &e) {
        return yamlError(e.node, mappingLabel, e.what());
    } catch (const YAML::Exception &e) {
        return yamlError(*root, mappingLabel, e.what());
    }
    for (std::size_t i = 0; i < seen.size(); ++i)
        if (!seen[i])
            return fail("no entry for subcategory \"" + catalog.subcategories()[i].slug +
                            "\" (every subcategory must be mapped or say why not)",
                        {std::string(mappingLabel), 0, 0});
    return mapping;
}

namespace {

void writeStrings(ImageWriter &out, const auto &list)
{
    out.u32(static_cast<std::uint32_t>(list.size()));
    for (const auto &item : list)
        out.str(item);
}

bool readStrings(ImageReader &in, std::vector<std::string> &list)
{
    std::uint32_t size = 0;
    if (!in.count(size, 4))
        return false;
    list.resize(size);
    for (auto &item : list)
        if (!in.str(item))
            return false;
    return true;
}

bool readStrings(ImageReader &in, std::set<std::string, std::less<>> &set)
{
    std::vector<std::string> list;
    if (!readStrings(in, list))
        return false;
    set.insert(std::make_move_iterator(list.begin()), std::make_move_iterator(list.end()));
    return set.size() == list.size() || in.corrupt("a repeated name in a set");
}

void writeRule(ImageWriter &out, const RuleTemplate &rule)
{
    writeStrings(out, rule.syscalls);
    out.str(rule.path);
    out.str(rule.dir);
    out.str(rule.perm);
    out.u32(static_cast<std::uint32_t>(rule.fields.size()));
    for (const auto &field : rule.fields) {
        out.str(field.name);
        out.str(field.op);
        out.str(field.value);
        out.u32(field.compare ? 1 : 0);
    }
    out.u32(static_cast<std::uint32_t>(rule.result));
    writeStrings(out, rule.exits);
    out.str(rule.whenOption);
}

bool readRule(ImageReader &in, RuleTemplate &rule)
{
    std::uint32_t fields = 0;
    if (!readStrings(in, rule.syscalls) || !in.str(rule.path) || !in.str(rule.dir) || !in.str(rule.perm) ||
        !in.count(fields, 16))
        return false;
    rule.fields.resize(fields);
    for (auto &field : rule.fields) {
        std::uint32_t compare = 0;
        if (!in.str(field.name) || !in.str(field.op) || !in.str(field.value) || !in.u32(compare))
            return false;
        if (compare > 1)
            return in.corrupt("a field's compare flag out of range");
        field.compare = compare == 1;
    }
    std::uint32_t result = 0;
    if (!in.u32(result))
        return false;
    if (result > static_cast<std::uint32_t>(ResultMode::FailureExits))
        return in.corrupt("a rule's result mode out of range");
    rule.result = static_cast<ResultMode>(result);
    return readStrings(in, rule.exits) && in.str(rule.whenOption);
}

bool readFlag(ImageReader &in, bool &flag)
{
    std::uint32_t value = 0;
    if (!in.u32(value))
        return false;
    if (value > 1)
        return in.corrupt("a flag out of range");
    flag = value == 1;
    return true;
}

} // namespace

void Mapping::writeImage(ImageWriter &out) const
{
    out.u32(static_cast<std::uint32_t>(entries_.size()));
    for (const auto &entry : entries_) {
        out.u32(entry.mapped ? 1 : 0);
        out.str(entry.how);
        out.str(entry.unmappedReason);
        out.u32(static_cast<std::uint32_t>(entry.rules.size()));
        for (const auto &rule : entry.rules)
            writeRule(out, rule);
        writeStrings(out, entry.userRecords);
        writeStrings(out, entry.kernelRecords);
        out.u32(entry.fileGlobalSacl ? 1 : 0);
        out.u32(entry.samba ? 1 : 0);
        if (entry.samba) {
            out.str(entry.samba->how);
            writeStrings(out, entry.samba->success);
            writeStrings(out, entry.samba->failure);
            writeStrings(out, entry.samba->events);
            out.str(entry.samba->coarse);
        }
        out.str(entry.windows);
    }
    out.u32(static_cast<std::uint32_t>(sets_.size()));
    for (const auto &[name, names] : sets_) {
        out.str(name);
        writeStrings(out, names);
    }
    out.u32(static_cast<std::uint32_t>(perm_.size()));
    for (const auto &[letter, names] : perm_) {
        out.u32(static_cast<unsigned char>(letter));
        writeStrings(out, names);
    }
    out.u32(static_cast<std::uint32_t>(platforms_.size()));
    for (const auto &[name, abis] : platforms_) {
        out.str(name);
        out.u32(static_cast<std::uint32_t>(abis.size()));
        for (const auto &abi : abis) {
            out.str(abi.arch);
            out.str(abi.machine);
            writeStrings(out, abi.absent);
        }
    }
    writeStrings(out, neverSuppress_);
    writeStrings(out, known_);
    writeStrings(out, fastPath_);
}

Result<Mapping> Mapping::readImage(const Catalog &catalog, ImageReader &in)
{
    Mapping mapping;
    const auto failed = [&in] { return tl::unexpected(in.error()); };
    std::uint32_t entries = 0;
    if (!in.count(entries, 4))
        return failed();
    if (entries != catalog.subcategories().size())
        return (in.corrupt("a mapping for another catalog"), failed());
    mapping.entries_.resize(entries);
    for (auto &entry : mapping.entries_) {
        std::uint32_t rules = 0;
        if (!readFlag(in, entry.mapped) || !in.str(entry.how) || !in.str(entry.unmappedReason) || !in.count(rules, 4))
            return failed();
        entry.rules.resize(rules);
        for (auto &rule : entry.rules)
            if (!readRule(in, rule))
                return failed();
        bool samba = false;
        if (!readStrings(in, entry.userRecords) || !readStrings(in, entry.kernelRecords) ||
            !readFlag(in, entry.fileGlobalSacl) || !readFlag(in, samba))
            return failed();
        if (samba) {
            SambaRealisation realisation;
            if (!in.str(realisation.how) || !readStrings(in, realisation.success) ||
                !readStrings(in, realisation.failure) || !readStrings(in, realisation.events) ||
                !in.str(realisation.coarse))
                return failed();
            entry.samba = std::move(realisation);
        }
        if (!in.str(entry.windows))
            return failed();
    }
    std::uint32_t count = 0;
    if (!in.count(count, 8))
        return failed();
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string name;
        std::vector<std::string> names;
        if (!in.str(name) || !readStrings(in, names))
            return failed();
        mapping.sets_[std::move(name)] = std::move(names);
    }
    if (!in.count(count, 8))
        return failed();
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint32_t letter = 0;
        std::vector<std::string> names;
        if (!in.u32(letter) || !readStrings(in, names))
            return failed();
        if (std::string_view("rwxa").find(static_cast<char>(letter)) == std::string_view::npos || letter > 0x7F)
            return (in.corrupt("a perm class out of range"), failed());
        mapping.perm_[static_cast<char>(letter)] = std::move(names);
    }
    if (!in.count(count, 8))
        return failed();
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string name;
        std::uint32_t abis = 0;
        if (!in.str(name) || !in.count(abis, 12))
            return failed();
        auto &list = mapping.platforms_[std::move(name)];
        list.resize(abis);
        for (auto &abi : list)
            if (!in.str(abi.arch) || !in.str(abi.machine) || !readStrings(in, abi.absent))
                return failed();
    }
    if (!readStrings(in, mapping.neverSuppress_) || !readStrings(in, mapping.known_) ||
        !readStrings(in, mapping.fastPath_))
        return failed();
    return mapping;
}

const std::vector<Abi> *Mapping::platform(std::string_view machine) const
{
    auto it = platforms_.find(machine);
    return it == platforms_.end() ? nullptr : &it->second;
}

std::vector<std::string> Mapping::platformNames() const
{
    std::vector<std::string> names;
    for (const auto &[name, abis] : platforms_)
        names.push_back(name);
    return names;
}

const std::vector<std::string> &Mapping::permSyscalls(char perm) const
{
    static const std::vector<std::string> empty;
    auto it = perm_.find(perm);
    return it == perm_.end() ? empty : it->second;
}

std::vector<std::string> Mapping::expandSyscalls(const std::vector<std::string> &namesOrSets) const
{
    std::vector<std::string> out;
    for (const auto &name : namesOrSets) {
        auto it = sets_.find(name);
        if (it != sets_.end())
            out.insert(out.end(), it->second.begin(), it->second.end());
        else
            out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace gpaudit::core
