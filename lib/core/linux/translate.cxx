// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/translate.hxx"

#include "core/base/safe_text.hxx"
#include "core/base/text.hxx"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace gpaudit::core {

namespace {

bool hasSuccess(std::uint8_t v)
{
    return v == value::Success || v == value::SuccessAndFailure;
}
bool hasFailure(std::uint8_t v)
{
    return v == value::Failure || v == value::SuccessAndFailure;
}

std::string parentOf(const std::string &path)
{
    const auto slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Which outcome a rule records: the -F success / -F exit fields it gets.
struct Outcome {
    std::vector<FieldSpec> fields;
};

// Users an exclusion removes from a subcategory's own rules, by uid (MS-GPAC 2.2.1.3.2).
struct Exclusions {
    std::set<std::uint32_t> success;
    std::set<std::uint32_t> failure;
};

class Builder {
  public:
    Builder(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant, const TranslateOptions &options,
            const std::vector<Abi> &abis)
        : catalog_(catalog), mapping_(mapping), resultant_(resultant), options_(options), abis_(abis)
    {
    }

    Result<Translation> run()
    {
        // The per-user settings of each subcategory, found by index rather than by a scan of them all
        // per subcategory.
        usersBySubcategory_.resize(catalog_.subcategories().size());
        for (const auto &user : resultant_.perUser)
            if (user.subcategory < usersBySubcategory_.size())
                usersBySubcategory_[user.subcategory].push_back(&user);
        exclusions_.resize(catalog_.subcategories().size());
        statusFromOptions();
        for (std::size_t index = 0; index < catalog_.subcategories().size() && !error_; ++index)
            subcategory(index);
        if (!error_)
            fileGlobalSacl();
        perUserShaped_ = false;
        if (!resultant_.registryGlobalSacl.empty())
            note("", "RegistryGlobalSacl has " + std::to_string(resultant_.registryGlobalSacl.size()) +
                         " ACE(s); Linux has no registry, so they are not applied");
        if (!error_)
            suppressions();
        if (error_)
            return tl::unexpected(*error_);
        optimise();
        if (error_)
            return tl::unexpected(*error_);
        return std::move(out_);
    }

  private:
    void note(const std::string &slug, std::string message) { out_.notes.push_back({slug, std::move(message)}); }

    void statusFromOptions()
    {
        const auto &crash = resultant_.options[static_cast<std::size_t>(AuditOption::CrashOnAuditFail)];
        if (!crash)
            return;
        if (crash->enabled) {
            // CrashOnAuditFail: stop rather than lose an event -> panic on failure, a large backlog so a
            // burst does not trip it, no rate limit (mapping.md "Audit options").
            out_.status.push_back({'f', 2, "CrashOnAuditFail=1 (" + crash->source.str() + ")"});
            out_.status.push_back({'b', 8192, "CrashOnAuditFail=1: backlog large enough for bursts"});
            out_.status.push_back({'r', 0, "CrashOnAuditFail=1: no rate limit"});
            note("",
                 "CrashOnAuditFail is enabled: failure mode 2 panics the host when an audit record is lost; "
                 "set auditd.conf disk_full_action/disk_error_action to HALT for the same behaviour on disk errors");
        } else {
            out_.status.push_back({'f', 1, "CrashOnAuditFail=0 (" + crash->source.str() + ")"});
        }
    }

    std::vector<FieldSpec> substitute(const std::vector<FieldSpec> &fields) const
    {
        std::vector<FieldSpec> out = fields;
        for (auto &field : out) {
            const auto at = field.value.find("${UID_MIN}");
            if (at != std::string::npos)
                field.value.replace(at, 10, std::to_string(options_.uidMin));
        }
        return out;
    }

    // Emits one template with extra fields (outcome, per-user filter) under the given key.
    void emit(const std::string &slug, const RuleTemplate &rule, const std::vector<FieldSpec> &extra,
              AuditRule::Action action)
    {
        if (error_)
            return; // a limit was exceeded: the policy is refused, emit nothing more
        std::vector<FieldSpec> fields;
        if (!rule.path.empty()) {
            if (!safePath(slug, rule.path))
                return;
            if (options_.probe != nullptr && !options_.probe->directoryExists(parentOf(rule.path))) {
                noteSkippedWatch(slug, rule.path, parentOf(rule.path));
                return;
            }
            fields.push_back({"path", "=", rule.path});
        }
        if (!rule.dir.empty()) {
            if (!safePath(slug, rule.dir))
                return;
            if (options_.probe != nullptr && !options_.probe->directoryExists(rule.dir)) {
                noteSkippedWatch(slug, rule.dir, rule.dir);
                return;
            }
            if (rule.syscalls.empty() && options_.probe != nullptr) {
                if (auto entries = expandedDirectory(slug, rule.dir)) {
                    RuleTemplate file = rule;
                    file.dir.clear();
                    for (const auto &path : *entries) {
                        file.path = path;
                        emitWatch(slug, file, extra, action);
                    }
                    return;
                }
            }
            fields.push_back({"dir", "=", rule.dir});
        }
        if (!rule.perm.empty())
            fields.push_back({"perm", "=", rule.perm});
        for (auto &field : substitute(rule.fields))
            fields.push_back(field);
        fields.insert(fields.end(), extra.begin(), extra.end());

        // A file watch without syscalls lives in the kernel's inode hash and costs nothing per
        // syscall: one rule serves every ABI (mapping.md kernel fact 6).
        if (!rule.path.empty() && rule.syscalls.empty()) {
            add({AuditRule::List::Exit, action, "", {}, fields, {slug}});
            return;
        }
        // Directory rules sit on the exit list: narrow their syscall mask to the perm classes, or
        // auditctl would give them every syscall (fact 7).
        std::vector<std::string> syscalls = rule.syscalls;
        if (syscalls.empty())
            for (char letter : rule.perm)
                for (const auto &name : mapping_.permSyscalls(letter))
                    syscalls.push_back(name);
        emitPerAbi(slug, syscalls, fields, action);
    }

    void emitPerAbi(const std::string &slug, const std::vector<std::string> &syscalls,
                    const std::vector<FieldSpec> &fields, AuditRule::Action action)
    {
        for (const auto &abi : abis_) {
            std::vector<std::string> present;
            for (const auto &name : syscalls)
                if (!abi.absent.contains(name))
                    present.push_back(name);
            std::sort(present.begin(), present.end());
            present.erase(std::unique(present.begin(), present.end()), present.end());
            if (present.empty())
                continue;
            add({AuditRule::List::Exit, action, abi.arch, std::move(present), fields, {slug}});
        }
    }

    // A file watch whose parent directory is known to exist (it came from listing that directory).
    void emitWatch(const std::string &slug, const RuleTemplate &rule, const std::vector<FieldSpec> &extra,
                   AuditRule::Action action)
    {
        if (!safePath(slug, rule.path))
            return;
        std::vector<FieldSpec> fields = {{"path", "=", rule.path}, {"perm", "=", rule.perm}};
        for (auto &field : substitute(rule.fields))
            fields.push_back(field);
        fields.insert(fields.end(), extra.begin(), extra.end());
        add({AuditRule::List::Exit, action, "", {}, fields, {slug}});
    }

    // The directory itself and every entry below it, or nullopt to keep a tree rule.
    std::optional<std::vector<std::string>> expandedDirectory(const std::string &slug, const std::string &dir)
    {
        auto cached = expanded_.find(dir);
        if (cached == expanded_.end()) {
            auto entries = options_.probe->listTree(dir, kMaxExpandedWatches);
            // An entry whose name cannot be written to a rule (safe_text.hxx) is not left unwatched:
            // the directory stays one tree rule, which covers every name.
            std::optional<std::string> unsafe;
            if (entries)
                for (const auto &entry : *entries)
                    if (auto problem = rulePathProblem(entry); problem && !unsafe)
                        unsafe = "watch on " + displayText(dir) + ": the name of " + displayText(entry) +
                                 " cannot be written to an audit rule (" + *problem +
                                 "), so the directory is kept as a directory tree rule (it costs every syscall)";
            if (unsafe)
                entries.reset();
            if (entries)
                entries->insert(entries->begin(), dir);
            cached = expanded_.emplace(dir, std::move(entries)).first;
            if (unsafe)
                note(slug, std::move(*unsafe));
            else if (cached->second)
                note(slug, "watch on " + displayText(dir) + ": the directory and its " +
                               std::to_string(cached->second->size() - 1) +
                               " entries are watched one by one (no per-syscall cost); a file created in it later is "
                               "recorded when created, and for in-place writes from the next apply");
            else
                note(slug, "watch on " + displayText(dir) + ": more than " + std::to_string(kMaxExpandedWatches) +
                               " entries, kept as a directory tree rule (it costs every syscall)");
        }
        return cached->second;
    }

    void noteSkippedWatch(const std::string &slug, const std::string &watch, const std::string &missing)
    {
        if (skippedWatches_.insert(watch).second)
            note(slug, "watch on " + displayText(watch) + " skipped: " + displayText(missing) +
                           " does not exist on this host");
    }

    // A path (a file named in a watched directory, a mapping's or a SACL scope's path) becomes a -F
    // path=/dir= value only when auditctl reads the rules file back to exactly that path and libaudit
    // sends exactly it to the kernel (safe_text.hxx); otherwise the watch is left out with a note.
    bool safePath(const std::string &slug, const std::string &path)
    {
        auto problem = rulePathProblem(path);
        if (!problem)
            return true;
        if (unsafePaths_.insert(path).second)
            note(slug, "watch on " + displayText(path) + " left out: " + *problem);
        return false;
    }

    // Takes a rule into its group at once (rules with identical list, action, arch and fields share one
    // syscall mask, see optimise()), so the count of rules is known at every step and the work stops
    // as soon as the policy exceeds max_rules or a rule the kernel's field limit.
    void add(AuditRule rule)
    {
        if (error_)
            return;
        const std::size_t fieldCount = rule.fields.size() + (rule.arch.empty() ? 0 : 1) +
                                       (rule.list == AuditRule::List::Exit && !rule.keys.empty() ? 1 : 0);
        if (fieldCount > kMaxRuleFields) {
            const auto excluded =
                static_cast<std::size_t>(std::count_if(rule.fields.begin(), rule.fields.end(),
                                                       [](const auto &f) { return f.name == "auid" && f.op == "!="; }));
            const auto *sub = rule.keys.empty() ? nullptr : catalog_.bySlug(rule.keys.front());
            error_ = Error{{},
                           "a rule of " + (sub ? sub->name : std::string("the policy")) + " would carry " +
                               std::to_string(fieldCount) + " fields, more than the kernel accepts (" +
                               std::to_string(kMaxRuleFields) + ", AUDIT_MAX_FIELDS): " + std::to_string(excluded) +
                               " users are excluded from it (each exclusion is one -F auid!=UID on our rules, MS-GPAC "
                               "2.2.1.3.2), at most " +
                               std::to_string(kMaxRuleFields - (fieldCount - excluded)) +
                               " can be; the policy is refused as a whole (nothing of it is applied)"};
            return;
        }
        ++rulesBySource_[currentSource_];
        GroupKey key{static_cast<int>(rule.list), static_cast<int>(rule.action), rule.arch, rule.fields};
        auto it = groups_.find(key);
        if (it != groups_.end()) {
            auto merged = entries_[it->second].rule.keys;
            merged.insert(merged.end(), rule.keys.begin(), rule.keys.end());
            sortKeys(merged);
            // The kernel keeps 256 bytes of key: when the keys would not fit, open a second rule of
            // the same filter rather than lose the subcategory names (ausearch -k must find them).
            if (keyTextLength(merged) >= kMaxKeyLength)
                it = groups_.end();
        }
        if (it == groups_.end()) {
            if (entries_.size() >= options_.maxRules) {
                tooManyRules();
                return;
            }
            groups_[key] = entries_.size();
            Entry entry{std::move(rule), {}, false, perUserShaped_};
            for (const auto &slug : entry.rule.keys)
                entry.syscallsBySlug[slug].insert(entry.rule.syscalls.begin(), entry.rule.syscalls.end());
            entries_.push_back(std::move(entry));
            return;
        }
        auto &target = entries_[it->second];
        target.perUser = target.perUser || perUserShaped_;
        for (const auto &slug : rule.keys)
            target.syscallsBySlug[slug].insert(rule.syscalls.begin(), rule.syscalls.end());
        target.rule.syscalls.insert(target.rule.syscalls.end(), rule.syscalls.begin(), rule.syscalls.end());
        std::sort(target.rule.syscalls.begin(), target.rule.syscalls.end());
        target.rule.syscalls.erase(std::unique(target.rule.syscalls.begin(), target.rule.syscalls.end()),
                                   target.rule.syscalls.end());
        target.rule.keys.insert(target.rule.keys.end(), rule.keys.begin(), rule.keys.end());
        sortKeys(target.rule.keys);
    }

    void tooManyRules()
    {
        std::vector<std::pair<std::size_t, std::string>> bySource;
        for (const auto &[source, count] : rulesBySource_)
            if (!source.empty())
                bySource.emplace_back(count, source);
        std::stable_sort(bySource.begin(), bySource.end(),
                         [](const auto &a, const auto &b) { return a.first > b.first; });
        std::string sources;
        for (std::size_t i = 0; i < bySource.size() && i < 3; ++i)
            sources += (i == 0 ? "" : ", ") + bySource[i].second + " (" + std::to_string(bySource[i].first) + ")";
        error_ = Error{{},
                       "the policy needs more than " + std::to_string(options_.maxRules) +
                           " audit rules (limit max_rules, gpauditd.conf(5))" +
                           (sources.empty() ? std::string()
                                            : "; the GPOs whose settings gave the most rules (before merging equal "
                                              "filters): " +
                                                  sources) +
                           "; the policy is refused as a whole (nothing of it is applied)"};
    }

    static std::vector<std::vector<FieldSpec>> outcomes(ResultMode mode, bool success, bool failure,
                                                        const std::vector<std::string> &exits)
    {
        std::vector<std::vector<FieldSpec>> out;
        switch (mode) {
        case ResultMode::Split:
            if (success && failure)
                out.push_back({});
            else if (success)
                out.push_back({{"success", "=", "1"}});
            else if (failure)
                out.push_back({{"success", "=", "0"}});
            break;
        case ResultMode::SuccessUnfiltered:
            if (success)
                out.push_back({});
            break;
        case ResultMode::FailureExits:
            if (failure)
                for (const auto &code : exits)
                    out.push_back({{"exit", "=", code}});
            break;
        }
        return out;
    }

    bool optionOn(const std::string &name) const
    {
        auto option = parseAuditOption(name);
        return option && resultant_.optionEnabled(*option);
    }

    void subcategory(std::size_t index)
    {
        const auto &sub = catalog_.subcategories()[index];
        const auto &map = mapping_.of(index);
        const auto setting = resultant_.subcategories[index].value;
        if (!map.mapped)
            return;
        // Per-user first: its exclusions narrow this subcategory's own rules below.
        perUser(index);
        currentSource_ = resultant_.subcategories[index].source.str();
        perUserShaped_ = !exclusions_[index].success.empty() || !exclusions_[index].failure.empty();
        for (const auto &rule : map.rules) {
            if (!rule.whenOption.empty() && !optionOn(rule.whenOption))
                continue;
            for (const auto &outcome : narrowedOutcomes(rule.result, hasSuccess(setting), hasFailure(setting),
                                                        rule.exits, exclusions_[index], rule.fields))
                emit(sub.slug, rule, outcome, AuditRule::Action::Always);
        }
        perUserShaped_ = false;
    }

    // The outcome fields of one of our rules, narrowed by the subcategory's exclusions (MS-GPAC
    // 2.2.1.3.2, Exclude Success/Failure): one -F auid!=UID per excluded user, on our rules only, so a
    // rule that is not ours (an administrator's STIG rules) still records that user. Exclusion "is not
    // honored for users who are members of the Administrators local group" (2.2.1.3.2): on Linux that
    // is whoever acts as root (euid 0, the Administrators trustee S-1-5-32-544 of our SACL mapping), so
    // a twin rule with -F euid=0 keeps recording what an excluded user does as root (sudo), and a rule
    // that only matches euid 0 is not narrowed at all.
    std::vector<std::vector<FieldSpec>> narrowedOutcomes(ResultMode mode, bool success, bool failure,
                                                         const std::vector<std::string> &exits,
                                                         const Exclusions &excluded,
                                                         const std::vector<FieldSpec> &ruleFields) const
    {
        const FieldSpec root{"euid", "=", "0"};
        const bool rootOnly = std::find(ruleFields.begin(), ruleFields.end(), root) != ruleFields.end();
        std::vector<std::pair<std::vector<FieldSpec>, const std::set<std::uint32_t> *>> base;
        auto add = [&](bool s, bool f, const std::set<std::uint32_t> *uids) {
            for (auto &outcome : outcomes(mode, s, f, exits))
                base.emplace_back(std::move(outcome), uids);
        };
        switch (mode) {
        case ResultMode::Split:
            if (success && failure && excluded.success != excluded.failure) {
                add(true, false, &excluded.success); // different users: one rule per outcome
                add(false, true, &excluded.failure);
            } else {
                add(success, failure, success ? &excluded.success : &excluded.failure);
            }
            break;
        case ResultMode::SuccessUnfiltered:
            add(success, failure, &excluded.success);
            break;
        case ResultMode::FailureExits:
            add(success, failure, &excluded.failure);
            break;
        }
        std::vector<std::vector<FieldSpec>> out;
        for (auto &[fields, uids] : base) {
            if (uids->empty() || rootOnly) {
                out.push_back(std::move(fields));
                continue;
            }
            auto asRoot = fields;
            asRoot.push_back(root);
            for (auto uid : *uids)
                fields.push_back({"auid", "!=", std::to_string(uid)});
            out.push_back(std::move(fields));
            out.push_back(std::move(asRoot));
        }
        return out;
    }

    std::optional<FieldSpec> userFilter(const Sid &sid, const std::string &slug, const char *what)
    {
        if (options_.resolver == nullptr) {
            noteOnce(slug, sid.str() + " " + what +
                               " unresolved: no SID resolver (run on a domain member, or pass "
                               "--sid-map); not applied");
            return std::nullopt;
        }
        auto resolved = options_.resolver->resolve(sid);
        if (!resolved) {
            const auto source = options_.resolver->source();
            noteOnce(slug, sid.str() + " " + what + " unresolved: the SID has no uid/gid on this host" +
                               (source.empty() ? "" : " (asked " + source + ")") + "; not applied");
            return std::nullopt;
        }
        if (resolved->kind == SidResolution::Kind::Group)
            return FieldSpec{"gid", "=", std::to_string(resolved->id)};
        return FieldSpec{"auid", "=", std::to_string(resolved->id)};
    }

    void noteOnce(const std::string &slug, std::string message)
    {
        if (notedOnce_.insert(message).second)
            note(slug, std::move(message));
    }

    // MS-GPAC 2.2.1.3.2: include bits add records for the user, exclude bits suppress them; include
    // beats exclude.
    void perUser(std::size_t index)
    {
        const auto &sub = catalog_.subcategories()[index];
        const auto &map = mapping_.of(index);
        const auto system = resultant_.subcategories[index].value;
        for (const auto *userEntry : usersBySubcategory_[index]) {
            const auto &user = *userEntry;
            if (user.value == userbits::None || user.value == 0)
                continue;
            currentSource_ = user.source.str();
            const bool includeSuccess = (user.value & userbits::IncludeSuccess) != 0;
            const bool includeFailure = (user.value & userbits::IncludeFailure) != 0;
            const bool excludeSuccess = !includeSuccess && (user.value & userbits::ExcludeSuccess) != 0;
            const bool excludeFailure = !includeFailure && (user.value & userbits::ExcludeFailure) != 0;
            // Only what changes the outcome: an include the system setting already records, or an
            // exclude of something it does not record, needs no rule.
            const bool addSuccess = includeSuccess && !hasSuccess(system);
            const bool addFailure = includeFailure && !hasFailure(system);
            const bool dropSuccess = excludeSuccess && hasSuccess(system);
            const bool dropFailure = excludeFailure && hasFailure(system);
            if (!addSuccess && !addFailure && !dropSuccess && !dropFailure)
                continue;
            if (!map.mapped || map.rules.empty()) {
                if (!user.implicit)
                    noteOnce(sub.slug, "per-user setting for " + user.sid.str() + " on " + sub.name +
                                           " cannot be applied: " +
                                           (map.mapped ? "its records come from user space and carry the sender's uid"
                                                       : "the subcategory has no Linux realisation"));
                continue;
            }
            auto filter = userFilter(user.sid, sub.slug, "(per-user audit policy)");
            if (!filter)
                continue;
            if (filter->name == "gid") {
                // MS-GPAC <1>: Windows ignores per-user settings for group SIDs.
                noteOnce(sub.slug, user.sid.str() + " is a group: per-user settings for groups are ignored, as on "
                                                    "Windows (MS-GPAC 2.2.1.1 <1>)");
                continue;
            }
            if (dropSuccess || dropFailure) {
                std::uint32_t uid = 0;
                if (filter->value == "0" || !parseDecimal(filter->value, uid)) {
                    // Exclusions are not honoured for Administrators (2.2.1.3.2): never for root.
                    noteOnce(sub.slug, "exclusion for " + user.sid.str() +
                                           " (uid 0) ignored: not honoured for "
                                           "administrators (MS-GPAC 2.2.1.3.2)");
                } else {
                    // Narrows this subcategory's own rules (narrowedOutcomes); no never rule, which
                    // would hide the user from every rule after it, ours or not.
                    if (dropSuccess)
                        exclusions_[index].success.insert(uid);
                    if (dropFailure)
                        exclusions_[index].failure.insert(uid);
                }
            }
            perUserShaped_ = true;
            for (const auto &rule : map.rules) {
                if (!rule.whenOption.empty() && !optionOn(rule.whenOption))
                    continue;
                for (auto outcome : outcomes(rule.result, addSuccess, addFailure, rule.exits)) {
                    outcome.insert(outcome.begin(), *filter);
                    emit(sub.slug, rule, outcome, AuditRule::Action::Always);
                }
            }
            perUserShaped_ = false;
        }
    }

    // FileGlobalSacl ACEs (MS-GPAC 2.2.3) -> rules, gated on the File System subcategory: a global
    // SACL produces events only for the outcomes File System audits.
    void fileGlobalSacl()
    {
        if (resultant_.fileGlobalSacl.empty())
            return;
        std::size_t fsIndex = 0;
        bool found = false;
        for (std::size_t i = 0; i < catalog_.subcategories().size(); ++i) {
            if (mapping_.of(i).fileGlobalSacl) {
                fsIndex = i;
                found = true;
            }
        }
        if (!found) {
            note("", "FileGlobalSacl present but no subcategory of the mapping carries it; not applied");
            return;
        }
        const auto &slug = catalog_.subcategories()[fsIndex].slug;
        const auto fsValue = resultant_.subcategories[fsIndex].value;
        perUserShaped_ = !exclusions_[fsIndex].success.empty() || !exclusions_[fsIndex].failure.empty();
        for (const auto &sourced : resultant_.fileGlobalSacl) {
            if (error_)
                return;
            currentSource_ = sourced.source.str();
            const auto &ace = sourced.ace;
            const bool success = ace.auditsSuccess() && hasSuccess(fsValue);
            const bool failure = ace.auditsFailure() && hasFailure(fsValue);
            if (!success && !failure) {
                note(slug, "FileGlobalSacl ACE " + ace.str() + " records nothing: File System is set to " +
                               std::string(settingText(fsValue)));
                continue;
            }
            if (ace.type == AceType::ObjectAudit) {
                note(slug,
                     "FileGlobalSacl ACE " + ace.str() + " is an object ACE (OU), meaningless for files; ignored");
                continue;
            }
            const auto perm = permFromAccessMask(ace.accessMask);
            if (perm.empty()) {
                note(slug, "FileGlobalSacl ACE " + ace.str() + " names no right with a Linux equivalent; ignored");
                continue;
            }
            std::vector<FieldSpec> trustee;
            const auto &sid = ace.trustee.sid;
            if (sid == "S-1-1-0") {
                // Everyone: no filter.
            } else if (sid == "S-1-5-11" || sid == "S-1-5-4") {
                trustee.push_back({"auid", "!=", "unset"}); // Authenticated Users, Interactive
            } else if (sid == "S-1-5-18") {
                trustee.push_back({"auid", "=", "unset"}); // Local System: daemons without a login
            } else if (sid == "S-1-5-32-544") {
                trustee.push_back({"euid", "=", "0"}); // Administrators
            } else if (sid.empty()) {
                note(slug, "FileGlobalSacl ACE " + ace.str() + ": domain-relative trustee " + ace.trustee.alias +
                               " needs the domain SID; ignored");
                continue;
            } else {
                auto parsed = parseSid(sid);
                auto filter = parsed ? userFilter(*parsed, slug, "(FileGlobalSacl trustee)") : std::nullopt;
                if (!filter)
                    continue;
                trustee.push_back(*filter);
            }
            for (auto outcome :
                 narrowedOutcomes(ResultMode::Split, success, failure, {}, exclusions_[fsIndex], trustee)) {
                std::vector<FieldSpec> extra = trustee;
                extra.insert(extra.end(), outcome.begin(), outcome.end());
                if (options_.saclDirectories.empty()) {
                    // The kernel refuses a watch on "/": a global SACL is a syscall rule narrowed to the
                    // perm classes, with -F perm deciding per call (mapping.md "Global SACL").
                    RuleTemplate rule;
                    rule.perm = perm;
                    for (char letter : perm)
                        for (const auto &name : mapping_.permSyscalls(letter))
                            rule.syscalls.push_back(name);
                    emit(slug, rule, extra, AuditRule::Action::Always);
                } else {
                    for (const auto &dir : options_.saclDirectories) {
                        RuleTemplate rule;
                        rule.dir = dir;
                        rule.perm = perm;
                        emit(slug, rule, extra, AuditRule::Action::Always);
                    }
                }
            }
        }
    }

    // Record types emitted without rules are switched off only when every subcategory that lists
    // them is explicitly set to No Auditing (mapping.md "Conventions").
    void suppressions()
    {
        std::map<std::string, std::pair<bool, bool>> types; // type -> (kernel?, all owners off)
        for (std::size_t index = 0; index < catalog_.subcategories().size(); ++index) {
            const auto &map = mapping_.of(index);
            const bool off = resultant_.subcategories[index].value == value::None;
            for (const auto &[list, kernel] :
                 {std::pair{&map.userRecords, false}, std::pair{&map.kernelRecords, true}}) {
                for (const auto &type : *list) {
                    auto [it, inserted] = types.emplace(type, std::pair{kernel, off});
                    if (!inserted)
                        it->second.second = it->second.second && off;
                }
            }
        }
        for (const auto &[type, info] : types) {
            if (!info.second || !mapping_.suppressible(type))
                continue;
            std::vector<std::string> owners;
            for (std::size_t index = 0; index < catalog_.subcategories().size(); ++index) {
                const auto &map = mapping_.of(index);
                if (std::find(map.userRecords.begin(), map.userRecords.end(), type) != map.userRecords.end() ||
                    std::find(map.kernelRecords.begin(), map.kernelRecords.end(), type) != map.kernelRecords.end())
                    owners.push_back(catalog_.subcategories()[index].slug);
            }
            std::string names;
            for (const auto &owner : owners)
                names += (names.empty() ? "" : ", ") + catalog_.bySlug(owner)->name;
            note(owners.front(), std::string(info.first ? "kernel" : "user-space") + " records of type " + type +
                                     " are switched off: " + names + " set to No Auditing");
            if (info.first)
                add({AuditRule::List::Exclude, AuditRule::Action::Always, "", {}, {{"msgtype", "=", type}}, owners});
            else
                add({AuditRule::List::User, AuditRule::Action::Never, "", {}, {{"msgtype", "=", type}}, owners});
        }
    }

    static std::size_t keyTextLength(const std::vector<std::string> &keys)
    {
        std::size_t length = 0;
        for (const auto &key : keys)
            length += (length == 0 ? 0 : 1) + kKeyPrefix.size() + key.size();
        return length;
    }

    std::size_t keyOrder(const std::string &slug) const
    {
        const auto *sub = catalog_.bySlug(slug);
        return sub == nullptr ? catalog_.subcategories().size() : catalog_.indexOf(*sub);
    }

    void sortKeys(std::vector<std::string> &keys) const
    {
        std::sort(keys.begin(), keys.end(), [&](const auto &a, const auto &b) { return keyOrder(a) < keyOrder(b); });
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }

    // Rules with identical list, action, arch and fields were merged into one syscall mask by add()
    // (each exit rule costs every syscall, mapping.md facts 1-2); order them: never rules first (fact 4), file watches,
    // directory rules, field-filtered syscall rules, plain syscall rules; user and exclude lists last.
    void optimise()
    {
        auto &entries = entries_;
        auto rank = [](const AuditRule &rule) {
            if (rule.list != AuditRule::List::Exit)
                return rule.list == AuditRule::List::User ? 6 : 7;
            if (rule.action == AuditRule::Action::Never)
                return 0;
            if (rule.isWatch())
                return 1;
            const bool dir =
                std::any_of(rule.fields.begin(), rule.fields.end(), [](const auto &f) { return f.name == "dir"; });
            if (dir)
                return 2;
            const bool filtered = std::any_of(rule.fields.begin(), rule.fields.end(),
                                              [](const auto &f) { return f.name != "success" && f.name != "exit"; });
            return filtered ? 3 : 4;
        };
        // Sort keys computed once per rule (render() in the comparator would cost a string per comparison).
        struct SortKey {
            int rank;
            std::size_t fields;
            std::string text;
        };
        std::vector<SortKey> sortKeysOf;
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            sortKeys(entries[i].rule.keys);
            sortKeysOf.push_back({rank(entries[i].rule), entries[i].rule.fields.size(), entries[i].rule.render()});
            order.push_back(i);
        }
        std::stable_sort(order.begin(), order.end(), [&](std::size_t ia, std::size_t ib) {
            const auto &a = sortKeysOf[ia];
            const auto &b = sortKeysOf[ib];
            if (a.rank != b.rank)
                return a.rank < b.rank;
            if (a.fields != b.fields)
                return a.fields > b.fields; // more specific first
            return a.text < b.text;
        });
        {
            std::vector<Entry> sorted;
            sorted.reserve(entries.size());
            for (auto i : order)
                sorted.push_back(std::move(entries[i]));
            entries = std::move(sorted);
        }
        // First match decides which key a record carries (fact 1). When a narrower rule stands before a
        // broader one whose match every match of its own implies (same arch, the broader rule's fields
        // a subset of its own), a record of the narrower rule also belongs to each subcategory of the
        // broader rule whose syscalls it shares: it carries those keys too. Only syscall rules of the
        // exit list take part.
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto &rule = entries[i].rule;
            if (rule.list == AuditRule::List::Exit && rule.action == AuditRule::Action::Always &&
                !rule.syscalls.empty())
                candidates.push_back(i);
        }
        // The broader rules of a narrow one are found through an index of field sets (the narrow
        // rule's subsets are looked up, or, for a rule with many fields, the distinct sets tested),
        // not by testing every later rule: near-linear in the rules.
        auto setKey = [](const std::string &arch, const std::vector<FieldSpec> &sortedFields) {
            std::string key = arch;
            for (const auto &f : sortedFields)
                key += std::string("\x1e") + (f.compare ? 'C' : 'F') + f.name + '\x1f' + f.op + '\x1f' + f.value;
            return key;
        };
        std::vector<std::vector<FieldSpec>> setOf(candidates.size());
        std::unordered_map<std::string, std::vector<std::size_t>> bySet; // ordinals in candidates, ascending
        std::vector<std::pair<std::size_t, std::string>> distinct;       // (an ordinal of the set, its key)
        for (std::size_t a = 0; a < candidates.size(); ++a) {
            auto fields = entries[candidates[a]].rule.fields;
            std::sort(fields.begin(), fields.end());
            fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
            setOf[a] = std::move(fields);
            auto key = setKey(entries[candidates[a]].rule.arch, setOf[a]);
            auto &list = bySet[key];
            if (list.empty())
                distinct.emplace_back(a, key);
            list.push_back(a);
        }
        constexpr std::size_t kEnumerateUpTo = 6; // 64 subsets; beyond that test the distinct sets
        for (std::size_t a = 0; a < candidates.size(); ++a) {
            auto &narrow = entries[candidates[a]].rule;
            const auto &mine = setOf[a];
            std::vector<std::size_t> broader;
            auto take = [&](const std::vector<std::size_t> &list) {
                for (auto it = std::upper_bound(list.begin(), list.end(), a); it != list.end(); ++it)
                    broader.push_back(*it);
            };
            if (mine.size() <= kEnumerateUpTo) {
                std::vector<FieldSpec> subset;
                for (std::size_t mask = 0; mask < (std::size_t{1} << mine.size()); ++mask) {
                    subset.clear();
                    for (std::size_t bit = 0; bit < mine.size(); ++bit)
                        if ((mask & (std::size_t{1} << bit)) != 0)
                            subset.push_back(mine[bit]);
                    auto found = bySet.find(setKey(narrow.arch, subset));
                    if (found != bySet.end())
                        take(found->second);
                }
            } else {
                for (const auto &[ordinal, key] : distinct) {
                    const auto &theirs = setOf[ordinal];
                    if (entries[candidates[ordinal]].rule.arch == narrow.arch &&
                        std::includes(mine.begin(), mine.end(), theirs.begin(), theirs.end()))
                        take(bySet[key]);
                }
            }
            std::sort(broader.begin(), broader.end());
            bool extendedAny = false;
            for (auto b : broader) {
                for (const auto &byslug : entries[candidates[b]].syscallsBySlug) {
                    const auto &slug = byslug.first;
                    const auto &syscalls = byslug.second;
                    if (std::find(narrow.keys.begin(), narrow.keys.end(), slug) != narrow.keys.end())
                        continue;
                    const bool shares = std::any_of(narrow.syscalls.begin(), narrow.syscalls.end(),
                                                    [&](const auto &name) { return syscalls.contains(name); });
                    if (!shares)
                        continue;
                    auto extended = narrow.keys;
                    extended.push_back(slug);
                    if (keyTextLength(extended) < kMaxKeyLength) {
                        narrow.keys = std::move(extended);
                        extendedAny = true;
                    }
                }
            }
            if (extendedAny)
                sortKeys(narrow.keys);
        }
        splitExitOverlaps(entries);
        propagateToWatches(entries);
        splitWatchOverlaps(entries);
        if (entries.size() > options_.maxRules) {
            tooManyRules();
            return;
        }
        std::vector<AuditRule> rules;
        rules.reserve(entries.size());
        for (auto &entry : entries)
            rules.push_back(std::move(entry.rule));
        out_.rules = std::move(rules);
    }

    // A file watch's key is the one its record carries, whatever syscall rule matched too: the kernel runs
    // the inode filter after the exit list and a later match replaces the key (kernel/auditsc.c
    // __audit_syscall_exit: "run through both filters to ensure we set the filterkey properly"); a
    // directory rule stands before the syscall rules on the exit list, where the first match decides. So
    // a watch or directory rule also takes the key of each subcategory whose syscall rules every match of
    // it implies: for every ABI, rules whose fields other than arch are among the watch's own and whose
    // syscalls include every syscall of the watch's permission classes. (Found by the events proof: an exec of
    // auditctl, watched by Audit Policy Change, was recorded without the process-creation key.)
    void propagateToWatches(auto &entries) const
    {
        // The donors by their fields (but arch) as a set: a watch is tested against each distinct set
        // once (a policy at the ceilings has ~4,700 syscall rules and ~700 distinct sets).
        std::map<std::vector<FieldSpec>, std::vector<std::size_t>> donorsBySet;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto &rule = entries[i].rule;
            if (rule.list == AuditRule::List::Exit && rule.action == AuditRule::Action::Always &&
                !rule.syscalls.empty()) {
                auto fields = rule.fields;
                std::erase_if(fields, [](const FieldSpec &f) { return f.name == "arch"; });
                donorsBySet[sortedSet(std::move(fields))].push_back(i);
            }
        }
        for (auto &entry : entries) {
            auto &watch = entry.rule;
            if (watch.list != AuditRule::List::Exit || watch.action != AuditRule::Action::Always ||
                !watch.syscalls.empty())
                continue;
            std::string perm;
            bool located = false;
            for (const auto &field : watch.fields) {
                if (field.name == "path" || field.name == "dir")
                    located = true;
                else if (field.name == "perm")
                    perm = field.value;
            }
            if (!located || perm.empty())
                continue;
            std::set<std::string, std::less<>> watched;
            for (char letter : perm)
                for (const auto &name : mapping_.permSyscalls(letter))
                    watched.insert(name);
            // slug -> arch -> the syscalls of that subcategory's rules whose fields the watch holds
            std::map<std::string, std::map<std::string, std::set<std::string>>> implied;
            const auto held = sortedSet(watch.fields);
            for (const auto &[donorFields, donors] : donorsBySet) {
                if (!std::includes(held.begin(), held.end(), donorFields.begin(), donorFields.end()))
                    continue;
                for (auto d : donors)
                    for (const auto &[slug, syscalls] : entries[d].syscallsBySlug)
                        implied[slug][entries[d].rule.arch].insert(syscalls.begin(), syscalls.end());
            }
            bool extendedAny = false;
            for (const auto &entry : implied) {
                // Named, not a structured binding: clang 14 cannot capture a binding in a lambda (C++20 P1091).
                const auto &slug = entry.first;
                const auto &byArch = entry.second;
                if (std::find(watch.keys.begin(), watch.keys.end(), slug) != watch.keys.end())
                    continue;
                // Every syscall the watch can match, in every ABI (but those the ABI lacks), must be one of
                // the subcategory's: a key the watch's record carries must be right for each of them.
                const bool everyMatch = std::all_of(abis_.begin(), abis_.end(), [&](const Abi &abi) {
                    auto found = byArch.find(abi.arch);
                    if (found == byArch.end())
                        return false;
                    return std::all_of(watched.begin(), watched.end(), [&](const auto &name) {
                        return found->second.contains(name) || abi.absent.contains(name);
                    });
                });
                if (!everyMatch)
                    continue;
                auto extended = watch.keys;
                extended.push_back(slug);
                if (keyTextLength(extended) < kMaxKeyLength) {
                    watch.keys = std::move(extended);
                    extendedAny = true;
                }
            }
            if (extendedAny)
                sortKeys(watch.keys);
        }
    }

    // Which syscalls each subcategory brought to a rule, so that key propagation in optimise() adds a
    // key only where that subcategory's own syscalls are concerned.
    struct Entry {
        AuditRule rule;
        std::map<std::string, std::set<std::string>> syscallsBySlug;
        bool copy = false;    // a copy made by splitExitOverlaps/splitWatchOverlaps
        bool perUser = false; // shaped by per-user settings: -F auid= rules, or narrowed by an exclusion
    };

    // --- Overlapping rules (issue 15: every record tells its subcategories by its keys alone) ---
    //
    // The key propagation above covers a rule that is narrower than a later one. A per-user setting
    // (MS-GPAC 2.2.1.3.2) makes the later rule narrower than the one standing first instead: with an
    // exclusion, Process Creation becomes "-F success=1 -F auid!=UID", its twin "-F success=1 -F euid=0"
    // and "-F success=0"; an inclusion adds "-F auid=UID" rules. A rule that stands first (the set-uid
    // exec rule of Special Logon; a file watch, whose key the kernel writes over the exit rule's) then
    // takes the record, and the record lacks the later rule's key although that rule matches it too.
    //
    // Design (a), chosen over (b) "the classifier also tests the subcategories in force": the rule that
    // stands first is split. Before it go copies narrowed by the later rule's fields (and syscalls),
    // carrying both rules' keys; the original keeps its own. Every record stays self-describing:
    // ausearch -k, a SIEM query on the key and the classifier of another host's logs need no knowledge of
    // the policy in force. Copies are closed under intersection (a record matched by several later
    // rules finds a copy with all their keys first: copies with more keys stand first), copies that
    // another copy makes unreachable are dropped, and two copies that differ only in -F success=1 /
    // -F success=0 become one; a copy equal to the original gives its keys to the original (no extra
    // rule: the set-uid exec rule with euid=0 is covered by the exclusion's root twin and the failure
    // rule, so it simply carries process-creation). Cost (mapping.md facts 1, 6): a watch's copies sit
    // in the inode hash (no per-syscall cost); an exit-list copy is one more list entry with the narrow
    // syscall mask of the two rules' common syscalls. Like every narrower-first arrangement, the copies
    // rely on the kernel list's order: the rules file keeps it, and an apply that adds a rule before ones
    // the kernel already holds moves those after it (core/linux/apply_plan.hxx planApply).

    struct Piece {
        std::set<std::string> syscalls; // an exit-list copy's syscalls; unused for a watch
        std::vector<FieldSpec> fields;  // rendering order: the original's, then the added ones
        std::vector<FieldSpec> sorted;  // the same as a set
        std::set<std::string> keys;     // the slugs it adds to the original's keys
        bool perUser = false;           // contributed by a rule shaped by per-user settings
    };
    static constexpr std::size_t kMaxPieces = 64; // copies considered for one rule before giving up

    static std::optional<std::int64_t> fieldNumber(const std::string &text)
    {
        static const std::map<std::string, std::int64_t, std::less<>> errnos = {
            {"EPERM", 1}, {"ENOENT", 2}, {"EACCES", 13}, {"EEXIST", 17}, {"EINVAL", 22}, {"EROFS", 30}};
        if (text == "unset")
            return std::int64_t{4294967295}; // AUDIT_UID_UNSET
        std::string_view view = text;
        const bool negative = !view.empty() && view.front() == '-';
        if (negative)
            view.remove_prefix(1);
        std::int64_t value = 0;
        if (auto it = errnos.find(view); it != errnos.end()) {
            value = it->second;
        } else {
            std::uint32_t parsed = 0;
            if (!parseDecimal(std::string(view), parsed))
                return std::nullopt;
            value = parsed;
        }
        return negative ? -value : value;
    }

    static bool under(const std::string &path, const std::string &dir)
    {
        return path == dir || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
    }

    // The fields of a rule that must hold both `base` and `extra`, in rendering order, or nullopt when
    // no syscall exit can satisfy them all. Decided for the fields the translation produces: auid/euid/
    // uid/gid/a0 comparisons (per-user -F auid=/auid!=, the root twin -F euid=0), -F success and -F exit
    // (a negative exit is a failure: AUDITSC_RESULT), -F dir/-F path (one tree or watch per rule: the
    // deeper of nested ones), -F perm (the common letters). Any other pair is taken as satisfiable: an
    // unreachable copy costs a list entry, never a wrong key.
    std::optional<std::vector<FieldSpec>> combine(const std::vector<FieldSpec> &base,
                                                  const std::vector<FieldSpec> &extra) const
    {
        std::vector<FieldSpec> out = base;
        for (const auto &field : extra) {
            if (std::find(out.begin(), out.end(), field) != out.end())
                continue;
            if (field.compare) {
                out.push_back(field);
                continue;
            }
            auto same = std::find_if(out.begin(), out.end(), [&](const FieldSpec &f) {
                return !f.compare && f.name == field.name && f.op == "=" && field.op == "=" &&
                       (f.name == "dir" || f.name == "path" || f.name == "perm");
            });
            if (same != out.end()) {
                if (field.name == "perm") {
                    std::string common;
                    for (char letter : same->value)
                        if (field.value.find(letter) != std::string::npos)
                            common += letter;
                    if (common.empty())
                        return std::nullopt;
                    same->value = common;
                } else if (under(field.value, same->value)) {
                    same->value = field.value; // the deeper directory (a path can only be itself)
                } else if (!under(same->value, field.value)) {
                    return std::nullopt;
                }
                continue;
            }
            out.push_back(field);
        }
        // A watched path below a directory rule's tree: the path implies the tree.
        auto path = std::find_if(out.begin(), out.end(), [](const FieldSpec &f) { return f.name == "path"; });
        auto dir = std::find_if(out.begin(), out.end(), [](const FieldSpec &f) { return f.name == "dir"; });
        if (path != out.end() && dir != out.end()) {
            if (!under(path->value, dir->value))
                return std::nullopt;
            out.erase(dir);
        }
        // The final test, the same as the pair search's clash() (one definition, refuses()): a field that
        // must equal a value against any other field of that name, -F success against -F exit. A field
        // never refuses itself, so the result's facts are tested against themselves.
        const auto facts = factsOf(out);
        if (refusesAny(facts, facts))
            return std::nullopt;
        return out;
    }

    static std::vector<FieldSpec> sortedSet(std::vector<FieldSpec> fields)
    {
        std::sort(fields.begin(), fields.end());
        fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
        return fields;
    }

    // --- The pairwise search, made cheap (a policy at the kernel's ceilings: 62 users excluded from
    // Process Creation give ~4,800 rules before the copies, ~1.6 million pairs of exit rules sharing a
    // syscall and ~5 million (watch, syscall rule) pairs, of which under 0.5 % combine) ---
    //
    // What combine()'s final test reads of one rule's fields, read once per rule: the fields that
    // combine() neither merges nor drops (all but -F dir/path/perm and -C), with their numbers. When a
    // field of one rule and a field of the other fail that test together (clash()), combine() of the
    // two refuses them, whatever else they hold: both fields stand unchanged in its result. Most pairs
    // a per-user policy offers are such: -F auid=A against -F auid=B or -F auid!=A, -F success=1
    // against -F success=0. combine() itself still decides every other pair.
    enum class Op { Eq, Ne, Ge, Le, Gt, Lt, Other };
    struct Fact {
        int name = 0; // factName()
        Op op = Op::Other;
        std::optional<std::int64_t> number;
        std::string value;
    };
    struct FieldFacts {
        std::vector<Fact> facts;         // by name
        std::vector<std::size_t> tested; // the facts combine() tests against the others (op "=", success)
        std::vector<std::pair<std::size_t, std::size_t>> byName; // factName() -> [first, last) of facts
    };
    static constexpr int kFactSuccess = 0;
    static constexpr int kFactExit = 1;

    int factName(const std::string &name) const
    {
        return factNames_.emplace(name, static_cast<int>(factNames_.size())).first->second;
    }

    FieldFacts factsOf(const std::vector<FieldSpec> &fields) const
    {
        static const std::map<std::string, Op, std::less<>> ops = {{"=", Op::Eq},  {"!=", Op::Ne}, {">=", Op::Ge},
                                                                   {"<=", Op::Le}, {">", Op::Gt},  {"<", Op::Lt}};
        FieldFacts out;
        for (const auto &field : fields) {
            if (field.compare || field.name == "dir" || field.name == "path" || field.name == "perm")
                continue;
            auto op = ops.find(field.op);
            out.facts.push_back({factName(field.name), op == ops.end() ? Op::Other : op->second,
                                 fieldNumber(field.value), field.value});
        }
        std::stable_sort(out.facts.begin(), out.facts.end(),
                         [](const Fact &a, const Fact &b) { return a.name < b.name; });
        for (std::size_t i = 0; i < out.facts.size(); ++i) {
            const auto name = static_cast<std::size_t>(out.facts[i].name);
            if (out.byName.size() <= name)
                out.byName.resize(name + 1, {i, i});
            out.byName[name].second = i + 1;
            if (out.facts[i].op == Op::Eq || out.facts[i].name == kFactSuccess)
                out.tested.push_back(i);
        }
        return out;
    }

    // combine()'s final test of field a against field b (a tested, b any other field of the result).
    static bool refuses(const Fact &a, const Fact &b)
    {
        const auto &x = a.number;
        const auto &y = b.number;
        if (a.name == kFactSuccess && b.name == kFactExit && b.op == Op::Eq && x && y && (*x == 1) != (*y >= 0))
            return true;
        if (a.name != b.name || a.op != Op::Eq)
            return false;
        const bool equal = x && y ? *x == *y : a.value == b.value;
        if ((b.op == Op::Eq && !equal) || (b.op == Op::Ne && equal))
            return true;
        if (!x || !y)
            return false;
        return (b.op == Op::Ge && *x < *y) || (b.op == Op::Le && *x > *y) || (b.op == Op::Gt && *x <= *y) ||
               (b.op == Op::Lt && *x >= *y);
    }

    static bool refusesAny(const FieldFacts &mine, const FieldFacts &theirs)
    {
        auto refusedBy = [&](const Fact &a, int name) {
            const auto at = static_cast<std::size_t>(name);
            if (at >= theirs.byName.size())
                return false;
            for (auto i = theirs.byName[at].first; i < theirs.byName[at].second; ++i)
                if (refuses(a, theirs.facts[i]))
                    return true;
            return false;
        };
        for (auto t : mine.tested) {
            const auto &a = mine.facts[t];
            if (refusedBy(a, a.name) || (a.name == kFactSuccess && refusedBy(a, kFactExit)))
                return true;
        }
        return false;
    }

    // True when combine() of two rules with these facts returns nullopt for certain.
    static bool clash(const FieldFacts &a, const FieldFacts &b) { return refusesAny(a, b) || refusesAny(b, a); }

    // Rules with equal facts clash alike, and a policy's rules have few distinct facts (per user:
    // -F auid=UID, with -F success=0 or not; the exclusion's 62 -F auid!= once): each distinct set is
    // kept once, with the rules that have it, and tested once against each other set. The rules that
    // may combine with a rule are then found set by set, not by testing every rule.
    class FactSets {
      public:
        explicit FactSets(Builder &builder) : builder_(builder) {}

        // Takes the rule numbered `rule` (ascending) with these fields; returns the id of its facts.
        std::size_t add(const std::vector<FieldSpec> &fields, std::optional<std::size_t> rule)
        {
            auto facts = builder_.factsOf(fields);
            std::string key;
            for (const auto &fact : facts.facts) // name, op, the value's length and the value: one key per set
                key += std::to_string(fact.name) + ',' + std::to_string(static_cast<int>(fact.op)) + ',' +
                       std::to_string(fact.value.size()) + ':' + fact.value;
            auto [it, inserted] = ids_.emplace(std::move(key), sets_.size());
            if (inserted) {
                sets_.push_back(std::move(facts));
                members_.emplace_back();
            }
            if (rule)
                members_[it->second].push_back(*rule);
            return it->second;
        }

        // The rules numbered above `after` whose facts do not clash with set `id`, ascending. All sets
        // must have been added.
        const std::vector<std::size_t> &mayCombine(std::size_t id, std::optional<std::size_t> after)
        {
            const auto &fits = compatible(id);
            found_.clear();
            for (std::size_t other = 0; other < sets_.size(); ++other) {
                if (!fits[other])
                    continue;
                const auto &list = members_[other];
                found_.insert(found_.end(), after ? std::upper_bound(list.begin(), list.end(), *after) : list.begin(),
                              list.end());
            }
            std::sort(found_.begin(), found_.end());
            return found_;
        }

      private:
        // Which sets do not clash with set `id`; kept for up to kMaxKeptBits bits in all (beyond, e.g.
        // thousands of distinct trustees, computed again when asked again).
        const std::vector<bool> &compatible(std::size_t id)
        {
            static constexpr std::size_t kMaxKeptBits = std::size_t{1} << 24; // 2 MiB
            if (fits_.size() != sets_.size())
                fits_.assign(sets_.size(), {});
            if (!fits_[id].empty())
                return fits_[id];
            std::vector<bool> fits(sets_.size());
            for (std::size_t other = 0; other < sets_.size(); ++other)
                fits[other] = !clash(sets_[id], sets_[other]);
            if (keptBits_ + fits.size() > kMaxKeptBits) {
                scratch_ = std::move(fits);
                return scratch_;
            }
            keptBits_ += fits.size();
            fits_[id] = std::move(fits);
            return fits_[id];
        }

        Builder &builder_;
        std::map<std::string, std::size_t> ids_;
        std::vector<FieldFacts> sets_;
        std::vector<std::vector<std::size_t>> members_; // by set: the rules that have it, ascending
        std::vector<std::vector<bool>> fits_;
        std::vector<bool> scratch_;
        std::size_t keptBits_ = 0;
        std::vector<std::size_t> found_;
    };

    // Syscall sets as bit masks over the names the rules use, to find the pairs that share one.
    struct SyscallBits {
        std::map<std::string, std::size_t, std::less<>> index;
        std::size_t words = 0;
        std::vector<std::uint64_t> of(const auto &names) const
        {
            std::vector<std::uint64_t> bits(words);
            for (const auto &name : names) {
                const auto at = index.at(name);
                bits[at / 64] |= std::uint64_t{1} << (at % 64);
            }
            return bits;
        }
        static bool meet(const std::vector<std::uint64_t> &a, const std::vector<std::uint64_t> &b)
        {
            for (std::size_t w = 0; w < a.size(); ++w)
                if ((a[w] & b[w]) != 0)
                    return true;
            return false;
        }
    };

    // The copies to put before `base` for the pieces its later (or, for a watch, any) matching rules
    // contribute; the keys a copy equal to the original gives to it go to `baseKeys`. nullopt: more
    // than kMaxPieces copies (the rule is left as it is, with a note).
    std::optional<std::vector<Piece>> resolvePieces(const AuditRule &base, std::vector<Piece> pieces, bool watch,
                                                    std::set<std::string> &baseKeys) const
    {
        const auto baseSorted = sortedSet(base.fields);
        const std::set<std::string> baseSyscalls(base.syscalls.begin(), base.syscalls.end());
        auto sameShape = [&](const Piece &a, const Piece &b) {
            return a.sorted == b.sorted && (watch || a.syscalls == b.syscalls);
        };
        auto addPiece = [&](Piece piece) {
            for (auto &other : pieces)
                if (sameShape(other, piece)) {
                    other.keys.insert(piece.keys.begin(), piece.keys.end());
                    return;
                }
            pieces.push_back(std::move(piece));
        };
        {
            auto initial = std::move(pieces);
            pieces.clear();
            for (auto &piece : initial)
                addPiece(std::move(piece));
        }
        // Closed under intersection: pieces whose keys neither includes the other's.
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                const auto a = pieces[i]; // copies: addPiece may grow pieces
                const auto b = pieces[j];
                if (std::includes(a.keys.begin(), a.keys.end(), b.keys.begin(), b.keys.end()) ||
                    std::includes(b.keys.begin(), b.keys.end(), a.keys.begin(), a.keys.end()))
                    continue;
                Piece both;
                if (!watch) {
                    std::set_intersection(a.syscalls.begin(), a.syscalls.end(), b.syscalls.begin(), b.syscalls.end(),
                                          std::inserter(both.syscalls, both.syscalls.end()));
                    if (both.syscalls.empty())
                        continue;
                }
                auto fields = combine(a.fields, b.fields);
                if (!fields)
                    continue;
                both.fields = std::move(*fields);
                both.sorted = sortedSet(both.fields);
                both.keys = a.keys;
                both.keys.insert(b.keys.begin(), b.keys.end());
                addPiece(std::move(both));
                if (pieces.size() > kMaxPieces)
                    return std::nullopt;
            }
        }
        // Simplify until nothing changes.
        for (bool changed = true; changed;) {
            changed = false;
            for (std::size_t i = 0; i < pieces.size() && !changed; ++i) {
                for (std::size_t j = 0; j < pieces.size() && !changed; ++j) {
                    if (i == j)
                        continue;
                    auto &p = pieces[i];
                    const auto &q = pieces[j];
                    const bool keysCovered = std::includes(q.keys.begin(), q.keys.end(), p.keys.begin(), p.keys.end());
                    const bool syscallsCovered = watch || std::includes(q.syscalls.begin(), q.syscalls.end(),
                                                                        p.syscalls.begin(), p.syscalls.end());
                    // q matches whenever p does and tells at least as much: p is not needed.
                    if (keysCovered && syscallsCovered &&
                        std::includes(p.sorted.begin(), p.sorted.end(), q.sorted.begin(), q.sorted.end())) {
                        pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(i));
                        changed = true;
                        break;
                    }
                    if (p.keys != q.keys)
                        continue;
                    // The same fields on other syscalls: one copy.
                    if (!watch && p.sorted == q.sorted) {
                        p.syscalls.insert(q.syscalls.begin(), q.syscalls.end());
                        pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(j));
                        changed = true;
                        break;
                    }
                    // -F success=1 and -F success=0 of otherwise equal copies: one copy without it.
                    const FieldSpec yes{"success", "=", "1"}, no{"success", "=", "0"};
                    auto without = [](std::vector<FieldSpec> fields, const FieldSpec &f) {
                        fields.erase(std::remove(fields.begin(), fields.end(), f), fields.end());
                        return fields;
                    };
                    if ((watch || p.syscalls == q.syscalls) &&
                        std::find(p.sorted.begin(), p.sorted.end(), yes) != p.sorted.end() &&
                        std::find(q.sorted.begin(), q.sorted.end(), no) != q.sorted.end() &&
                        without(p.sorted, yes) == without(q.sorted, no)) {
                        p.fields = without(p.fields, yes);
                        p.sorted = without(p.sorted, yes);
                        pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(j));
                        changed = true;
                        break;
                    }
                }
            }
            // A copy equal to the original: the original carries its keys.
            for (std::size_t i = 0; i < pieces.size(); ++i) {
                if (pieces[i].sorted == baseSorted && (watch || pieces[i].syscalls == baseSyscalls)) {
                    baseKeys.insert(pieces[i].keys.begin(), pieces[i].keys.end());
                    pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(i));
                    changed = true;
                    break;
                }
            }
            // Copies that tell nothing more than the original now does are not needed.
            const auto before = pieces.size();
            std::erase_if(pieces, [&](const Piece &p) {
                return std::includes(baseKeys.begin(), baseKeys.end(), p.keys.begin(), p.keys.end());
            });
            changed = changed || pieces.size() != before;
        }
        for (auto &piece : pieces)
            piece.keys.insert(baseKeys.begin(), baseKeys.end());
        return pieces;
    }

    // The original entry preceded by its copies, in the order the first match needs: more keys first,
    // then more fields, then the text.
    void placeWithCopies(std::vector<Entry> &out, Entry base, std::vector<Piece> pieces,
                         const std::set<std::string> &baseKeys)
    {
        std::vector<Entry> copies;
        for (auto &piece : pieces) {
            AuditRule rule = base.rule;
            rule.fields = std::move(piece.fields);
            if (!rule.syscalls.empty()) {
                rule.syscalls.assign(piece.syscalls.begin(), piece.syscalls.end());
                // The kernel tests fields in order and stops at the first mismatch: on the exit list a
                // copy tests its integer fields (-F auid=UID first fails for every other user) before
                // -F perm and the directory tree's -F dir.
                std::stable_partition(rule.fields.begin(), rule.fields.end(), [](const FieldSpec &f) {
                    return f.name != "dir" && f.name != "path" && f.name != "perm";
                });
            }
            rule.keys.insert(rule.keys.end(), piece.keys.begin(), piece.keys.end());
            sortKeys(rule.keys);
            if (keyTextLength(rule.keys) >= kMaxKeyLength)
                continue; // the kernel keeps 256 bytes of key; the original still records it
            Entry entry{std::move(rule), {}, true, base.perUser};
            for (const auto &slug : entry.rule.keys)
                entry.syscallsBySlug[slug].insert(entry.rule.syscalls.begin(), entry.rule.syscalls.end());
            copies.push_back(std::move(entry));
        }
        std::vector<std::string> texts;
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < copies.size(); ++i) {
            texts.push_back(copies[i].rule.render());
            order.push_back(i);
        }
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const auto &x = copies[a].rule;
            const auto &y = copies[b].rule;
            if (x.keys.size() != y.keys.size())
                return x.keys.size() > y.keys.size();
            if (x.fields.size() != y.fields.size())
                return x.fields.size() > y.fields.size();
            return texts[a] < texts[b];
        });
        for (auto i : order)
            out.push_back(std::move(copies[i]));
        auto keys = base.rule.keys;
        keys.insert(keys.end(), baseKeys.begin(), baseKeys.end());
        sortKeys(keys);
        if (keyTextLength(keys) < kMaxKeyLength)
            base.rule.keys = std::move(keys);
        out.push_back(std::move(base));
    }

    static bool isSyscallRule(const AuditRule &rule)
    {
        return rule.list == AuditRule::List::Exit && rule.action == AuditRule::Action::Always && !rule.syscalls.empty();
    }

    // Exit list (first match decides, fact 1): each syscall rule against the later syscall rules of its
    // ABI that share a syscall with it and can match together with it.
    void splitExitOverlaps(std::vector<Entry> &entries)
    {
        // Read once per rule: its facts, its syscalls and each subcategory's as bit masks.
        SyscallBits bits;
        for (const auto &entry : entries)
            if (isSyscallRule(entry.rule)) {
                for (const auto &name : entry.rule.syscalls)
                    bits.index.emplace(name, bits.index.size());
                for (const auto &bySlug : entry.syscallsBySlug)
                    for (const auto &name : bySlug.second)
                        bits.index.emplace(name, bits.index.size());
            }
        bits.words = (bits.index.size() + 63) / 64;
        FactSets sets(*this);
        std::vector<std::size_t> facts(entries.size());
        std::vector<std::vector<std::uint64_t>> ruleBits(entries.size());
        std::vector<std::vector<std::vector<std::uint64_t>>> slugBits(entries.size()); // syscallsBySlug's order
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (!isSyscallRule(entries[i].rule))
                continue;
            facts[i] = sets.add(entries[i].rule.fields, i);
            ruleBits[i] = bits.of(entries[i].rule.syscalls);
            for (const auto &bySlug : entries[i].syscallsBySlug)
                slugBits[i].push_back(bits.of(bySlug.second));
        }
        std::vector<Entry> out;
        out.reserve(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (!isSyscallRule(entries[i].rule)) {
                out.push_back(std::move(entries[i]));
                continue;
            }
            const auto &base = entries[i].rule;
            const std::set<std::string> baseSyscalls(base.syscalls.begin(), base.syscalls.end());
            // A directory rule gets no copies, only the keys of overlaps that cover it: its copies would
            // multiply by directories, exit codes and ABIs (File System's -F exit=-EACCES/-EPERM rules
            // of an included user against every watched directory: +80 exit rules in tests/data/per-user),
            // each tested on every syscall of every process (facts 1, 6).
            const bool treeRule =
                std::any_of(base.fields.begin(), base.fields.end(), [](const FieldSpec &f) { return f.name == "dir"; });
            std::vector<Piece> pieces;
            // Not the rules whose facts clash with these: combine() would refuse such a pair at its
            // first shared syscall, and it would give no piece.
            for (auto j : sets.mayCombine(facts[i], i)) {
                const auto &later = entries[j].rule;
                if (later.arch != base.arch)
                    continue;
                std::optional<std::vector<FieldSpec>> fields;
                bool tried = false;
                std::size_t ordinal = 0;
                for (const auto &[slug, syscalls] : entries[j].syscallsBySlug) {
                    const auto &mask = slugBits[j][ordinal++];
                    if (std::find(base.keys.begin(), base.keys.end(), slug) != base.keys.end())
                        continue;
                    if (!SyscallBits::meet(ruleBits[i], mask))
                        continue; // no syscall in common
                    Piece piece;
                    std::set_intersection(baseSyscalls.begin(), baseSyscalls.end(), syscalls.begin(), syscalls.end(),
                                          std::inserter(piece.syscalls, piece.syscalls.end()));
                    if (!tried) {
                        fields = combine(base.fields, later.fields);
                        tried = true;
                    }
                    if (!fields)
                        break;
                    piece.fields = *fields;
                    piece.sorted = sortedSet(piece.fields);
                    piece.keys = {slug};
                    piece.perUser = entries[j].perUser && !treeRule;
                    pieces.push_back(std::move(piece));
                }
            }
            std::set<std::string> baseKeys;
            auto copies = resolveScoped(base, std::move(pieces), false, baseKeys);
            placeWithCopies(out, std::move(entries[i]), std::move(copies), baseKeys);
        }
        entries = std::move(out);
    }

    // File watches (the inode filter runs after the exit list and its key replaces the exit rule's): each
    // watch against every syscall rule (but copies) whose fields, besides arch, it can hold together with
    // its own, where that subcategory's rules with those fields take every syscall of the watch's
    // permission classes in every ABI (a watch has no arch: its copy must be right for each).
    void splitWatchOverlaps(std::vector<Entry> &entries)
    {
        std::vector<Entry> out;
        out.reserve(entries.size());
        std::vector<Entry> donors; // copied: the loop below moves entries away
        FactSets sets(*this);
        for (const auto &entry : entries)
            if (!entry.copy && isSyscallRule(entry.rule)) {
                sets.add(entry.rule.fields, donors.size());
                donors.push_back(entry);
            }
        std::vector<std::size_t> facts(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i)
            if (entries[i].rule.syscalls.empty())
                facts[i] = sets.add(entries[i].rule.fields, std::nullopt);
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto &watch = entries[i].rule;
            std::string perm;
            bool located = false;
            for (const auto &field : watch.fields) {
                if (field.name == "path")
                    located = true;
                else if (field.name == "perm")
                    perm = field.value;
            }
            if (watch.list != AuditRule::List::Exit || watch.action != AuditRule::Action::Always ||
                !watch.syscalls.empty() || !located || perm.empty()) {
                out.push_back(std::move(entries[i]));
                continue;
            }
            std::set<std::string> watched;
            for (char letter : perm)
                for (const auto &name : mapping_.permSyscalls(letter))
                    watched.insert(name);
            // (slug, the donor's fields combined with the watch's) -> arch -> syscalls
            std::map<std::pair<std::string, std::vector<FieldSpec>>, std::map<std::string, std::set<std::string>>>
                groups;
            std::map<std::vector<FieldSpec>, std::vector<FieldSpec>> ordered; // sorted -> rendering order
            std::set<std::pair<std::string, std::vector<FieldSpec>>> shaped;  // groups with a per-user donor
            // Not the donors whose facts clash with the watch's: combine() would refuse them.
            for (auto d : sets.mayCombine(facts[i], std::nullopt)) {
                const auto &donorEntry = donors[d];
                const auto &donor = donorEntry.rule;
                auto fields = combine(watch.fields, donor.fields);
                if (!fields)
                    continue;
                auto sorted = sortedSet(*fields);
                ordered.emplace(sorted, *fields);
                for (const auto &[slug, syscalls] : donorEntry.syscallsBySlug) {
                    if (std::find(watch.keys.begin(), watch.keys.end(), slug) != watch.keys.end())
                        continue;
                    groups[{slug, sorted}][donor.arch].insert(syscalls.begin(), syscalls.end());
                    if (donorEntry.perUser)
                        shaped.insert({slug, sorted});
                }
            }
            std::vector<Piece> pieces;
            for (const auto &groupEntry : groups) {
                // Named, not a structured binding: clang 14 cannot capture a binding in a lambda (P1091).
                const auto &group = groupEntry.first;
                const auto &byArch = groupEntry.second;
                const bool everyMatch = std::all_of(abis_.begin(), abis_.end(), [&](const Abi &abi) {
                    auto found = byArch.find(abi.arch);
                    return found != byArch.end() &&
                           std::all_of(watched.begin(), watched.end(), [&](const std::string &name) {
                               return found->second.contains(name) || abi.absent.contains(name);
                           });
                });
                if (!everyMatch)
                    continue;
                Piece piece;
                piece.fields = ordered[group.second];
                piece.sorted = group.second;
                piece.keys = {group.first};
                piece.perUser = shaped.contains(group);
                pieces.push_back(std::move(piece));
            }
            std::set<std::string> baseKeys;
            auto copies = resolveScoped(watch, std::move(pieces), true, baseKeys);
            placeWithCopies(out, std::move(entries[i]), std::move(copies), baseKeys);
        }
        entries = std::move(out);
    }

    // Which overlaps are resolved. Every overlap whose pieces together cover the whole rule gives the
    // rule their keys (no extra rule, whoever the other rule belongs to). Copies are made only for the
    // overlaps per-user settings create (a rule narrowed by an exclusion, or an inclusion's -F auid=
    // rule): those are issue 15's gap, and their count is bounded by the users named. Overlaps between
    // system-wide rules that a copy would resolve (a directory rule and File System's failure rules, a
    // file watch and the FileGlobalSacl rules, Process Creation Success-only and the set-uid exec
    // rule) would add a copy per directory, ABI and exit code on every host: those records keep the
    // first rule's keys, and the classifier's templates (classify.hxx) still decide by key.
    std::vector<Piece> resolveScoped(const AuditRule &base, std::vector<Piece> pieces, bool watch,
                                     std::set<std::string> &baseKeys)
    {
        if (pieces.empty())
            return {};
        std::vector<Piece> narrowed;
        for (const auto &piece : pieces)
            if (piece.perUser)
                narrowed.push_back(piece);
        if (!resolvePieces(base, std::move(pieces), watch, baseKeys))
            splitNote(base);
        if (narrowed.empty())
            return {};
        auto copies = resolvePieces(base, std::move(narrowed), watch, baseKeys);
        if (!copies) {
            splitNote(base);
            return {};
        }
        return std::move(*copies);
    }

    void splitNote(const AuditRule &rule)
    {
        noteOnce(rule.keys.empty() ? std::string() : rule.keys.front(),
                 "the rule " + displayText(rule.render()) + " overlaps more than " + std::to_string(kMaxPieces) +
                     " combinations of other rules: its records carry only its own keys (gpauditctl search "
                     "classifies them by these keys)");
    }

    const Catalog &catalog_;
    const Mapping &mapping_;
    const Resultant &resultant_;
    const TranslateOptions &options_;
    const std::vector<Abi> &abis_;
    Translation out_;
    using GroupKey = std::tuple<int, int, std::string, std::vector<FieldSpec>>;
    std::map<GroupKey, std::size_t> groups_; // the entry that still takes rules of this group
    std::vector<Entry> entries_;
    std::optional<Error> error_;
    std::string currentSource_;                        // the GPO that decides what is being emitted
    std::map<std::string, std::size_t> rulesBySource_; // rules emitted (before merging) by GPO
    std::vector<std::vector<const UserResult *>> usersBySubcategory_;
    std::vector<Exclusions> exclusions_; // by catalog index
    std::set<std::string> skippedWatches_;
    std::set<std::string> unsafePaths_;
    std::map<std::string, std::optional<std::vector<std::string>>> expanded_;
    std::set<std::string> notedOnce_;
    // Field names interned for the facts (mutable: a lookup table the const search also fills).
    mutable std::map<std::string, int, std::less<>> factNames_ = {{"success", kFactSuccess}, {"exit", kFactExit}};
    bool perUserShaped_ = false; // the rules being emitted are shaped by per-user settings (Entry::perUser)
};

} // namespace

std::string permFromAccessMask(std::uint32_t mask)
{
    bool r = false, w = false, x = false, a = false;
    if ((mask & access::GenericAll) != 0)
        r = w = x = a = true;
    if ((mask & access::GenericRead) != 0)
        r = true;
    if ((mask & access::GenericWrite) != 0)
        w = a = true;
    if ((mask & access::GenericExecute) != 0)
        x = true;
    // File rights (winnt.h). READ_CONTROL (0x20000), FILE_READ_ATTRIBUTES (0x80) and SYNCHRONIZE are part
    // of every FR/FW/FX and correspond to stat(), which -F perm cannot select: they add nothing.
    if ((mask & (0x1 | 0x8)) != 0)
        r = true;
    if ((mask & (0x2 | 0x4 | 0x40 | 0x10000)) != 0)
        w = true;
    if ((mask & (0x10 | 0x100 | 0x40000 | 0x80000)) != 0)
        a = true;
    if ((mask & 0x20) != 0)
        x = true;
    std::string out;
    if (r)
        out += 'r';
    if (w)
        out += 'w';
    if (x)
        out += 'x';
    if (a)
        out += 'a';
    return out;
}

std::string AuditRule::keyText() const
{
    std::string out;
    for (const auto &key : keys) {
        if (!out.empty())
            out += '\x01'; // AUDIT_KEY_SEPARATOR: the kernel's multi-key form
        out += std::string(kKeyPrefix) + key;
    }
    return out;
}

bool AuditRule::isWatch() const
{
    return list == List::Exit && syscalls.empty() &&
           std::any_of(fields.begin(), fields.end(), [](const auto &f) { return f.name == "path"; });
}

std::string AuditRule::render() const
{
    std::string out = "-a ";
    out += action == Action::Always ? "always," : "never,";
    out += list == List::Exit ? "exit" : list == List::User ? "user" : list == List::Task ? "task" : "exclude";
    if (!arch.empty())
        out += " -F arch=" + arch;
    if (!syscalls.empty()) {
        out += " -S ";
        for (std::size_t i = 0; i < syscalls.size(); ++i)
            out += (i == 0 ? "" : ",") + syscalls[i];
    }
    for (const auto &field : fields)
        out += (field.compare ? " -C " : " -F ") + field.str();
    // The user and exclude lists take no key (kernel audit_field_valid; auditctl refuses it): their
    // owners are named in a comment by renderRulesFile and recorded by whoever applies them.
    if (list == List::Exit)
        for (const auto &key : keys)
            out += " -k " + std::string(kKeyPrefix) + key;
    return out;
}

std::size_t Translation::exitRuleCount() const
{
    return static_cast<std::size_t>(
        std::count_if(rules.begin(), rules.end(), [](const auto &r) { return r.list == AuditRule::List::Exit; }));
}

Result<Translation> translate(const Catalog &catalog, const Mapping &mapping, const Resultant &resultant,
                              const TranslateOptions &options)
{
    const auto *abis = mapping.platform(options.machine);
    if (abis == nullptr) {
        std::string known;
        for (const auto &name : mapping.platformNames())
            known += (known.empty() ? "" : ", ") + name;
        return fail("unknown architecture \"" + options.machine + "\" (known: " + known + ")");
    }
    for (const auto &dir : options.saclDirectories) {
        if (dir.empty() || dir.front() != '/' || dir == "/")
            return fail("SACL scope directory \"" + displayText(dir) + "\" must be an absolute path other than /");
        if (auto problem = rulePathProblem(dir))
            return fail("SACL scope directory \"" + displayText(dir) +
                        "\" cannot be written to an audit rule: " + *problem);
    }
    return Builder(catalog, mapping, resultant, options, *abis).run();
}

std::string renderRulesFile(const Translation &translation, const std::vector<std::string> &headerComments)
{
    // Only RulesFileWriter writes: comments cannot break out, and a line that is not a safe rule
    // line is left out (safe_text.hxx). Untrusted text (GPO names in the header, paths in notes) is
    // therefore harmless here whatever it holds.
    RulesFileWriter file;
    for (const auto &line : headerComments)
        file.comment(line);
    for (const auto &note : translation.notes)
        file.comment("note: " + (note.subcategory.empty() ? "" : note.subcategory + ": ") + note.message);
    for (const auto &status : translation.status)
        file.command(std::string("-") + status.flag + " " + std::to_string(status.value));
    for (const auto &rule : translation.rules) {
        if (rule.list != AuditRule::List::Exit) {
            std::string owners;
            for (const auto &key : rule.keys)
                owners += (owners.empty() ? "" : " ") + std::string(kKeyPrefix) + key;
            file.comment("record filter of " + owners);
        }
        file.command(rule.render());
    }
    return file.text();
}

} // namespace gpaudit::core
