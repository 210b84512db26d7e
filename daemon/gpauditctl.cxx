// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditctl: the resultant audit policy of GPOs and the Linux audit rules it means.
// This is the program layer: the only place with argument parsing, output and exit codes.
#include "config.h"
#include "core/report.hxx"
#include "core/text.hxx"
#include "core/translate.hxx"
#include "host/files.hxx"
#include "host/offline.hxx"
#include "host/rules_data.hxx"

#ifdef GPAUDIT_HAVE_LIBAUDIT
#include "kernel/apply.hxx"
#endif

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace gpaudit;

// Exit codes; documented in --help and gpauditctl(8).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;

constexpr const char *kUsage = R"(Usage: gpauditctl COMMAND [OPTIONS]

Translate Windows Group Policy audit settings into Linux audit rules.

Commands:
  show     print the resultant audit policy in the layout of `auditpol /get /category:*`,
           with the winning GPO of every line and how Linux realises it
  rules    print the Linux audit rules of the resultant policy (auditctl syntax,
           loadable with `auditctl -R FILE`)
  apply    make the rules the kernel's (root): add what is missing, then remove our
           stale rules; rules that are not gpaudit's are never touched; also writes
           the rules file so augenrules loads the same policy at boot
  revert   remove all of gpaudit's rules from the kernel and the rules file (root)
  mapping  print what each of the 59 subcategories becomes in Linux audit, or why
           nothing (--man: as the gpaudit-mapping(7) page)
  help     print this help
  version  print the version

Policy sources (repeatable; give them lowest precedence first, as Group Policy applies them):
  --gpo DIR          a GPO folder as in SYSVOL ({GUID}/Machine/...) or a GPMC backup
                     ({ID}/DomainSysvol/GPO/Machine/...); file names match case-insensitively
  --audit-csv FILE   a single audit.csv (MS-GPAC), as a GPO of its own
  --inf FILE         a single GptTmpl.inf ([Event Audit], MS-GPSB), as a GPO of its own

Options:
  --json             show: print JSON instead of the table
  --legacy MODE      auto (default: legacy [Event Audit] applies unless the resultant
                     SCENoApplyLegacyAuditPolicy is 1), apply, or ignore
  --machine NAME     platform of the rules: x86_64 (b64 and b32 rules) or aarch64;
                     default: this machine
  --uid-min N        first uid of people, for rules scoped to them (default 1000)
  --sacl-dir DIR     scope FileGlobalSacl rules to this directory tree (repeatable);
                     default: every file, with a syscall rule narrowed by -F perm
  --sid-map FILE     SID -> uid/gid table, lines "SID user UID" or "SID group GID", for
                     per-user policy and SACL trustees; without it they are reported unresolved
  --no-host-check    emit every watch; by default a watch whose directory does not exist on
                     this host is left out (the kernel would refuse it) and noted
  --rules-dir DIR    read subcategories.yaml, mapping.yaml, syscalls.yaml from DIR
                     instead of the built-in copy
  --dry-run          apply, revert: print what would change, change nothing
  --rules-file FILE  apply, revert: the persisted rules (default
                     /etc/audit/rules.d/gpaudit.rules)
  --no-rules-file    apply: change the kernel only, write no rules file
  --man              mapping: print the page in roff
  -h, --help         print this help

Exit status:
  0  success
  1  failure: nothing was printed or changed (unreadable GPO folder, bad --sid-map, bad
     rules data; apply/revert: not root, no audit in the kernel, immutable (-e 2), or the
     kernel refused a rule, in which case the previous policy stays in force)
  2  usage error
  3  partial: one or more policy files were rejected and left out (MS-GPAC 3.2.5: the other
     GPOs still apply); the output covers the rest and stderr names file, line and reason
)";

struct Options {
    std::string command;
    std::vector<host::PolicySource> sources;
    bool json = false;
    core::LegacyMode legacy = core::LegacyMode::Auto;
    std::string machine;
    std::uint32_t uidMin = 1000;
    std::vector<std::string> saclDirs;
    std::string sidMap;
    bool hostCheck = true;
    std::string rulesDir;
    bool dryRun = false;
    bool man = false;
    std::string rulesFile = "/etc/audit/rules.d/gpaudit.rules";
};

int usageError(const std::string &message)
{
    std::cerr << "gpauditctl: " << message << "\nTry 'gpauditctl --help'.\n";
    return kExitUsage;
}

std::optional<int> parseArguments(int argc, char **argv, Options &options)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return usageError("no command given");
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto &arg = args[i];
        auto value = [&](std::string &target) -> bool {
            if (i + 1 >= args.size())
                return false;
            target = args[++i];
            return true;
        };
        std::string text;
        if (arg == "-h" || arg == "--help" || arg == "help") {
            std::cout << kUsage;
            return kExitOk;
        }
        if (arg == "--version" || arg == "version") {
            std::cout << "gpauditctl " << GPAUDIT_VERSION << "\n";
            return kExitOk;
        }
        if (arg == "--json") {
            options.json = true;
        } else if (arg == "--dry-run") {
            options.dryRun = true;
        } else if (arg == "--man") {
            options.man = true;
        } else if (arg == "--no-rules-file") {
            options.rulesFile.clear();
        } else if (arg == "--rules-file") {
            if (!value(options.rulesFile) || options.rulesFile.empty())
                return usageError("--rules-file needs a path");
        } else if (arg == "--no-host-check") {
            options.hostCheck = false;
        } else if (arg == "--gpo" || arg == "--audit-csv" || arg == "--inf") {
            if (!value(text))
                return usageError(arg + " needs a path");
            const auto kind = arg == "--gpo"         ? host::PolicySource::Kind::GpoFolder
                              : arg == "--audit-csv" ? host::PolicySource::Kind::AuditCsv
                                                     : host::PolicySource::Kind::GptTmplInf;
            options.sources.push_back({kind, text});
        } else if (arg == "--legacy") {
            if (!value(text))
                return usageError("--legacy needs auto, apply or ignore");
            if (text == "auto")
                options.legacy = core::LegacyMode::Auto;
            else if (text == "apply")
                options.legacy = core::LegacyMode::Apply;
            else if (text == "ignore")
                options.legacy = core::LegacyMode::Ignore;
            else
                return usageError("--legacy takes auto, apply or ignore, not \"" + text + "\"");
        } else if (arg == "--machine") {
            if (!value(options.machine))
                return usageError("--machine needs a name");
        } else if (arg == "--uid-min") {
            if (!value(text) || !core::parseDecimal(text, options.uidMin))
                return usageError("--uid-min needs a number");
        } else if (arg == "--sacl-dir") {
            if (!value(text))
                return usageError("--sacl-dir needs a directory");
            options.saclDirs.push_back(text);
        } else if (arg == "--sid-map") {
            if (!value(options.sidMap))
                return usageError("--sid-map needs a file");
        } else if (arg == "--rules-dir") {
            if (!value(options.rulesDir))
                return usageError("--rules-dir needs a directory");
        } else if (!arg.empty() && arg[0] == '-') {
            return usageError("unknown option " + arg);
        } else if (options.command.empty()) {
            options.command = arg;
        } else {
            return usageError("unexpected argument \"" + arg + "\"");
        }
    }
    const std::string &command = options.command;
    if (command != "show" && command != "rules" && command != "apply" && command != "revert" && command != "mapping")
        return usageError(command.empty() ? "no command given" : "unknown command \"" + command + "\"");
    if ((command == "revert" || command == "mapping") && !options.sources.empty())
        return usageError(command + " takes no policy sources");
    if (options.man && command != "mapping")
        return usageError("--man goes with mapping");
    if (command != "revert" && command != "mapping" && options.sources.empty())
        return usageError(command + " needs at least one --gpo, --audit-csv or --inf");
    if (options.dryRun && command != "apply" && command != "revert")
        return usageError("--dry-run goes with apply or revert");
    if (options.json && options.command != "show")
        return usageError("--json goes with show");
    return std::nullopt;
}

std::string defaultMachine()
{
    struct utsname name {};
    if (::uname(&name) != 0)
        return "x86_64";
    return name.machine;
}

#ifdef GPAUDIT_HAVE_LIBAUDIT
int runKernelCommand(const Options &options, const core::Translation *translation, bool partial,
                     const std::vector<std::string> &header, const core::Mapping *mapping, const std::string &machine)
{
    if (::geteuid() != 0) {
        std::cerr << "gpauditctl: " << options.command << " changes the kernel's audit rules and must run as root\n";
        return kExitFailure;
    }
    auto netlink = kernel::AuditNetlink::open();
    if (!netlink) {
        std::cerr << "gpauditctl: " << netlink.error().str() << "\n";
        return kExitFailure;
    }
    const char *would = options.dryRun ? "would " : "";
    if (options.command == "revert") {
        auto report = kernel::revert(*netlink, options.rulesFile, options.dryRun);
        if (!report) {
            std::cerr << "gpauditctl: revert: " << report.error().str() << "\n";
            return kExitFailure;
        }
        for (const auto &rule : report->removed)
            std::cout << "- " << rule << "\n";
        std::cout << (options.dryRun ? "would remove " : "removed ") << report->removed.size() << " rules";
        if (report->rulesFileRemoved)
            std::cout << "; " << (options.dryRun ? "would remove " : "removed ") << options.rulesFile;
        std::cout << "; " << report->netlinkWrites << " netlink writes\n";
        return kExitOk;
    }
    kernel::ApplyOptions applyOptions;
    applyOptions.mapping = mapping;
    if (mapping != nullptr)
        if (const auto *abis = mapping->platform(machine))
            applyOptions.abis = *abis;
    applyOptions.dryRun = options.dryRun;
    applyOptions.rulesFile = options.rulesFile;
    applyOptions.headerComments = header;
    auto report = kernel::apply(*netlink, *translation, applyOptions);
    if (!report) {
        std::cerr << "gpauditctl: apply: " << report.error().str() << "\n";
        return kExitFailure;
    }
    for (const auto &rule : report->added)
        std::cout << "+ " << rule << "\n";
    for (const auto &rule : report->removed)
        std::cout << "- " << rule << "\n";
    for (const auto &rule : report->foreign)
        std::cout << "  (already in the kernel as another's rule, left alone) " << rule << "\n";
    for (const auto &change : report->statusChanges)
        std::cout << "  " << would << "set " << change << "\n";
    std::cout << (options.dryRun ? "would add " : "added ") << report->added.size() << ", "
              << (options.dryRun ? "would remove " : "removed ") << report->removed.size() << ", unchanged "
              << report->unchanged << "; " << report->netlinkWrites << " netlink writes";
    if (report->rulesFileWritten)
        std::cout << "; " << (options.dryRun ? "would write " : "wrote ") << options.rulesFile;
    std::cout << "; " << report->elapsed.count() / 1000.0 << " ms\n";
    return partial ? kExitPartial : kExitOk;
}
#endif

int run(const Options &options)
{
    if (options.command == "revert") {
#ifdef GPAUDIT_HAVE_LIBAUDIT
        return runKernelCommand(options, nullptr, false, {}, nullptr, {});
#else
        std::cerr << "gpauditctl: built without libaudit: revert is not available\n";
        return kExitFailure;
#endif
    }
    auto data = host::loadRulesData(options.rulesDir);
    if (!data) {
        std::cerr << "gpauditctl: rules data: " << data.error().str() << "\n";
        return kExitFailure;
    }
    if (options.command == "mapping") {
        std::cout << (options.man ? core::renderMappingMan(data->catalog, data->mapping, GPAUDIT_VERSION)
                                  : core::renderMappingText(data->catalog, data->mapping));
        return std::cout.flush() ? kExitOk : kExitFailure;
    }
    auto loaded = host::loadPolicySources(data->catalog, options.sources);
    if (!loaded) {
        std::cerr << "gpauditctl: " << loaded.error().str() << "\n";
        return kExitFailure;
    }
    for (const auto &problem : loaded->problems)
        std::cerr << "gpauditctl: " << (problem.rejected ? "error: " : "warning: ") << problem.gpo.str() << ": "
                  << problem.message << "\n";

    std::optional<host::SidMapResolver> resolver;
    if (!options.sidMap.empty()) {
        auto parsed = host::SidMapResolver::fromFile(options.sidMap);
        if (!parsed) {
            std::cerr << "gpauditctl: --sid-map: " << parsed.error().str() << "\n";
            return kExitFailure;
        }
        resolver = std::move(*parsed);
    }
    host::LocalHostProbe probe;
    core::TranslateOptions translateOptions;
    translateOptions.machine = options.machine.empty() ? defaultMachine() : options.machine;
    translateOptions.uidMin = options.uidMin;
    translateOptions.saclDirectories = options.saclDirs;
    translateOptions.resolver = resolver ? &*resolver : nullptr;
    translateOptions.probe = options.hostCheck ? &probe : nullptr;

    const auto resultant = core::merge(data->catalog, loaded->inputs, options.legacy);
    auto translation = core::translate(data->catalog, data->mapping, resultant, translateOptions);
    if (!translation) {
        std::cerr << "gpauditctl: " << translation.error().str() << "\n";
        return kExitFailure;
    }
    std::vector<std::string> header = {"Linux audit rules generated by gpauditctl " + std::string(GPAUDIT_VERSION) +
                                           " for " + translateOptions.machine,
                                       "from, lowest precedence first:"};
    for (const auto &input : loaded->inputs)
        header.push_back("  " + input.gpo.str());
    header.push_back("Rules keyed gpaudit-* belong to gpaudit; do not edit, regenerate.");
    if (options.command == "apply") {
#ifdef GPAUDIT_HAVE_LIBAUDIT
        if (loaded->inputs.empty() || loaded->anyRejected())
            std::cerr << "gpauditctl: applying the policy of the files that could be read\n";
        return runKernelCommand(options, &*translation, loaded->anyRejected(), header, &data->mapping,
                                translateOptions.machine);
#else
        std::cerr << "gpauditctl: built without libaudit: apply is not available\n";
        return kExitFailure;
#endif
    }
    if (options.command == "rules") {
        std::cout << core::renderRulesFile(*translation, header);
    } else {
        const core::ReportInput report{data->catalog, data->mapping, resultant, *translation, loaded->problems};
        std::cout << (options.json ? core::renderShowJson(report) : core::renderShowText(report));
    }
    std::cout.flush();
    if (!std::cout)
        return kExitFailure;
    return loaded->anyRejected() ? kExitPartial : kExitOk;
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    if (auto exitCode = parseArguments(argc, argv, options))
        return *exitCode;
    return run(options);
}
