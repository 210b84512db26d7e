// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/domain_sync.hxx"

#include "core/base/text.hxx"
#include "core/gpclient/directory.hxx"
#include "core/gpclient/gpo_list.hxx"
#include "core/gpclient/ldap_answers.hxx"
#include "core/gpclient/sysvol_path.hxx"
#include "domain/fetch_pool.hxx"
#include "domain/kerberos.hxx"
#include "domain/ldap.hxx"
#include "domain/locator.hxx"
#include "domain/smb.hxx"
#include "host/files/files.hxx"

#include <algorithm>
#include <ctime>
#include <optional>
#include <tuple>

namespace gpaudit::service {

namespace {

using Clock = std::chrono::steady_clock;
using domain::Identity;
using domain::LdapEntry;
using domain::LdapSearch;
using domain::LdapSession;
using domain::MachineTicket;

std::string utcText(std::time_t when)
{
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buffer[32];
    if (std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return {};
    return buffer;
}

class StageTimer {
  public:
    StageTimer(DomainPolicy &policy, const SyncOptions &options) : policy_(policy), options_(options) {}
    void begin(const std::string &name, const std::string &line)
    {
        end();
        name_ = name;
        start_ = Clock::now();
        if (options_.progress)
            options_.progress(line);
    }
    void end()
    {
        if (name_.empty())
            return;
        policy_.stats.stages.push_back(
            {name_, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_)});
        name_.clear();
    }

  private:
    DomainPolicy &policy_;
    const SyncOptions &options_;
    std::string name_;
    Clock::time_point start_;
};

struct Discovered {
    std::string dc;
    std::string site;
    unsigned ssf = 0;
    std::string computerDn;
    std::vector<core::Som> soms;
    std::vector<core::GroupPolicyContainer> containers;
    std::vector<core::Sid> token;
    std::size_t searches = 0;
    std::size_t roundTrips = 0;
};

// The searches of the discovery (their answers are read by core/gpclient/ldap_answers).
struct Searches {
    std::string baseDn;
    std::string machineFilter;

    // The computer by sAMAccountName, the domain head, and (when the computer's DN is known from the
    // last sync) every OU above it: one search.
    [[nodiscard]] Result<LdapSearch> soms(const std::string &computerDn) const
    {
        std::string filter = "(|" + machineFilter + "(distinguishedName=" + core::ldapFilterEscape(baseDn) + ")";
        if (!computerDn.empty()) {
            auto chain = core::ouChain(computerDn, baseDn);
            if (!chain)
                return tl::unexpected(chain.error());
            for (const auto &ou : *chain)
                filter += "(distinguishedName=" + core::ldapFilterEscape(ou) + ")";
        }
        filter += ")";
        return LdapSearch{
            baseDn, LdapSearch::Scope::Subtree, filter, {"objectClass", "objectSid", "gPLink", "gPOptions"}, false};
    }
    [[nodiscard]] static LdapSearch token(const std::string &computerDn)
    {
        return LdapSearch{computerDn, LdapSearch::Scope::Base, "(objectClass=*)", {"tokenGroups"}, false};
    }
    [[nodiscard]] static LdapSearch site(const std::string &siteName, const std::string &forestDn)
    {
        return LdapSearch{"CN=" + siteName + ",CN=Sites,CN=Configuration," + forestDn,
                          LdapSearch::Scope::Base,
                          "(objectClass=site)",
                          {"gPLink", "gPOptions"},
                          false};
    }
    // LDAP ping (MS-ADTS 6.3.3) over the bound session: NtVer 6 = V5 | V5EX.
    [[nodiscard]] static LdapSearch ping(const std::string &dnsDomain)
    {
        return LdapSearch{"",
                          LdapSearch::Scope::Base,
                          "(&(DnsDomain=" + core::ldapFilterEscape(dnsDomain) + ")(NtVer=\\06\\00\\00\\00))",
                          {"Netlogon"},
                          false};
    }
    [[nodiscard]] LdapSearch containers(const std::vector<std::string> &guids) const
    {
        return LdapSearch{"CN=Policies,CN=System," + baseDn,
                          LdapSearch::Scope::OneLevel,
                          core::containersFilter(guids),
                          {"cn", "displayName", "gPCFileSysPath", "versionNumber", "flags", "gPCMachineExtensionNames",
                           "gPCWQLFilter", "nTSecurityDescriptor"},
                          true};
    }
};

// The LDAP part: at most three searches in two round trips when nothing moved (computer + its OUs and
// the domain head in one search, the site's links, then every linked GPC in one search).
Result<Discovered> discover(const Identity &identity, const core::Config &config, const MachineTicket &ticket,
                            const std::string &dc, host::DiscoveryCache &cache, LdapSession &ldap)
{
    Discovered out;
    out.dc = dc;
    out.ssf = ldap.securityStrength();
    const std::size_t searchesBefore = ldap.searches(); // a kept session counts across syncs
    const std::size_t roundTripsBefore = ldap.roundTrips();
    const Searches searches{core::realmToBaseDn(identity.realm), "(&(objectClass=computer)(sAMAccountName=" +
                                                                     core::ldapFilterEscape(identity.machine) + "))"};
    const std::string &baseDn = searches.baseDn;
    const std::string dnsDomain = core::toLower(identity.realm);
    const bool sameIdentity = cache.realm == identity.realm && cache.machine == identity.machine;
    if (!sameIdentity)
        cache = host::DiscoveryCache{identity.realm, identity.machine, {}, {}, {}, 0, {}, {}};
    const auto ticketExpiry = static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket.expires));
    const auto needs = core::discoveryNeeds(
        {cache.computerSid, !cache.tokenGroups.empty(), cache.tokenTicketExpiry, cache.site, cache.forestDn},
        config.site, ticket.renewed, ticketExpiry);
    const bool needToken = needs.token;
    const bool needPing = needs.ping;
    std::string site = needs.site;

    // Round trip 1.
    std::vector<LdapSearch> batch;
    auto som = searches.soms(cache.computerDn);
    if (!som)
        cache.computerDn.clear(), som = searches.soms("");
    batch.push_back(*som);
    const std::size_t somIndex = 0;
    std::optional<std::size_t> tokenIndex;
    std::optional<std::size_t> pingIndex;
    std::optional<std::size_t> siteIndex;
    if (needToken && !cache.computerDn.empty()) {
        tokenIndex = batch.size();
        batch.push_back(Searches::token(cache.computerDn));
    }
    if (needPing) {
        pingIndex = batch.size();
        batch.push_back(Searches::ping(dnsDomain));
    } else if (!site.empty()) {
        siteIndex = batch.size();
        batch.push_back(Searches::site(site, cache.forestDn));
    }
    auto first = ldap.searchBatch(batch);
    if (!first)
        return tl::unexpected(first.error());

    // The answers that may come from either round trip.
    const std::vector<LdapEntry> *tokenEntries = tokenIndex ? &(*first)[*tokenIndex] : nullptr;
    const std::vector<LdapEntry> *siteEntries = siteIndex ? &(*first)[*siteIndex] : nullptr;
    if (pingIndex) {
        const auto &entries = (*first)[*pingIndex];
        const std::string *answer = entries.empty() ? nullptr : entries.front().first("netlogon");
        if (answer == nullptr)
            return fail("LDAP ping to " + dc + " got no Netlogon answer (set \"site\" in the configuration)");
        auto info = core::parseNetlogonResponse(
            std::span(reinterpret_cast<const std::uint8_t *>(answer->data()), answer->size()));
        if (!info)
            return fail(info.error().message + " (from " + dc + ")");
        cache.forestDn = core::realmToBaseDn(info->dnsForestName.empty() ? dnsDomain : info->dnsForestName);
        if (config.site.empty()) {
            cache.site = info->clientSiteName;
            site = cache.site;
        }
    }

    // The computer and the SOMs of round trip 1.
    auto computer = core::readComputerAndSoms((*first)[somIndex], identity.machine, baseDn);
    if (!computer)
        return tl::unexpected(computer.error());
    const bool moved = !core::equalsIgnoreCase(computer->computerDn, cache.computerDn);
    std::vector<std::vector<LdapEntry>> second;
    if (moved || (needToken && !tokenIndex) || (needPing && !site.empty())) {
        // Round trip 2, only when the computer is new or moved, or the site was just learnt.
        std::vector<LdapSearch> more;
        std::optional<std::size_t> moreSom;
        std::optional<std::size_t> moreToken;
        std::optional<std::size_t> moreSite;
        if (moved) {
            auto search = searches.soms(computer->computerDn);
            if (!search)
                return tl::unexpected(search.error());
            moreSom = more.size();
            more.push_back(*search);
        }
        if (needToken && (!tokenIndex || moved)) {
            moreToken = more.size();
            more.push_back(Searches::token(computer->computerDn));
        }
        if (needPing && !site.empty()) {
            moreSite = more.size();
            more.push_back(Searches::site(site, cache.forestDn));
        }
        auto answer = ldap.searchBatch(more);
        if (!answer)
            return tl::unexpected(answer.error());
        second = std::move(*answer);
        if (moreSom) {
            computer = core::readComputerAndSoms(second[*moreSom], identity.machine, baseDn);
            if (!computer)
                return tl::unexpected(computer.error());
        }
        if (moreToken)
            tokenEntries = &second[*moreToken];
        if (moreSite)
            siteEntries = &second[*moreSite];
    }
    if (needToken) {
        auto groups =
            core::readTokenGroups(tokenEntries ? *tokenEntries : std::vector<LdapEntry>{}, computer->computerDn);
        if (!groups)
            return tl::unexpected(groups.error());
        cache.tokenGroups = std::move(*groups);
        cache.tokenTicketExpiry = ticketExpiry;
    }
    cache.computerDn = computer->computerDn;
    cache.computerSid = computer->computerSid;
    out.computerDn = computer->computerDn;
    out.site = site;

    // SOMs in MS-GPOL 3.2.5.1 order: site, domain, OUs from the top down.
    auto soms = core::somsInOrder(siteEntries != nullptr && !siteEntries->empty() ? &siteEntries->front() : nullptr,
                                  *computer, baseDn);
    if (!soms)
        return tl::unexpected(soms.error());
    out.soms = std::move(*soms);

    // Round trip 3: every linked GPC in one search.
    auto guids = core::linkedGpoGuids(out.soms);
    if (!guids)
        return tl::unexpected(guids.error());
    if (!guids->empty()) {
        auto gpcs = ldap.searchBatch({searches.containers(*guids)});
        if (!gpcs)
            return tl::unexpected(gpcs.error());
        auto containers = core::readContainers(gpcs->front());
        if (!containers)
            return tl::unexpected(containers.error());
        out.containers = std::move(*containers);
    }
    out.token = core::securityToken(computer->computerSid, cache.tokenGroups);
    out.searches = ldap.searches() - searchesBefore;
    out.roundTrips = ldap.roundTrips() - roundTripsBefore;
    return out;
}

Result<DomainPolicy> lastKnownGood(const core::Config &config, const std::string &why)
{
    auto previous = loadLastApplied(config.stateDir);
    if (!previous)
        return fail(why + "; and no last-known-good policy: " + previous.error().message);
    previous->lastKnownGood = true;
    previous->unreachable = why;
    return previous;
}

// The DCs to try, in order. dc_pin: only these DCs are ever contacted (gpauditd.conf(5)); the DNS
// answers keep their order (site first) among them, and a pinned DC DNS does not name comes after.
struct Candidates {
    std::vector<std::string> dcs;
    std::string unreachable; // DNS gave nothing and nothing is pinned: the last-known-good applies
};
Result<Candidates> candidateDcs(const Identity &identity, const core::Config &config, const host::DiscoveryCache &cache,
                                StageTimer &timer, const SyncOptions &options)
{
    Candidates out;
    const auto &pins = config.dcPin;
    auto canonical = [](std::string host) {
        host = core::toLower(host);
        if (!host.empty() && host.back() == '.')
            host.pop_back();
        return host;
    };
    auto isPinned = [&](const std::string &host) {
        return pins.empty() || std::find(pins.begin(), pins.end(), canonical(host)) != pins.end();
    };
    if (!identity.server.empty()) {
        if (!isPinned(identity.server)) {
            std::string list;
            for (const auto &pin : pins)
                list += (list.empty() ? "" : " ") + pin;
            return fail("the server " + identity.server + " is not in dc_pin (" + list + "): refusing to contact it");
        }
        out.dcs.push_back(identity.server);
        return out;
    }
    timer.begin("locate", "locate: DNS SRV records of " + core::toLower(identity.realm));
    auto located =
        domain::locateDomainControllers(core::toLower(identity.realm), config.site.empty() ? cache.site : config.site);
    if (!located && pins.empty()) {
        out.unreachable = located.error().message;
        return out;
    }
    std::string passedOver;
    for (const auto &host : located ? *located : std::vector<std::string>{}) {
        if (isPinned(host))
            out.dcs.push_back(canonical(host));
        else
            passedOver += (passedOver.empty() ? "" : ", ") + host;
    }
    for (const auto &pin : pins)
        if (std::find(out.dcs.begin(), out.dcs.end(), pin) == out.dcs.end())
            out.dcs.push_back(pin);
    if (!passedOver.empty() && options.progress)
        options.progress("locate: not in dc_pin, never contacted: " + passedOver);
    return out;
}

// The LDAP session gpauditd kept from its last sync, when it was bound for this ticket to `dc`: the
// discovery over it, or nullopt (it failed: dropped, said, and the caller binds again).
std::optional<Discovered> discoverOverKept(const Identity &identity, const core::Config &config,
                                           const MachineTicket &ticket, const std::string &dc,
                                           host::DiscoveryCache &cache, const SyncOptions &options,
                                           DomainPolicy &policy)
{
    if (options.session == nullptr)
        return std::nullopt;
    const std::string principal = identity.machine + "@" + identity.realm;
    const auto ticketExpiry = static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket.expires));
    LdapSession *kept = options.session->ldapFor(principal, ticketExpiry);
    if (kept == nullptr || kept->host() != dc)
        return std::nullopt;
    const std::size_t searches = kept->searches();
    const std::size_t roundTrips = kept->roundTrips();
    auto found = discover(identity, config, ticket, dc, cache, *kept);
    if (found) {
        policy.stats.ldapSessionKept = true;
        policy.stats.dcAddress = kept->address();
        return std::move(*found);
    }
    policy.stats.ldapSearches += kept->searches() - searches;
    policy.stats.ldapRoundTrips += kept->roundTrips() - roundTrips;
    // Not a warning: a DC closes idle connections (Windows: MaxConnIdleTime, 15 minutes).
    if (options.progress)
        options.progress("ldap: the session kept from the last sync failed (" + found.error().message +
                         "); binding again");
    options.session->dropLdap();
    return std::nullopt;
}

std::string canonicalHost(std::string host)
{
    host = core::toLower(host);
    if (!host.empty() && host.back() == '.')
        host.pop_back();
    return host;
}

// The DC recorded with the machine TGT (domain::keepProof) when the configuration still allows it
// (dc_pin, --server / "server"); empty: none.
std::string provenDc(const Identity &identity, const core::Config &config, const MachineTicket &ticket)
{
    if (ticket.provenHost.empty() || ticket.provenAddress.empty())
        return {};
    const std::string dc = canonicalHost(ticket.provenHost);
    if (!identity.server.empty() && canonicalHost(identity.server) != dc)
        return {};
    const auto &pins = config.dcPin;
    if (!pins.empty() && std::find(pins.begin(), pins.end(), dc) == pins.end())
        return {};
    return ticket.provenHost;
}

// The DC that proved it is one when it issued the machine TGT, for as long as that TGT lives
// (domain/kerberos.hxx keepProof says why that keeps the proof's guarantee): LDAP binds to the
// recorded address with the service ticket kept beside the TGT. No DNS SRV lookup, no name lookup, no
// AS or TGS exchange, no directory check: one TCP connection, the GSSAPI bind (mutual authentication,
// sealed) and the discovery. nullopt: it failed (said); the caller locates the DCs and proves one.
std::optional<Discovered> discoverAtProvenDc(const Identity &identity, const core::Config &config,
                                             const MachineTicket &ticket, const std::string &dc,
                                             host::DiscoveryCache &cache, const SyncOptions &options,
                                             DomainPolicy &policy)
{
    if (auto found = discoverOverKept(identity, config, ticket, dc, cache, options, policy))
        return found;
    auto said = [&](const std::string &error) {
        if (options.progress)
            options.progress("ldap: " + dc + " (" + ticket.provenAddress +
                             "), proved a domain controller with this machine ticket, failed (" + error +
                             "); locating the domain controllers");
    };
    auto session = LdapSession::connect(dc, config.ldapTimeout, ticket.provenAddress, ticket.ccache);
    if (!session) {
        said(session.error().message);
        return std::nullopt;
    }
    auto found = discover(identity, config, ticket, dc, cache, *session);
    if (!found) {
        policy.stats.ldapSearches += session->searches();
        policy.stats.ldapRoundTrips += session->roundTrips();
        said(found.error().message);
        return std::nullopt;
    }
    policy.stats.dcProofKept = true;
    policy.stats.dcAddress = ticket.provenAddress;
    if (options.session != nullptr)
        options.session->keepLdap(std::move(*session), identity.machine + "@" + identity.realm,
                                  static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket.expires)));
    return std::move(*found);
}

// The first DC that proves it is one and answers the discovery (MS-ADTS 6.3.6: the SRV answers' order;
// a DC that fails is passed over). The kept session of the last sync is tried first when it is to
// one of them. nullopt: none did, `errors` says why.
std::optional<Discovered> bindAndDiscover(const Identity &identity, const core::Config &config, MachineTicket &ticket,
                                          const std::vector<std::string> &dcs, host::DiscoveryCache &cache,
                                          const SyncOptions &options, DomainPolicy &policy, std::string &errors)
{
    const std::string principal = identity.machine + "@" + identity.realm;
    for (const auto &dc : dcs) {
        if (auto found = discoverOverKept(identity, config, ticket, dc, cache, options, policy))
            return found;
        auto next = [&](const std::string &error) {
            errors += (errors.empty() ? "" : "; ") + error;
            if (options.progress && &dc != &dcs.back()) {
                std::string line = "ldap: ";
                line.append(dc).append(" failed (").append(error).append("); trying the next domain controller");
                options.progress(line);
            }
        };
        // The DC proves it is one before anything is read from it (domain/kerberos.hxx): an AS exchange
        // sent to its address only, then LDAP to that same address, then the directory's word that the
        // SPN's account is a DC's. A candidate that fails is passed over like one that does not answer.
        auto refuse = [&](const std::string &why) {
            // The reason may carry a KDC's error text: bytes a terminal or log line must not get raw.
            std::string printable;
            for (unsigned char c : why) {
                if (c >= 0x20 && c < 0x7f && c != '\\') {
                    printable += static_cast<char>(c);
                } else {
                    static const char hex[] = "0123456789abcdef";
                    printable.append("\\x").append(1, hex[c >> 4]).append(1, hex[c & 0xf]);
                }
            }
            const std::string line = dc + ": did not prove it is a domain controller: " + printable;
            policy.stats.dcRefused.push_back(line);
            errors += (errors.empty() ? "" : "; ") + line;
            if (options.progress)
                options.progress("ldap: " + line + (&dc != &dcs.back() ? "; trying the next domain controller" : ""));
        };
        auto proof = domain::proveDomainController(
            identity.keytab, principal, dc, std::chrono::duration_cast<std::chrono::milliseconds>(config.ldapTimeout),
            identity.krb5Config);
        if (!proof) {
            refuse("no AS exchange for " + principal + " with it (" + proof.error().message + ")");
            continue;
        }
        auto session = LdapSession::connect(dc, config.ldapTimeout, proof->address, proof->ccache);
        if (!session) {
            next(session.error().message);
            continue;
        }
        if (auto isDc = session->verifyDomainController(core::realmToBaseDn(identity.realm)); !isDc) {
            policy.stats.dcChecks += session->dcChecks();
            refuse(isDc.error().message);
            continue;
        }
        policy.stats.dcChecks += session->dcChecks();
        policy.stats.dcAddress = proof->address;
        policy.stats.dcProved = true;
        if (options.progress)
            options.progress("ldap: " + dc + " (" + proof->address +
                             ") proved it is a domain controller: AS exchange over " + (proof->tcp ? "TCP" : "UDP") +
                             ", the directory names its ldap/ account a DC");
        // The proof is kept with the TGT this DC issued, for that TGT's life (domain::keepProof): the
        // next sync, in this process or another, binds to this DC without proving it again. A failure
        // only costs the next sync a proof.
        if (auto kept = domain::keepProof(*proof, principal, config.stateDir + "/krb5cc", identity.krb5Config))
            ticket = std::move(*kept);
        else if (options.progress)
            options.progress("kerberos: " + kept.error().message + " (the next sync proves the DC again)");
        auto found = discover(identity, config, ticket, dc, cache, *session);
        if (!found) {
            next(found.error().message);
            policy.stats.ldapSearches += session->searches();
            policy.stats.ldapRoundTrips += session->roundTrips();
            continue;
        }
        if (options.session != nullptr)
            options.session->keepLdap(std::move(*session), principal,
                                      static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket.expires)));
        return std::move(*found);
    }
    return std::nullopt;
}

// The files of one GPO to fetch (MS-GPOL 2.2.4: only those of the extensions it lists in
// gPCMachineExtensionNames), and what the fetch gave.
struct FetchJob {
    std::vector<std::string> urls;
    std::vector<std::optional<std::string> host::CachedGpo::*> targets; // where each URL's file goes
    Result<host::CachedGpo> fetched = host::CachedGpo{};
};

bool sameFiles(const host::CachedGpo &a, const host::CachedGpo &b)
{
    return a.auditCsv == b.auditCsv && a.gptTmplInf == b.gptTmplInf && a.registryPol == b.registryPol;
}

// Fetch workers (domain/fetch_pool.hxx) pay for themselves from this many files on (each starts a
// process that loads libsmbclient and opens an SMB session: 40-60 ms of this lab's 2 cores); fewer are
// read in process. One worker per this many files, at most FetchPool::kMaxWorkers (README: the scale
// lab's figures, sequential against concurrent); fetch_workers (gpauditd.conf(5)) lowers the most.
constexpr std::size_t kWorkersFrom = 8;
constexpr std::size_t kFilesPerWorker = 8;

// Reads every job's files: through fetch workers when there are enough, the rest (or all, without
// workers, or what a lost worker left) in process, one after another. The answers are the reader's
// either way; a GPO's first failing file is its error (read in process, its later files are not read).
void fetchJobs(std::vector<FetchJob *> &jobs, const core::Config &config, const SyncOptions &options,
               DomainPolicy &policy)
{
    const auto timeout = static_cast<unsigned>(config.ldapTimeout.count());
    std::size_t total = 0;
    for (const auto *job : jobs)
        total += job->urls.size();
    // Answers by job and file; nullopt: still to read in process.
    std::vector<std::vector<std::optional<domain::FetchAnswer>>> answers(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j)
        answers[j].resize(jobs[j]->urls.size());
    // The reader of this process (gpauditd: over the context it keeps), made at its first file.
    std::optional<domain::SmbReader> smb;
    auto readHere = [&](const std::string &url) -> domain::FetchAnswer {
        if (!smb) {
            auto reader = domain::SmbReader::create(config.stateDir, timeout,
                                                    options.session != nullptr ? &options.session->smb() : nullptr);
            if (!reader)
                return tl::unexpected(reader.error());
            smb = std::move(*reader);
        }
        return smb->read(url, config.limits.maxFileSize);
    };
    if (!options.fetchWorker.empty() && config.fetchWorkers > 0 && total >= kWorkersFrom) {
        const domain::FetchSettings settings{options.fetchWorker, config.stateDir, timeout, config.limits.maxFileSize};
        const std::size_t wanted =
            std::min<std::size_t>(config.fetchWorkers, (total + kFilesPerWorker - 1) / kFilesPerWorker);
        std::optional<domain::FetchPool> local; // gpauditctl: the workers of this sync only
        domain::FetchPool *pool = nullptr;
        if (options.session != nullptr) {
            auto kept = options.session->fetchPool(settings, wanted);
            if (kept)
                pool = *kept;
            else if (options.progress)
                options.progress("fetch: no fetch worker could start (" + kept.error().message +
                                 "); reading in process");
        } else if (auto started = domain::FetchPool::start(settings, wanted); started) {
            local = std::move(*started);
            pool = &*local;
        } else if (options.progress) {
            options.progress("fetch: no fetch worker could start (" + started.error().message +
                             "); reading in process");
        }
        if (pool != nullptr) {
            policy.stats.fetchWorkers = pool->size();
            std::vector<std::string> urls;
            urls.reserve(total);
            for (const auto *job : jobs)
                urls.insert(urls.end(), job->urls.begin(), job->urls.end());
            // This process reads too, from the first file on, while the workers start.
            auto batch = pool->readAll(urls, readHere);
            policy.stats.smbFiles += batch.files;
            policy.stats.smbBytes += batch.bytes;
            if (batch.reconnects > 0 && options.progress)
                options.progress("fetch: a worker's SMB session to " + policy.dc +
                                 " had been dropped; connected again");
            if (!batch.lost.empty() && options.progress)
                options.progress("fetch: " + batch.lost + "; its files are read in process");
            std::size_t at = 0;
            for (auto &byJob : answers)
                for (auto &answer : byJob)
                    answer = std::move(batch.answers[at++]);
        }
    }
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        FetchJob &job = *jobs[j];
        host::CachedGpo got;
        for (std::size_t f = 0; f < job.urls.size(); ++f) {
            if (!answers[j][f])
                answers[j][f] = readHere(job.urls[f]);
            auto &answer = *answers[j][f];
            if (!answer) {
                job.fetched = tl::unexpected(answer.error());
                break;
            }
            got.*job.targets[f] = std::move(*answer);
        }
        if (job.fetched)
            job.fetched = std::move(got);
    }
    if (smb) {
        policy.stats.smbFiles += smb->filesRead();
        policy.stats.smbBytes += smb->bytesRead();
        if (smb->reconnects() > 0 && options.progress)
            options.progress("fetch: the SMB session to " + policy.dc + " had been dropped; connected again");
    }
}

// MS-GPAC 3.2.5: each applied GPO's files, from the cache when its version was fetched before; one GPO
// failing does not stop the others (its previous version, if cached, stays in force).
std::vector<host::CachedInput> fetchGpoFiles(const core::GpoListResult &list, const core::Config &config,
                                             const SyncOptions &options, DomainPolicy &policy)
{
    auto previous = host::readSyncState(config.stateDir);
    std::vector<host::CachedInput> inputs;
    host::SyncState &state = policy.state;
    // First what to fetch, so that every file can be read at once; then each GPO in order.
    std::vector<std::optional<host::CachedGpo>> cached(list.considered.size());
    std::vector<std::optional<FetchJob>> jobs(list.considered.size());
    std::vector<FetchJob *> toFetch;
    for (std::size_t i = 0; i < list.considered.size(); ++i) {
        const auto &decision = list.considered[i];
        if (!decision.applied)
            continue;
        const std::uint32_t version = decision.container != nullptr ? decision.container->versionNumber & 0xFFFFU : 0;
        if (!options.force)
            cached[i] = host::readCachedGpo(config.stateDir, decision.guid, version);
        if (cached[i] || !(decision.hasAudit || decision.hasSecurity || decision.hasRegistry))
            continue;
        FetchJob &job = jobs[i].emplace();
        auto location = core::parseGpcFileSysPath(decision.container->fileSysPath, decision.guid);
        if (!location) {
            job.fetched = tl::unexpected(location.error());
            continue;
        }
        // Only the files of the extensions the GPO lists in gPCMachineExtensionNames (MS-GPOL 2.2.4).
        const std::tuple<bool, std::string_view, std::optional<std::string> host::CachedGpo::*> wanted[] = {
            {decision.hasAudit, core::kAuditCsvPath, &host::CachedGpo::auditCsv},
            {decision.hasSecurity, core::kGptTmplPath, &host::CachedGpo::gptTmplInf},
            {decision.hasRegistry, core::kRegistryPolPath, &host::CachedGpo::registryPol}};
        for (const auto &[listed, path, target] : wanted)
            if (listed) {
                job.urls.push_back(location->url(policy.dc, path));
                job.targets.push_back(target);
            }
        toFetch.push_back(&job);
    }
    if (!toFetch.empty())
        fetchJobs(toFetch, config, options, policy);

    for (std::size_t i = 0; i < list.considered.size(); ++i) {
        const auto &decision = list.considered[i];
        host::GpoRecord record;
        record.guid = decision.guid;
        record.name = decision.name;
        record.som = decision.somDn;
        record.enforced = decision.enforced;
        record.applied = decision.applied;
        record.reason = decision.reason;
        record.audit = decision.hasAudit;
        record.security = decision.hasSecurity;
        record.registry = decision.hasRegistry;
        if (decision.container != nullptr)
            record.version = decision.container->versionNumber & 0xFFFFU;
        if (decision.applied) {
            const std::uint32_t version = record.version;
            const core::GpoRef ref{decision.guid, decision.name};
            std::optional<host::CachedGpo> files = std::move(cached[i]);
            if (files) {
                record.status = "cached";
                ++policy.stats.gposCached;
            } else if (jobs[i]) {
                auto &fetched = jobs[i]->fetched;
                if (fetched) {
                    files = std::move(*fetched);
                    record.status = "fetched";
                    ++policy.stats.gposFetched;
                    // --force fetches every version again: one already cached the same is not written
                    // again (a rename over each file costs this file system a flush and a discard).
                    auto before =
                        options.force ? host::readCachedGpo(config.stateDir, decision.guid, version) : std::nullopt;
                    if (before && sameFiles(*before, *files))
                        ++policy.stats.cacheUnchanged;
                    else if (auto stored = host::writeCachedGpo(config.stateDir, decision.guid, version, *files);
                             !stored)
                        policy.notes.push_back(decision.name + " {" + decision.guid +
                                               "}: not cached: " + stored.error().message);
                } else {
                    // MS-GPAC 3.2.5: one GPO failing does not stop the others; keep what it gave before.
                    policy.fetchErrors = true;
                    std::optional<std::uint32_t> kept;
                    if (previous)
                        for (const auto &a : previous->applied)
                            if (a.guid == decision.guid)
                                kept = a.version;
                    if (kept)
                        files = host::readCachedGpo(config.stateDir, decision.guid, *kept);
                    if (files) {
                        record.version = *kept;
                        record.status = "kept version " + std::to_string(*kept) + " (fetch failed)";
                        policy.notes.push_back(ref.str() + ": " + fetched.error().message + "; its previous version " +
                                               std::to_string(*kept) + " stays in force");
                    } else {
                        record.status = "not applied (fetch failed)";
                        record.applied = false;
                        record.reason = "its files could not be fetched and no earlier version is cached (" +
                                        fetched.error().message + ")";
                        policy.notes.push_back(ref.str() + ": " + fetched.error().message +
                                               "; no previous version to keep");
                    }
                }
            } else {
                files = host::CachedGpo{};
                record.status = "no audit or security CSE";
                (void)host::writeCachedGpo(config.stateDir, decision.guid, version, *files);
            }
            if (files) {
                core::ExtensionList registered{{}, "gPCMachineExtensionNames"};
                if (decision.hasAudit)
                    registered.cses.insert(std::string(core::kAuditCse));
                if (decision.hasSecurity)
                    registered.cses.insert(std::string(core::kSecurityCse));
                if (decision.hasRegistry)
                    registered.cses.insert(std::string(core::kRegistryCse));
                inputs.push_back({ref, *files, std::move(registered)});
                state.applied.push_back({decision.guid, decision.name, record.version});
            }
        }
        state.gpos.push_back(std::move(record));
    }
    return inputs;
}

} // namespace

Result<DomainPolicy> fetchDomainPolicy(const SyncOptions &options)
{
    const auto &config = options.config;
    DomainPolicy policy;
    StageTimer timer(policy, options);
    auto identity = domain::resolveIdentity(config);
    if (!identity)
        return tl::unexpected(identity.error());
    policy.identity = *identity;
    if (auto ok = host::makeDirectories(config.stateDir, 0700); !ok)
        return tl::unexpected(ok.error());

    // Kerberos: the machine TGT in STATE_DIR/krb5cc, where libsmbclient finds it (domain/smb.hxx).
    timer.begin("kerberos",
                "kerberos: ticket for " + identity->machine + "@" + identity->realm + " from " + identity->keytab);
    auto ticket =
        domain::ensureMachineTicket(identity->keytab, identity->machine + "@" + identity->realm,
                                    config.stateDir + "/krb5cc", std::chrono::minutes(10), identity->krb5Config);
    if (!ticket) {
        timer.end();
        return lastKnownGood(config, ticket.error().message);
    }
    if (ticket->renewed && options.progress)
        options.progress("kerberos: a new ticket from the keytab, valid until " +
                         utcText(std::chrono::system_clock::to_time_t(ticket->expires)));

    // DC locator and LDAP: first the DC proved with this TGT, if any (no locator, no proof), then the
    // DCs the locator finds, each proving it is one.
    auto cache = host::readDiscoveryCache(config.stateDir).value_or(host::DiscoveryCache{});
    std::optional<Discovered> discovered;
    if (const std::string proven = provenDc(*identity, config, *ticket); !proven.empty()) {
        timer.begin("ldap", "ldap: discovering the GPOs that apply (" + proven +
                                ", proved a domain controller with this machine ticket)");
        discovered = discoverAtProvenDc(*identity, config, *ticket, proven, cache, options, policy);
    }
    if (!discovered) {
        auto candidates = candidateDcs(*identity, config, cache, timer, options);
        if (!candidates)
            return tl::unexpected(candidates.error());
        if (!candidates->unreachable.empty()) {
            timer.end();
            return lastKnownGood(config, candidates->unreachable);
        }
        const auto &dcs = candidates->dcs;
        timer.begin("ldap", "ldap: discovering the GPOs that apply (" + std::to_string(dcs.size()) +
                                (dcs.size() == 1 ? " domain controller)" : " domain controllers)"));
        std::string errors;
        discovered = bindAndDiscover(*identity, config, *ticket, dcs, cache, options, policy, errors);
        if (!discovered) {
            timer.end();
            return lastKnownGood(config, errors);
        }
    }
    // The ticket in the state directory now (a proof replaces it with the proven DC's).
    policy.stats.newTicket = ticket->renewed;
    policy.stats.ticketExpires = utcText(std::chrono::system_clock::to_time_t(ticket->expires));
    policy.dc = discovered->dc;
    policy.site = discovered->site;
    policy.stats.ssf = discovered->ssf;
    policy.stats.ldapSearches += discovered->searches;
    policy.stats.ldapRoundTrips += discovered->roundTrips;
    (void)host::writeDiscoveryCache(config.stateDir, cache); // a cache: a failure only costs searches

    // Order and filter (MS-GPOL 3.2.5.1).
    auto list = core::buildGpoList(discovered->soms, discovered->containers, discovered->token);
    if (!list) {
        timer.end();
        return lastKnownGood(config, "GPO list: " + list.error().message);
    }

    // Fetch (MS-GPAC 3.2.5).
    timer.begin("fetch", "fetch: " + std::to_string(list->applied.size()) + " GPOs apply");
    policy.state.realm = identity->realm;
    policy.state.machine = identity->machine;
    policy.state.dc = policy.dc;
    policy.state.site = policy.site;
    policy.state.computerDn = discovered->computerDn;
    policy.inputs = fetchGpoFiles(*list, config, options, policy);
    timer.end();
    policy.state.time = utcText(std::time(nullptr));
    return policy;
}

} // namespace gpaudit::service
