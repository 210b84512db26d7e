// SPDX-License-Identifier: GPL-2.0-or-later
// /etc/gpauditd.conf (YAML): every key, its default and its validation. Pure: text in, Config out.
// gpauditd.conf(5) documents the same keys; tests/golden/cli.sh checks the page names every one.
#pragma once

#include "core/base/limits.hxx"
#include "core/base/result.hxx"
#include "core/linux/guardrails.hxx"
#include "core/policy/merge.hxx"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

inline constexpr const char *kDefaultConfigPath = "/etc/gpauditd.conf";

// Where SIDs of per-user policy and SACL trustees become uids and gids.
enum class IdmapSource { Auto, Sssd, Winbind, None };

struct Config {
    // Domain identity: empty = detect from /etc/krb5.conf, sssd.conf, smb.conf and the host name.
    std::string realm;
    std::string machine; // sAMAccountName, "LINUX1$"
    std::string keytab = "/etc/krb5.keytab";
    std::string server; // a DC's FQDN; empty = DNS SRV lookup (site first)
    // dc_pin: the only DCs ever contacted (lower-case FQDNs); empty = any DC the locator finds that
    // proves it is one.
    std::vector<std::string> dcPin;
    std::string site; // empty = ask the DC (LDAP ping)
    std::string stateDir = "/var/lib/gpauditd";
    std::string socket = "/run/gpauditd/control.sock";
    std::string rulesFile = "/etc/audit/rules.d/30-gpaudit.rules"; // empty = do not persist
    // Translation.
    LegacyMode legacy = LegacyMode::Auto;
    std::uint32_t uidMin = 1000;
    std::vector<std::string> saclDirs;
    IdmapSource idmap = IdmapSource::Auto; // auto: SSSD when its NSS responder runs, else winbind
    // Service timing (gpauditd).
    std::chrono::seconds refreshInterval{90 * 60};
    std::chrono::seconds refreshRandomDelay{30 * 60};
    std::chrono::seconds fullReapplyInterval{16 * 3600};
    std::chrono::seconds retryMin{30};
    std::chrono::seconds retryMax{30 * 60};
    std::chrono::seconds driftCheckInterval{5};
    std::chrono::seconds ldapTimeout{10};
    // At most this many processes read SYSVOL files at once in a sync with many to fetch (0: every file
    // read in process, one after another; domain/fetch_pool.hxx).
    std::uint32_t fetchWorkers = 0;
    // Bounds on one policy's work (max_file_size, max_per_user_sids, max_sacl_aces, max_rules).
    PolicyLimits limits;
    // What a GPO may do to this host: report_only, failure_mode_max, backlog_min, keep_record_types.
    Guardrails guardrails;
    // Issue 16: a Samba AD DC's audit logging (samba_audit, samba_conf, samba_include_file,
    // samba_add_include): applied when samba_audit is on and samba_conf says the host is an AD DC.
    bool sambaAudit = true;
    std::string sambaConf = "/etc/samba/smb.conf";
    std::string sambaIncludeFile = "/etc/samba/gpaudit-audit.conf";
    bool sambaAddInclude = false; // consent to append one `include =` line to samba_conf

    bool operator==(const Config &) const = default;
};

inline constexpr std::uint32_t kMaxFetchWorkers = 4; // domain::FetchPool::kMaxWorkers

// Every key of the file, in the order of gpauditd.conf(5).
const std::vector<std::string_view> &configKeys();

// Parses the file; an unknown key, a wrong type or a value out of range is an error naming file, line
// and column. An empty file is the defaults.
Result<Config> parseConfig(std::string_view text, std::string_view label);

// "90m", "16h", "30s", "1d", "45" (seconds).
bool parseDuration(std::string_view text, std::chrono::seconds &out);

} // namespace gpaudit::core
