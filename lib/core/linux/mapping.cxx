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
