// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditctl: the resultant audit policy of GPOs and the Linux audit rules it means.
// This is the program layer: the only place with argument parsing, output and exit codes.
#include "cli/exit_status.hxx"
#include "cli/options.hxx"
#include "cli/output.hxx"
#include "config.h"
#include "core/base/config.hxx"
#include "core/base/text.hxx"
#include "core/base/time_text.hxx"
#include "core/linux/translate.hxx"
#include "core/report/render.hxx"
#include "host/data/rules_data.hxx"
#include "host/files/files.hxx"
#include "host/gpo/offline.hxx"
#include "safe_console.hxx"

#include "host/control/control.hxx"
#include "host/state/state.hxx"
#include "host/state/view.hxx"

#ifdef GPAUDIT_HAVE_LIBAUDIT
#include "kernel/apply.hxx"
#include "kernel/apply_policy.hxx"
#include "kernel/audit_netlink.hxx"
#endif
#ifdef GPAUDIT_HAVE_SERVICE
#include "domain/kerberos.hxx"
#include "fetch_worker.hxx"
#include "service/fetch.hxx"
#include "sync_worker.hxx"
#endif
#ifdef GPAUDIT_HAVE_AUPARSE
#include "analyze.hxx"
#include "search.hxx"
#endif

#include <chrono>
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

// Exit codes (cli/exit_status.hxx); documented in --help and gpauditctl(8).
using cli::kExitFailure;
using cli::kExitOk;
using cli::kExitPartial;
using cli::kExitUsage;

constexpr const char *kUsage = R"(Usage: gpauditctl COMMAND [OPTIONS]

Translate Windows Group Policy audit settings into Linux audit rules.

Commands:
  sync     read the audit policy of the GPOs that apply to this computer from Active
           Directory (machine Kerberos ticket from the keytab, LDAP sign+seal, SYSVOL over
           SMB with signing) and apply it (root); prints a line per stage and a summary;
           gpauditd does it when it runs (like gpupdate /force), else gpauditctl itself
  status   gpauditd's state: DC, site, GPOs applied or skipped and why, rules in force,
           last and next sync, drift events, last error; without gpauditd: the last
           applied sync from the state directory
  show     print the resultant audit policy in the layout of `auditpol /get /category:*`,
           with the winning GPO of every line and how Linux realises it; without policy
           sources: the policy of the last sync, with the GPO list (applied/skipped, why)
  rules    print the Linux audit rules of the resultant policy (auditctl syntax,
           loadable with `auditctl -R FILE`); without sources: of the last sync
  config   --check: validate the configuration file and print the settings in force
  apply    make the rules the kernel's (root): add what is missing, then remove our
           stale rules; rules that are not gpaudit's are never touched; also writes
           the rules file so augenrules loads the same policy at boot; on an immutable
           kernel (-e 2) only the rules file: staged, takes effect at the next boot;
           refused while gpauditd runs (it keeps the domain's policy: use sync)
  revert   remove all of gpaudit's rules from the kernel and the rules file (root);
           immutable kernel: the rules file only; refused while gpauditd runs
  mapping  print what each of the 59 subcategories becomes in Linux audit, or why
           nothing (--man: as the gpaudit-mapping(7) page)
  search   audit log events by subcategory, as Windows Security events (4688, 4689)
           in JSON lines or event XML (gpauditctl search --help); with --samba-log,
           a Samba AD DC's JSON audit records as a Windows DC's events (4768, 4720...)
  analyze  process tracking over audit logs: lifetime (4688 paired with 4689), the
           creator chain back to the logon session, first-seen executables against a
           whitelist of paths and SHA-256 (gpauditctl analyze --help)
  help     print this help
  version  print the version

Policy sources (repeatable; give them lowest precedence first, as Group Policy applies them):
  --gpo DIR          a GPO folder as in SYSVOL ({GUID}/Machine/...) or a GPMC backup
                     ({ID}/DomainSysvol/GPO/Machine/...); file names match case-insensitively
  --audit-csv FILE   a single audit.csv (MS-GPAC), as a GPO of its own
  --inf FILE         a single GptTmpl.inf ([Event Audit], MS-GPSB), as a GPO of its own

Domain (sync, and show/rules of the last sync):
  --config FILE      configuration file (default /etc/gpauditd.conf; missing = defaults)
  --realm REALM      the AD domain's Kerberos realm (default: detected from sssd.conf,
                     smb.conf or krb5.conf)
  --machine NAME$    the computer account (default: detected, else the host name)
  --keytab FILE      the machine keytab (default /etc/krb5.keytab)
  --server DC-FQDN   the domain controller to use (default: DNS SRV records)
  --site NAME        the AD site (default: asked of the DC with an LDAP ping)
  --state-dir DIR    cache and last-known-good (default /var/lib/gpauditd)
  --force            sync: fetch every GPO's files again, even when its version did not change
  --socket PATH      ask the gpauditd listening here (default: the configuration's socket,
                     /run/gpauditd/control.sock); an error when it does not answer
  --local            sync, show, rules, status: do not ask gpauditd, work in this process
                     (also implied by any domain or translation option above or below)
  --check            config: validate only

Options:
  --json             show, sync, status: print JSON instead of text
  --legacy MODE      auto (default: legacy [Event Audit] applies unless the resultant
                     SCENoApplyLegacyAuditPolicy is 1), apply, or ignore
  --arch NAME        platform of the rules: x86_64 (b64 and b32 rules) or aarch64;
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
  --dry-run          sync, apply, revert: print what would change, change nothing (sync
                     still fills the state directory's cache)
  --rules-file FILE  apply, revert: the persisted rules (default: the configuration's
                     rules_file, /etc/audit/rules.d/30-gpaudit.rules)
  --no-rules-file    apply: change the kernel only, write no rules file
  --man              mapping: print the page in roff
  -h, --help         print this help

Exit status:
  0  success
  1  failure: nothing was printed or changed (unreadable GPO folder, bad --sid-map, bad
     rules data; apply/revert: not root, no audit in the kernel, gpauditd running, or the
     kernel refused a rule, in which case the previous policy stays in force)
  2  usage error
  3  partial: one or more policy files were rejected and left out, or a GPO could not be
     fetched (MS-GPAC 3.2.5: the other GPOs still apply); the output covers the rest and
     stderr names the GPO, file, line and reason
  4  sync: the domain could not be reached; the last-known-good policy stays in force
)";

struct Options {
    std::string command;
    std::vector<host::PolicySource> sources;
    bool json = false;
    std::optional<core::LegacyMode> legacy;
    std::string machine;
    std::optional<std::uint32_t> uidMin;
    std::vector<std::string> saclDirs;
    std::string sidMap;
    bool hostCheck = true;
    std::string rulesDir;
    bool dryRun = false;
    bool man = false;
    cli::ConfigOverrides config; // --config and the options over its keys (--socket too)
    bool local = false;
    bool force = false;
    bool check = false;

    // Options that change what a sync or a report computes: with any of them gpauditctl works in
    // process instead of asking gpauditd (which has its own configuration).
    [[nodiscard]] bool overrides() const
    {
        return config.anyButSocket() || legacy || !machine.empty() || uidMin || !saclDirs.empty() || !sidMap.empty() ||
               !hostCheck || !rulesDir.empty();
    }
    [[nodiscard]] host::ViewSettings view() const
    {
        host::ViewSettings settings;
        settings.arch = machine;
        settings.uidMin = uidMin;
        settings.saclDirs = saclDirs;
        settings.legacy = legacy;
        settings.sidMap = sidMap;
        settings.hostCheck = hostCheck;
        return settings;
    }
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
        } else if (arg == "--local") {
            options.local = true;
        } else if (arg == "--force") {
            options.force = true;
        } else if (arg == "--check") {
            options.check = true;
        } else if (std::string error;
                   cli::takeConfigOption(arg, value, options.config, error) != cli::OptionMatch::NotOurs) {
            if (!error.empty())
                return usageError(error);
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
        } else if (arg == "--arch") {
            if (!value(options.machine))
                return usageError("--arch needs a name");
        } else if (arg == "--uid-min") {
            std::uint32_t uidMin = 0;
            if (!value(text) || !core::parseDecimal(text, uidMin))
                return usageError("--uid-min needs a number");
            options.uidMin = uidMin;
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
    if (command != "show" && command != "rules" && command != "apply" && command != "revert" && command != "mapping" &&
        command != "sync" && command != "config" && command != "status")
        return usageError(command.empty() ? "no command given" : "unknown command \"" + command + "\"");
    if ((command == "revert" || command == "mapping" || command == "sync" || command == "config" ||
         command == "status") &&
        !options.sources.empty())
        return usageError(command + " takes no policy sources");
    if (options.man && command != "mapping")
        return usageError("--man goes with mapping");
    if (command == "apply" && options.sources.empty())
        return usageError(command + " needs at least one --gpo, --audit-csv or --inf (or use sync)");
    if (options.dryRun && command != "apply" && command != "revert" && command != "sync")
        return usageError("--dry-run goes with sync, apply or revert");
    if (options.json && command != "show" && command != "sync" && command != "status")
        return usageError("--json goes with show, sync or status");
    if (!options.config.socket.empty() && options.local)
        return usageError("--socket and --local exclude each other");
    if (!options.config.socket.empty() && options.overrides())
        return usageError("--socket asks gpauditd, which uses its own configuration: leave out the domain and "
                          "translation options, or use --local");
    if (options.force && command != "sync")
        return usageError("--force goes with sync");
    if (options.check && command != "config")
        return usageError("--check goes with config");
    if (command == "config" && !options.check)
        return usageError("config needs --check");
    return std::nullopt;
}

#ifdef GPAUDIT_HAVE_LIBAUDIT
std::string socketPath(const Options &options);

// apply and revert change the rules gpauditd keeps equal to the domain's policy: while it runs, its
// drift check would undo them within seconds, so they are refused (a dry run changes nothing and is
// allowed). nullopt: gpauditd does not answer at the configured socket.
std::optional<int> refuseWhileDaemonRuns(const Options &options)
{
    if (options.dryRun)
        return std::nullopt;
    const auto path = socketPath(options);
    bool notRunning = false;
    if (!host::control::connectTo(path, notRunning)) // (closed again at once)
        return std::nullopt; // nothing listens (or we may not ask it: the root check below says so)
    if (options.command == "apply")
        std::cerr << "gpauditctl: apply refused: gpauditd is running (" << path
                  << ") and keeps this host's audit rules equal to the domain's policy; it would undo this apply "
                     "within seconds. Use 'gpauditctl sync' to apply the domain's policy now, or stop gpauditd "
                     "first (systemctl stop gpauditd) to apply other GPOs; --dry-run shows the change without "
                     "making it\n";
    else
        std::cerr << "gpauditctl: revert refused: gpauditd is running (" << path
                  << ") and keeps this host's audit rules equal to the domain's policy; it would restore them "
                     "within seconds. Stop it first (systemctl disable --now gpauditd), then run 'gpauditctl "
                     "revert'; --dry-run shows what would be removed\n";
    return kExitFailure;
}

int runRevert(const Options &options)
{
    if (::geteuid() != 0) {
        std::cerr << "gpauditctl: revert changes the kernel's audit rules and must run as root\n";
        return kExitFailure;
    }
    auto netlink = kernel::AuditNetlink::open();
    if (!netlink) {
        std::cerr << "gpauditctl: " << netlink.error().str() << "\n";
        return kExitFailure;
    }
    // The rules file of this host's configuration (rules_file), unless --rules-file/--no-rules-file.
    auto config = cli::loadConfig(options.config);
    if (!config) {
        std::cerr << "gpauditctl: " << config.error().str() << "\n";
        return kExitFailure;
    }
    const std::string &rulesFile = config->rulesFile;
    if (auto refused = refuseWhileDaemonRuns(options))
        return *refused;
    auto report = kernel::revert(*netlink, rulesFile, options.dryRun);
    if (!report) {
        std::cerr << "gpauditctl: revert: " << report.error().str() << "\n";
        return kExitFailure;
    }
    for (const auto &rule : report->removed)
        std::cout << "- " << rule << "\n";
    if (report->staged) {
        std::cerr << "gpauditctl: the kernel's audit configuration is immutable (-e 2): its rules stay until "
                     "reboot; only the rules file is removed\n";
        std::cout << (options.dryRun ? "would stage" : "staged") << ", takes effect at the next boot: ";
    }
    std::cout << (options.dryRun || report->staged ? "would remove " : "removed ") << report->removed.size()
              << " rules";
    if (report->rulesFileRemoved)
        std::cout << "; " << (options.dryRun ? "would remove " : "removed ") << rulesFile;
    std::cout << "; " << report->netlinkWrites << " netlink writes\n";
    return kExitOk;
}
#endif

// The configuration file (when given or present) with the command line's overrides on top.
Result<core::Config> loadConfig(const Options &options)
{
    return cli::loadConfig(options.config);
}

using core::durationText;

int runConfigCheck(const Options &options)
{
    auto config = loadConfig(options);
    if (!config) {
        std::cerr << "gpauditctl: " << config.error().str() << "\n";
        return kExitFailure;
    }
    const auto &c = *config;
    auto show = [](const char *key, const std::string &value) {
        std::cout << key << ": " << (value.empty() ? "(detect)" : value) << "\n";
    };
    show("realm", c.realm);
    show("machine", c.machine);
    show("keytab", c.keytab);
    show("server", c.server.empty() ? "" : c.server);
    std::cout << "dc_pin: [";
    for (std::size_t i = 0; i < c.dcPin.size(); ++i)
        std::cout << (i ? ", " : "") << c.dcPin[i];
    std::cout << "]\n"; // [] = any DC that proves it is one (gpauditd.conf(5), DOMAIN CONTROLLERS)
    show("site", c.site);
    show("state_dir", c.stateDir);
    show("socket", c.socket);
    std::cout << "rules_file: " << (c.rulesFile.empty() ? "(none)" : c.rulesFile) << "\n";
    std::cout << "legacy: "
              << (c.legacy == core::LegacyMode::Auto    ? "auto"
                  : c.legacy == core::LegacyMode::Apply ? "apply"
                                                        : "ignore")
              << "\nuid_min: " << c.uidMin << "\nsacl_dirs: [";
    for (std::size_t i = 0; i < c.saclDirs.size(); ++i)
        std::cout << (i ? ", " : "") << c.saclDirs[i];
    std::cout << "]\nrefresh_interval: " << durationText(c.refreshInterval)
              << "\nrefresh_random_delay: " << durationText(c.refreshRandomDelay)
              << "\nfull_reapply_interval: " << durationText(c.fullReapplyInterval)
              << "\nretry_min: " << durationText(c.retryMin) << "\nretry_max: " << durationText(c.retryMax)
              << "\ndrift_check_interval: " << durationText(c.driftCheckInterval)
              << "\nldap_timeout: " << durationText(c.ldapTimeout) << "\nfetch_workers: " << c.fetchWorkers << "\n";
    std::cout << "max_file_size: " << c.limits.maxFileSize << "\nmax_per_user_sids: " << c.limits.maxPerUserSids
              << "\nmax_sacl_aces: " << c.limits.maxSaclAces << "\nmax_rules: " << c.limits.maxRules << "\n";
    const auto &g = c.guardrails;
    std::cout << "report_only: " << (g.reportOnly ? "true" : "false")
              << "\nfailure_mode_max: " << (g.failureModeMax ? std::to_string(*g.failureModeMax) : "\"\"")
              << "\nbacklog_min: " << (g.backlogMin ? std::to_string(*g.backlogMin) : "\"\"")
              << "\nkeep_record_types: [";
    for (std::size_t i = 0; i < g.keepRecordTypes.size(); ++i)
        std::cout << (i ? ", " : "") << g.keepRecordTypes[i];
    std::cout << "]\n";
    // Issue 16: a Samba AD DC's audit logging.
    std::cout << "samba_audit: " << (c.sambaAudit ? "auto" : "off") << "\n";
    show("samba_conf", c.sambaConf);
    show("samba_include_file", c.sambaIncludeFile);
    std::cout << "samba_add_include: " << (c.sambaAddInclude ? "true" : "false") << "\n";
    return kExitOk;
}

cli::Sink terminalSink()
{
    return {[](std::string_view text) { std::cout << text; },
            [](std::string_view message) { std::cerr << "gpauditctl: " << message << "\n"; }};
}

std::string socketPath(const Options &options)
{
    if (!options.config.socket.empty())
        return options.config.socket;
    auto config = loadConfig(options);
    return config ? config->socket : core::Config{}.socket;
}

// Asks gpauditd when it runs (and no option asks for something of our own). nullopt: it does not run;
// do the work in process.
std::optional<int> askDaemon(const Options &options, const std::string &request)
{
    if (options.local || (options.config.socket.empty() && options.overrides()))
        return std::nullopt;
    const auto path = socketPath(options);
    bool notRunning = false;
    auto fd = host::control::connectTo(path, notRunning);
    if (!fd) {
        if (notRunning && options.config.socket.empty())
            return std::nullopt;
        std::cerr << "gpauditctl: " << fd.error().str() << "\n";
        return kExitFailure;
    }
    std::cout.flush();
    auto status = host::control::exchange(fd->get(), request, STDOUT_FILENO, STDERR_FILENO);
    fd->reset();
    if (!status) {
        std::cerr << "gpauditctl: " << status.error().str() << "\n";
        return kExitFailure;
    }
    return *status;
}

// status without gpauditd: what the state directory says of the last applied sync, and the kernel.
int statusWithoutDaemon(const Options &options)
{
    auto config = loadConfig(options);
    if (!config) {
        std::cerr << "gpauditctl: " << config.error().str() << "\n";
        return kExitFailure;
    }
    const auto state = host::readSyncState(config->stateDir);
    core::OfflineStatus status;
    status.socket = config->socket; // --socket when given (an override of the configuration)
    status.rulesFile = config->rulesFile;
    if (state)
        status.last = &*state;
    else
        status.lastError = state.error().str();
#ifdef GPAUDIT_HAVE_LIBAUDIT
    auto netlink = kernel::AuditNetlink::open();
    auto kernelState = netlink ? netlink->status() : Result<kernel::KernelStatus>(tl::unexpected(netlink.error()));
    core::AuditState audit;
    if (kernelState) {
        if (auto rules = netlink->listRules())
            for (const auto &rule : *rules)
                status.rulesInKernel += rule.keyedOurs() ? 1 : 0;
        audit = {kernelState->enabled,      kernelState->failure, kernelState->pid,    kernelState->rateLimit,
                 kernelState->backlogLimit, kernelState->lost,    kernelState->backlog};
        status.kernel = &audit;
    } else {
        status.kernelError = kernelState.error().message;
    }
#else
    status.kernelError = "built without libaudit";
#endif
    std::cout << (options.json ? core::renderOfflineStatusJson(status) : core::renderOfflineStatusText(status));
    return kExitOk;
}

#ifdef GPAUDIT_HAVE_SERVICE
int runSync(const Options &options, const host::RulesData &data)
{
    auto config = loadConfig(options);
    if (!config) {
        std::cerr << "gpauditctl: " << config.error().str() << "\n";
        return kExitFailure;
    }
    service::SyncRequest request;
    request.force = options.force;
    request.dryRun = options.dryRun;
    request.fetchWorker = daemon::fetchWorkerCommand();
    // libsmbclient finds the machine ticket through KRB5CCNAME only (domain/smb.hxx): set here, once,
    // while this program has one thread; nothing in lib/ calls setenv.
    ::setenv("KRB5CCNAME", domain::machineCcacheName(config->stateDir).c_str(), 1);
    const auto sink = terminalSink();
    const auto report = service::runSync(data, *config, request, options.view(), [&](const core::SyncEvent &event) {
        cli::tellEvent(event, "gpauditctl", options.json, sink);
    });
    if (report.result != core::SyncResult::Failed)
        std::cout << (options.json ? core::renderSyncJson(report, data.catalog, data.mapping)
                                   : core::renderSyncText(report));
    std::cout.flush();
    return cli::exitStatus(report);
}
#endif

int run(const Options &options)
{
    if (options.command == "revert") {
#ifdef GPAUDIT_HAVE_LIBAUDIT
        return runRevert(options);
#else
        std::cerr << "gpauditctl: built without libaudit: revert is not available\n";
        return kExitFailure;
#endif
    }
    if (options.command == "config")
        return runConfigCheck(options);
    const bool lastSync = options.sources.empty() && (options.command == "show" || options.command == "rules");
    if (options.command == "status" || options.command == "sync" || lastSync) {
        std::string request = options.command;
        if (options.force)
            request += " --force";
        if (options.dryRun)
            request += " --dry-run";
        if (options.json)
            request += " --json";
        if (auto status = askDaemon(options, request))
            return *status;
        if (options.command == "status")
            return statusWithoutDaemon(options);
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
    if (options.command == "sync") {
#ifdef GPAUDIT_HAVE_SERVICE
        return runSync(options, *data);
#else
        std::cerr << "gpauditctl: built without the domain client (libldap, libsmbclient, libkrb5) or libaudit: "
                     "sync is not available\n";
        return kExitFailure;
#endif
    }
    if (lastSync) {
        auto config = loadConfig(options);
        if (!config) {
            std::cerr << "gpauditctl: " << config.error().str() << "\n";
            return kExitFailure;
        }
        const int status = cli::showLastSync("gpauditctl", *data, *config, options.view(), options.command,
                                             options.json, terminalSink());
        std::cout.flush();
        return std::cout ? status : kExitFailure;
    }
    // A host configured for gpaudit (--config, or /etc/gpauditd.conf present) translates offline sources
    // with its settings too, SIDs resolved by its idmap source; elsewhere only --sid-map resolves them.
    std::optional<core::Config> config;
    if (!options.config.configPath.empty() || ::access(core::kDefaultConfigPath, F_OK) == 0) {
        auto loadedConfig = loadConfig(options);
        if (!loadedConfig) {
            std::cerr << "gpauditctl: " << loadedConfig.error().str() << "\n";
            return kExitFailure;
        }
        config = std::move(*loadedConfig);
    }
    auto loaded =
        host::loadPolicySources(data->catalog, options.sources, config ? config->limits : core::PolicyLimits{});
    if (!loaded) {
        std::cerr << "gpauditctl: " << loaded.error().str() << "\n";
        return kExitFailure;
    }
    cli::reportProblems(loaded->problems, terminalSink());
    auto translated = host::translatePolicy(*data, config ? &*config : nullptr, options.view(), loaded->inputs);
    if (!translated) {
        std::cerr << "gpauditctl: " << translated.error().str() << "\n";
        return kExitFailure;
    }
    if (options.command == "apply") {
        // The configured rules_file on a configured host, like gpauditd's; --rules-file/--no-rules-file win.
        const std::string rulesFile =
            config ? config->rulesFile : options.config.rulesFile.value_or(core::Config{}.rulesFile);
#ifdef GPAUDIT_HAVE_LIBAUDIT
        if (auto refused = refuseWhileDaemonRuns(options))
            return *refused;
        if (loaded->inputs.empty() || loaded->anyRejected())
            std::cerr << "gpauditctl: applying the policy of the files that could be read\n";
        for (const auto &change : translated->guardrails)
            std::cerr << "gpauditctl: guardrail: " << change << "\n";
        if (::geteuid() != 0) {
            std::cerr << "gpauditctl: apply: apply changes the kernel's audit rules and must run as root\n";
            return kExitFailure;
        }
        kernel::ApplyOptions request;
        request.mapping = &data->mapping;
        request.arch = translated->arch;
        request.dryRun = options.dryRun;
        request.reportOnly = config ? config->guardrails.reportOnly : false;
        request.rulesFile = rulesFile;
        request.headerComments =
            core::rulesFileHeader("gpauditctl", GPAUDIT_VERSION, translated->arch, loaded->inputs, nullptr);
        auto applied = kernel::applyPolicy(translated->translation, request);
        if (!applied) {
            std::cerr << "gpauditctl: apply: " << applied.error().str() << "\n";
            return kExitFailure;
        }
        const core::ApplySummary &summary = *applied;
        if (summary.mode != core::ApplyMode::Apply)
            std::cerr << "gpauditctl: " << summary.modeReason << "\n";
        std::cout << core::renderApplyText(summary);
        return loaded->anyRejected() ? kExitPartial : kExitOk;
#else
        std::cerr << "gpauditctl: built without libaudit: apply is not available\n";
        return kExitFailure;
#endif
    }
    if (options.command == "rules") {
        std::cout << core::renderRulesFile(
            translated->translation,
            core::rulesFileHeader("gpauditctl", GPAUDIT_VERSION, translated->arch, loaded->inputs, nullptr));
    } else {
        const core::ReportInput report{data->catalog,           data->mapping,    translated->resultant,
                                       translated->translation, loaded->problems, nullptr};
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
#ifdef GPAUDIT_HAVE_SERVICE
    if (auto status = gpaudit::daemon::runAsFetchWorker(argc, argv)) // a sync's SMB reader (fetch_worker.hxx)
        return *status;
    if (int status = gpaudit::daemon::runAsSyncWorker(argc, argv); status >= 0) // gpauditd's (sync_worker.hxx)
        return status;
#endif
    const gpaudit::daemon::SafeConsole console; // no control character reaches the terminal (issue 11)
    if (argc > 1 && std::string_view(argv[1]) == "search") {
#ifdef GPAUDIT_HAVE_AUPARSE
        return runSearch(argc - 1, argv + 1);
#else
        std::cerr
            << "gpauditctl: search: this gpauditctl was built without libauparse or GNU Nettle (-Daudit=disabled)\n";
        return kExitUsage;
#endif
    }
    if (argc > 1 && std::string_view(argv[1]) == "analyze") {
#ifdef GPAUDIT_HAVE_AUPARSE
        return runAnalyze(argc - 1, argv + 1);
#else
        std::cerr
            << "gpauditctl: analyze: this gpauditctl was built without libauparse or GNU Nettle (-Daudit=disabled)\n";
        return kExitUsage;
#endif
    }
    Options options;
    if (auto exitCode = parseArguments(argc, argv, options))
        return *exitCode;
    return run(options);
}
