// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/state/state.hxx"

#include "core/base/identifiers.hxx"
#include "core/base/text.hxx"
#include "core/gpclient/sysvol_path.hxx"
#include "core/policy/policy.hxx"
#include "host/files/files.hxx"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

namespace gpaudit::host {

namespace {

constexpr int kStateFormat = 1;

std::string gpoDir(const std::string &stateDir, const std::string &guid, std::uint32_t version)
{
    return stateDir + "/gpo/" + guid + "/" + std::to_string(version);
}

// Size and FNV-1a 64 of a cached file, as its manifest line records them.
std::string fingerprint(std::string_view content)
{
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : content) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    char text[48];
    (void)std::snprintf(text, sizeof text, "%zu %016llx", content.size(), static_cast<unsigned long long>(hash));
    return text;
}

bool canonicalGuid(const std::string &guid)
{
    auto parsed = core::parseGuid(guid, true);
    return parsed && *parsed == guid;
}

template <typename T> T get(const YAML::Node &node, const char *key, T fallback)
{
    const auto value = node[key];
    return value && value.IsScalar() ? value.as<T>() : fallback;
}

Result<YAML::Node> loadYamlFile(const std::string &path)
{
    auto text = readFileBounded(path);
    if (!text)
        return tl::unexpected(text.error());
    try {
        return YAML::Load(*text);
    } catch (const YAML::Exception &e) {
        return fail(e.msg,
                    {path, static_cast<std::uint32_t>(e.mark.line + 1), static_cast<std::uint32_t>(e.mark.column + 1)});
    }
}

} // namespace

Result<void> makeDirectories(const std::string &path, unsigned mode)
{
    std::string current;
    std::size_t start = 0;
    while (start < path.size()) {
        auto slash = path.find('/', start + 1);
        if (slash == std::string::npos)
            slash = path.size();
        current = path.substr(0, slash);
        start = slash;
        if (current.empty() || current == "/")
            continue;
        if (::mkdir(current.c_str(), mode) != 0 && errno != EEXIST)
            return fail("cannot create directory " + current + ": " + std::strerror(errno));
    }
    return {};
}

Result<SyncState> readSyncState(const std::string &stateDir)
{
    const std::string path = stateDir + "/state.yaml";
    if (::access(path.c_str(), F_OK) != 0)
        return fail("no policy has been applied from the domain yet (" + path +
                    " does not exist; run gpauditctl sync)");
    auto root = loadYamlFile(path);
    if (!root)
        return tl::unexpected(root.error());
    try {
        if (get<int>(*root, "format", 0) != kStateFormat)
            return fail("unknown state format", {path, 0, 0});
        SyncState state;
        state.time = get<std::string>(*root, "time", "");
        state.realm = get<std::string>(*root, "realm", "");
        state.machine = get<std::string>(*root, "machine", "");
        state.dc = get<std::string>(*root, "dc", "");
        state.site = get<std::string>(*root, "site", "");
        state.computerDn = get<std::string>(*root, "computer_dn", "");
        state.mode = get<std::string>(*root, "mode", "applied");
        if (state.mode != "applied" && state.mode != "staged")
            return fail("unknown mode \"" + state.mode + "\" (applied or staged)", {path, 0, 0});
        state.kernelTime = get<std::string>(*root, "kernel_time", state.mode == "applied" ? state.time : "");
        for (const auto &g : (*root)["gpos"]) {
            GpoRecord r;
            r.guid = get<std::string>(g, "guid", "");
            r.name = get<std::string>(g, "name", "");
            r.som = get<std::string>(g, "som", "");
            r.enforced = get<bool>(g, "enforced", false);
            r.applied = get<bool>(g, "applied", false);
            r.reason = get<std::string>(g, "reason", "");
            r.version = get<std::uint32_t>(g, "version", 0);
            r.audit = get<bool>(g, "audit", false);
            r.security = get<bool>(g, "security", false);
            r.registry = get<bool>(g, "registry", false);
            r.status = get<std::string>(g, "status", "");
            state.gpos.push_back(std::move(r));
        }
        for (const auto &a : (*root)["applied"]) {
            SyncState::Applied applied{get<std::string>(a, "guid", ""), get<std::string>(a, "name", ""),
                                       get<std::uint32_t>(a, "version", 0)};
            if (!canonicalGuid(applied.guid))
                return fail("applied GPO with a malformed GUID \"" + applied.guid + "\"", {path, 0, 0});
            state.applied.push_back(std::move(applied));
        }
        return state;
    } catch (const YAML::Exception &e) {
        return fail(e.msg, {path, static_cast<std::uint32_t>(e.mark.line + 1), 0});
    }
}

Result<void> writeSyncState(const std::string &stateDir, const SyncState &state)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "format" << YAML::Value << kStateFormat;
    out << YAML::Key << "time" << YAML::Value << state.time;
    out << YAML::Key << "realm" << YAML::Value << state.realm;
    out << YAML::Key << "machine" << YAML::Value << state.machine;
    out << YAML::Key << "dc" << YAML::Value << state.dc;
    out << YAML::Key << "site" << YAML::Value << state.site;
    out << YAML::Key << "computer_dn" << YAML::Value << state.computerDn;
    out << YAML::Key << "mode" << YAML::Value << state.mode;
    out << YAML::Key << "kernel_time" << YAML::Value << state.kernelTime;
    out << YAML::Key << "gpos" << YAML::Value << YAML::BeginSeq;
    for (const auto &r : state.gpos) {
        out << YAML::BeginMap;
        out << YAML::Key << "guid" << YAML::Value << r.guid;
        out << YAML::Key << "name" << YAML::Value << r.name;
        out << YAML::Key << "som" << YAML::Value << r.som;
        out << YAML::Key << "enforced" << YAML::Value << r.enforced;
        out << YAML::Key << "applied" << YAML::Value << r.applied;
        out << YAML::Key << "reason" << YAML::Value << r.reason;
        out << YAML::Key << "version" << YAML::Value << r.version;
        out << YAML::Key << "audit" << YAML::Value << r.audit;
        out << YAML::Key << "security" << YAML::Value << r.security;
        out << YAML::Key << "registry" << YAML::Value << r.registry;
        out << YAML::Key << "status" << YAML::Value << r.status;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "applied" << YAML::Value << YAML::BeginSeq;
    for (const auto &a : state.applied)
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "guid" << YAML::Value << a.guid << YAML::Key << "name"
            << YAML::Value << a.name << YAML::Key << "version" << YAML::Value << a.version << YAML::EndMap;
    out << YAML::EndSeq << YAML::EndMap;
    if (auto ok = makeDirectories(stateDir, 0700); !ok)
        return ok;
    // The cached GPO files it refers to were written without fsync: make them durable first, in one go.
    if (auto ok = syncFileSystem(stateDir); !ok)
        return ok;
    return writeFileAtomic(stateDir + "/state.yaml", std::string(out.c_str()) + "\n", 0600);
}

std::optional<CachedGpo> readCachedGpo(const std::string &stateDir, const std::string &guid, std::uint32_t version)
{
    if (!canonicalGuid(guid))
        return std::nullopt;
    const auto dir = gpoDir(stateDir, guid, version);
    auto manifest = readFileBounded(dir + "/manifest");
    if (!manifest)
        return std::nullopt;
    CachedGpo files;
    int entries = 0;
    for (auto line : core::splitLines(*manifest)) {
        auto read = [&](std::optional<std::string> &target, const char *name) -> bool {
            const std::string prefix = std::string(name) + " ";
            if (!line.starts_with(prefix))
                return true;
            ++entries;
            if (line == prefix + "absent")
                return true;
            // The configured max_file_size decided when it was fetched; the parse checks it again.
            auto content = readFileBounded(dir + "/" + name, core::kMaxFileSizeCeiling);
            // The cache is written without fsync: a file that does not match its manifest line (lost
            // or short after a crash) makes the version "not cached", and it is fetched again.
            if (!content || line != prefix + "present " + fingerprint(*content))
                return false;
            target = std::move(*content);
            return true;
        };
        if (!read(files.auditCsv, "audit.csv") || !read(files.gptTmplInf, "GptTmpl.inf") ||
            !read(files.registryPol, "Registry.pol"))
            return std::nullopt;
    }
    // A version cached before Registry.pol was fetched has 2 entries: not complete, fetched again.
    if (entries != 3)
        return std::nullopt;
    return files;
}

Result<void> writeCachedGpo(const std::string &stateDir, const std::string &guid, std::uint32_t version,
                            const CachedGpo &files)
{
    if (!canonicalGuid(guid))
        return fail("refusing to cache a GPO with the malformed GUID \"" + guid + "\"");
    const auto dir = gpoDir(stateDir, guid, version);
    if (auto ok = makeDirectories(dir, 0700); !ok)
        return ok;
    std::string manifest;
    auto store = [&](const std::optional<std::string> &content, const char *name) -> Result<void> {
        manifest += std::string(name) + (content ? " present " + fingerprint(*content) + "\n" : " absent\n");
        if (!content)
            return {};
        return writeFileAtomic(dir + "/" + name, *content, 0600, Durability::Cache);
    };
    if (auto ok = store(files.auditCsv, "audit.csv"); !ok)
        return ok;
    if (auto ok = store(files.gptTmplInf, "GptTmpl.inf"); !ok)
        return ok;
    if (auto ok = store(files.registryPol, "Registry.pol"); !ok)
        return ok;
    return writeFileAtomic(dir + "/manifest", manifest, 0600, Durability::Cache); // last: the version is complete
}

void pruneCache(const std::string &stateDir, const std::vector<SyncState::Applied> &keep)
{
    std::set<std::string> wanted;
    for (const auto &a : keep)
        wanted.insert(a.guid + "/" + std::to_string(a.version));
    std::error_code ec;
    const std::filesystem::path root = stateDir + "/gpo";
    for (const auto &gpo : std::filesystem::directory_iterator(root, ec)) {
        const auto guid = gpo.path().filename().string();
        if (!canonicalGuid(guid))
            continue;
        bool any = false;
        for (const auto &version : std::filesystem::directory_iterator(gpo.path(), ec)) {
            if (wanted.count(guid + "/" + version.path().filename().string()) != 0) {
                any = true;
                continue;
            }
            std::filesystem::remove_all(version.path(), ec);
        }
        if (!any)
            std::filesystem::remove_all(gpo.path(), ec);
    }
}

LoadedPolicy parseCachedPolicy(const core::Catalog &catalog, const std::vector<CachedInput> &inputs,
                               const core::PolicyLimits &limits)
{
    LoadedPolicy out;
    for (const auto &in : inputs) {
        // Named as the file's place in the GPO's SYSVOL folder (MS-GPOL 2.2.3; sysvol_path.hxx).
        const std::string label = in.gpo.guid.empty() ? in.gpo.name : "{" + in.gpo.guid + "}";
        GpoFiles files;
        files.gpo = in.gpo;
        files.extensions = in.extensions;
        files.fetched = true; // a sync fetches only the files of registered extensions
        files.auditCsv = {label + "/" + std::string(core::kAuditCsvPath), in.files.auditCsv, std::nullopt};
        files.gptTmplInf = {label + "/" + std::string(core::kGptTmplPath), in.files.gptTmplInf, std::nullopt};
        files.registryPol = {label + "/" + std::string(core::kRegistryPolPath), in.files.registryPol, std::nullopt};
        out.inputs.push_back(parseGpoFiles(catalog, files, limits, out.problems));
    }
    return out;
}

// The extensions a sync recorded for a GPO (its audit/security flags from gPCMachineExtensionNames).
static std::optional<core::ExtensionList> recordedExtensions(const SyncState &state, const std::string &guid)
{
    for (const auto &record : state.gpos) {
        if (record.guid != guid || !record.applied)
            continue;
        core::ExtensionList list{{}, "gPCMachineExtensionNames"};
        if (record.audit)
            list.cses.insert(std::string(core::kAuditCse));
        if (record.security)
            list.cses.insert(std::string(core::kSecurityCse));
        if (record.registry)
            list.cses.insert(std::string(core::kRegistryCse));
        return list;
    }
    return std::nullopt;
}

Result<LastAppliedFiles> readLastApplied(const std::string &stateDir)
{
    auto state = readSyncState(stateDir);
    if (!state)
        return tl::unexpected(state.error());
    std::vector<CachedInput> inputs;
    for (const auto &applied : state->applied) {
        auto files = readCachedGpo(stateDir, applied.guid, applied.version);
        if (!files)
            return fail("the cached files of " + applied.name + " {" + applied.guid + "} version " +
                        std::to_string(applied.version) + " are missing from " + stateDir + "/gpo");
        inputs.push_back({{applied.guid, applied.name}, std::move(*files), recordedExtensions(*state, applied.guid)});
    }
    return LastAppliedFiles{std::move(*state), std::move(inputs)};
}

Result<LastApplied> loadLastApplied(const core::Catalog &catalog, const std::string &stateDir,
                                    const core::PolicyLimits &limits)
{
    auto last = readLastApplied(stateDir);
    if (!last)
        return tl::unexpected(last.error());
    return LastApplied{std::move(last->state), parseCachedPolicy(catalog, last->inputs, limits)};
}

std::optional<DiscoveryCache> readDiscoveryCache(const std::string &stateDir)
{
    auto root = loadYamlFile(stateDir + "/discovery.yaml");
    if (!root || !root->IsMap())
        return std::nullopt;
    try {
        DiscoveryCache cache;
        cache.realm = get<std::string>(*root, "realm", "");
        cache.machine = get<std::string>(*root, "machine", "");
        cache.computerDn = get<std::string>(*root, "computer_dn", "");
        cache.computerSid = get<std::string>(*root, "computer_sid", "");
        for (const auto &g : (*root)["token_groups"])
            cache.tokenGroups.push_back(g.as<std::string>());
        cache.tokenTicketExpiry = get<std::int64_t>(*root, "token_ticket_expiry", 0);
        cache.site = get<std::string>(*root, "site", "");
        cache.forestDn = get<std::string>(*root, "forest_dn", "");
        return cache;
    } catch (const YAML::Exception &) {
        return std::nullopt; // a cache: rebuilt from the directory
    }
}

Result<void> writeDiscoveryCache(const std::string &stateDir, const DiscoveryCache &cache)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "realm" << YAML::Value << cache.realm;
    out << YAML::Key << "machine" << YAML::Value << cache.machine;
    out << YAML::Key << "computer_dn" << YAML::Value << cache.computerDn;
    out << YAML::Key << "computer_sid" << YAML::Value << cache.computerSid;
    out << YAML::Key << "token_groups" << YAML::Value << YAML::Flow << cache.tokenGroups;
    out << YAML::Key << "token_ticket_expiry" << YAML::Value << cache.tokenTicketExpiry;
    out << YAML::Key << "site" << YAML::Value << cache.site;
    out << YAML::Key << "forest_dn" << YAML::Value << cache.forestDn;
    out << YAML::EndMap;
    if (auto ok = makeDirectories(stateDir, 0700); !ok)
        return ok;
    const std::string text = std::string(out.c_str()) + "\n";
    if (auto current = readFileBounded(stateDir + "/discovery.yaml"); current && *current == text)
        return {}; // unchanged: no write
    return writeFileAtomic(stateDir + "/discovery.yaml", text, 0600, Durability::Cache);
}

} // namespace gpaudit::host
