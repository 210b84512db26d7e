// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/sync.hxx"

#include "core/base/text.hxx"
#include "core/gpclient/directory.hxx"
#include "core/gpclient/gpo_list.hxx"
#include "core/gpclient/sysvol_path.hxx"
#include "domain/kerberos.hxx"
#include "domain/ldap.hxx"
#include "domain/locator.hxx"
#include "domain/smb.hxx"
#include "host/files/files.hxx"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <tuple>
#include <unistd.h>

namespace gpaudit::domain {

namespace {

using Clock = std::chrono::steady_clock;

std::string readSmall(const std::string &path)
{
    auto text = host::readFileBounded(path, 1 << 20);
    return text ? *text : std::string();
}

std::string utcText(std::time_t when)
{
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string utcNow()
{
    const auto now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
        policy_.stages.push_back({name_, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_)});
        name_.clear();
    }

  private:
    DomainPolicy &policy_;
    const SyncOptions &options_;
    std::string name_;
    Clock::time_point start_;
};

// versionNumber, flags and gPOptions are INTEGER syntax (signed 32 bits); a negative value keeps its bit
// pattern. An absent attribute is 0; anything else that is not a number is a malformed answer.
Result<std::uint32_t> integerAttribute(const LdapEntry &entry, const std::string &lowerName, const char *name)
{
    const std::string *text = entry.first(lowerName);
    if (text == nullptr)
        return 0U;
    std::string_view digits = *text;
    const bool negative = !digits.empty() && digits.front() == '-';
    if (negative)
        digits.remove_prefix(1);
    std::uint32_t value = 0;
    if (!core::parseDecimal(digits, value))
        return fail("LDAP: " + std::string(name) + " of " + entry.dn + " is not a number: \"" + *text + "\"");
    return negative ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(value)) : value;
}

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
    const std::string baseDn = core::realmToBaseDn(identity.realm);
    const std::string dnsDomain = core::toLower(identity.realm);
    const std::string machineFilter =
        "(&(objectClass=computer)(sAMAccountName=" + core::ldapFilterEscape(identity.machine) + "))";
    const bool sameIdentity = cache.realm == identity.realm && cache.machine == identity.machine;
    if (!sameIdentity)
        cache = host::DiscoveryCache{identity.realm, identity.machine, {}, {}, {}, 0, {}, {}};
    // Windows takes the computer's groups from its Kerberos ticket, so membership changes count from the
    // next ticket; tokenGroups is read again whenever a new TGT was obtained.
    const auto ticketExpiry = static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket.expires));
    const bool needToken = cache.tokenGroups.empty() || cache.computerSid.empty() || ticket.renewed ||
                           cache.tokenTicketExpiry != ticketExpiry;
    std::string site = config.site.empty() ? cache.site : config.site;
    const bool needPing = (config.site.empty() && (cache.site.empty() || ticket.renewed)) || cache.forestDn.empty();

    auto somSearch = [&](const std::string &computerDn) -> Result<LdapSearch> {
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
    };
    auto tokenSearch = [&](const std::string &computerDn) {
        return LdapSearch{computerDn, LdapSearch::Scope::Base, "(objectClass=*)", {"tokenGroups"}, false};
    };
    auto siteSearch = [&](const std::string &siteName, const std::string &forestDn) {
        return LdapSearch{"CN=" + siteName + ",CN=Sites,CN=Configuration," + forestDn,
                          LdapSearch::Scope::Base,
                          "(objectClass=site)",
                          {"gPLink", "gPOptions"},
                          false};
    };

    // Round trip 1.
    std::vector<LdapSearch> batch;
    auto som = somSearch(cache.computerDn);
    if (!som)
        cache.computerDn.clear(), som = somSearch("");
    batch.push_back(*som);
    const std::size_t somIndex = 0;
    std::optional<std::size_t> tokenIndex;
    std::optional<std::size_t> pingIndex;
    std::optional<std::size_t> siteIndex;
    if (needToken && !cache.computerDn.empty()) {
        tokenIndex = batch.size();
        batch.push_back(tokenSearch(cache.computerDn));
    }
    if (needPing) {
        // LDAP ping (MS-ADTS 6.3.3) over the bound session: NtVer 6 = V5 | V5EX.
        pingIndex = batch.size();
        batch.push_back({"",
                         LdapSearch::Scope::Base,
                         "(&(DnsDomain=" + core::ldapFilterEscape(dnsDomain) + ")(NtVer=\\06\\00\\00\\00))",
                         {"Netlogon"},
                         false});
    } else if (!site.empty()) {
        siteIndex = batch.size();
        batch.push_back(siteSearch(site, cache.forestDn));
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
    auto readSoms = [&](const std::vector<LdapEntry> &entries, std::string &computerDn, std::string &computerSid,
                        std::map<std::string, const LdapEntry *> &byDn) -> Result<void> {
        int computers = 0;
        for (const auto &entry : entries) {
            byDn[core::toLower(entry.dn)] = &entry;
            auto classes = entry.attributes.find("objectclass");
            const bool isComputer =
                classes != entry.attributes.end() &&
                std::any_of(classes->second.begin(), classes->second.end(),
                            [](const std::string &c) { return core::equalsIgnoreCase(c, "computer"); });
            if (!isComputer)
                continue;
            ++computers;
            computerDn = entry.dn;
            const std::string *sid = entry.first("objectsid");
            if (sid == nullptr)
                return fail("LDAP: the computer object " + entry.dn + " has no objectSid");
            auto parsed =
                core::parseBinarySid(std::span(reinterpret_cast<const std::uint8_t *>(sid->data()), sid->size()));
            if (!parsed)
                return fail("LDAP: objectSid of " + entry.dn + ": " + parsed.error().message);
            computerSid = parsed->str();
        }
        if (computers == 0)
            return fail("LDAP: no computer account " + identity.machine + " in " + baseDn +
                        " (is this host joined? set \"machine\" in the configuration)");
        if (computers > 1)
            return fail("LDAP: more than one computer account named " + identity.machine);
        return {};
    };
    std::string computerDn;
    std::string computerSid;
    std::map<std::string, const LdapEntry *> byDn;
    if (auto ok = readSoms((*first)[somIndex], computerDn, computerSid, byDn); !ok)
        return tl::unexpected(ok.error());
    const bool moved = !core::equalsIgnoreCase(computerDn, cache.computerDn);
    std::vector<std::vector<LdapEntry>> second;
    if (moved || (needToken && !tokenIndex) || (needPing && !site.empty())) {
        // Round trip 2, only when the computer is new or moved, or the site was just learnt.
        std::vector<LdapSearch> more;
        std::optional<std::size_t> moreSom;
        std::optional<std::size_t> moreToken;
        std::optional<std::size_t> moreSite;
        if (moved) {
            auto search = somSearch(computerDn);
            if (!search)
                return tl::unexpected(search.error());
            moreSom = more.size();
            more.push_back(*search);
        }
        if (needToken && (!tokenIndex || moved)) {
            moreToken = more.size();
            more.push_back(tokenSearch(computerDn));
        }
        if (needPing && !site.empty()) {
            moreSite = more.size();
            more.push_back(siteSearch(site, cache.forestDn));
        }
        auto answer = ldap.searchBatch(more);
        if (!answer)
            return tl::unexpected(answer.error());
        second = std::move(*answer);
        if (moreSom) {
            byDn.clear();
            if (auto ok = readSoms(second[*moreSom], computerDn, computerSid, byDn); !ok)
                return tl::unexpected(ok.error());
        }
        if (moreToken)
            tokenEntries = &second[*moreToken];
        if (moreSite)
            siteEntries = &second[*moreSite];
    }
    if (needToken) {
        const auto *entries = tokenEntries;
        if (entries == nullptr || entries->empty())
            return fail("LDAP: cannot read tokenGroups of " + computerDn);
        cache.tokenGroups.clear();
        auto it = entries->front().attributes.find("tokengroups");
        if (it != entries->front().attributes.end())
            for (const auto &value : it->second) {
                auto sid =
                    core::parseBinarySid(std::span(reinterpret_cast<const std::uint8_t *>(value.data()), value.size()));
                if (!sid)
                    return fail("LDAP: tokenGroups of " + computerDn + ": " + sid.error().message);
                cache.tokenGroups.push_back(sid->str());
            }
        cache.tokenTicketExpiry = ticketExpiry;
    }
    cache.computerDn = computerDn;
    cache.computerSid = computerSid;
    out.computerDn = computerDn;
    out.site = site;

    // SOMs in MS-GPOL 3.2.5.1 order: site, domain, OUs from the top down.
    auto addSom = [&](const LdapEntry &entry, core::Som::Kind kind) -> Result<void> {
        auto options = integerAttribute(entry, "gpoptions", "gPOptions");
        if (!options)
            return tl::unexpected(options.error());
        const auto *link = entry.first("gplink");
        out.soms.push_back({kind, entry.dn, link ? *link : std::string(), *options});
        return {};
    };
    if (siteEntries != nullptr && !siteEntries->empty())
        if (auto ok = addSom(siteEntries->front(), core::Som::Kind::Site); !ok)
            return tl::unexpected(ok.error());
    auto domainHead = byDn.find(core::toLower(baseDn));
    if (domainHead == byDn.end())
        return fail("LDAP: the domain head " + baseDn + " was not returned");
    if (auto ok = addSom(*domainHead->second, core::Som::Kind::Domain); !ok)
        return tl::unexpected(ok.error());
    auto chain = core::ouChain(computerDn, baseDn);
    if (!chain)
        return tl::unexpected(chain.error());
    for (const auto &ou : *chain) {
        auto found = byDn.find(core::toLower(ou));
        if (found == byDn.end())
            return fail("LDAP: the organizational unit " + ou + " was not returned");
        if (auto ok = addSom(*found->second, core::Som::Kind::OrganizationalUnit); !ok)
            return tl::unexpected(ok.error());
    }

    // Round trip 3: every linked GPC in one search.
    std::vector<std::string> guids;
    for (const auto &s : out.soms) {
        auto links = core::parseGpLink(s.gpLink);
        if (!links)
            return fail("LDAP: gPLink of " + s.dn + ": " + links.error().message);
        for (const auto &link : *links)
            if (std::find(guids.begin(), guids.end(), link.guid) == guids.end())
                guids.push_back(link.guid);
    }
    if (!guids.empty()) {
        std::string filter = "(&(objectClass=groupPolicyContainer)(|";
        for (const auto &g : guids)
            filter += "(cn={" + g + "})";
        filter += "))";
        auto gpcs = ldap.searchBatch({{"CN=Policies,CN=System," + baseDn,
                                       LdapSearch::Scope::OneLevel,
                                       filter,
                                       {"cn", "displayName", "gPCFileSysPath", "versionNumber", "flags",
                                        "gPCMachineExtensionNames", "gPCWQLFilter", "nTSecurityDescriptor"},
                                       true}});
        if (!gpcs)
            return tl::unexpected(gpcs.error());
        for (const auto &entry : gpcs->front()) {
            core::GroupPolicyContainer gpc;
            const auto *cn = entry.first("cn");
            auto guid = cn ? core::parseGuid(*cn) : std::nullopt;
            if (!guid)
                return fail("LDAP: groupPolicyContainer " + entry.dn + " has no {GUID} name");
            gpc.guid = *guid;
            if (const auto *v = entry.first("displayname"))
                gpc.displayName = *v;
            if (const auto *v = entry.first("gpcfilesyspath"))
                gpc.fileSysPath = *v;
            auto version = integerAttribute(entry, "versionnumber", "versionNumber");
            auto flags = integerAttribute(entry, "flags", "flags");
            if (!version || !flags)
                return tl::unexpected(version ? flags.error() : version.error());
            gpc.versionNumber = *version;
            gpc.flags = *flags;
            if (const auto *v = entry.first("gpcmachineextensionnames"))
                gpc.machineExtensionNames = *v;
            if (const auto *v = entry.first("gpcwqlfilter"))
                gpc.wqlFilter = *v;
            if (const auto *v = entry.first("ntsecuritydescriptor"))
                gpc.securityDescriptor.assign(v->begin(), v->end());
            out.containers.push_back(std::move(gpc));
        }
    }
    auto sid = core::parseSid(computerSid);
    if (sid)
        out.token.push_back(*sid);
    for (const auto &g : cache.tokenGroups)
        if (auto parsed = core::parseSid(g))
            out.token.push_back(*parsed);
    out.searches = ldap.searches() - searchesBefore;
    out.roundTrips = ldap.roundTrips() - roundTripsBefore;
    return out;
}

// gpauditd keeps its LDAP session between syncs (SyncOptions::keepConnection): no TCP connect and GSSAPI
// bind per refresh. It is for one DC and one machine ticket; a new ticket (renewed, or another identity)
// binds again, and so does a session the DC closed (idle timeout, restart): the first failed search on a
// kept session is retried once on a fresh one.
struct KeptLdap {
    std::optional<LdapSession> session;
    std::string principal;
    std::int64_t ticketExpiry = 0;
};

KeptLdap &keptLdap()
{
    static KeptLdap kept;
    return kept;
}

Result<DomainPolicy> lastKnownGood(const core::Catalog &catalog, const core::Config &config, const std::string &why)
{
    auto previous = loadLastApplied(catalog, config.stateDir, config.limits);
    if (!previous)
        return fail(why + "; and no last-known-good policy: " + previous.error().message);
    previous->lastKnownGood = true;
    previous->unreachable = why;
    return previous;
}

} // namespace

Result<Identity> resolveIdentity(const core::Config &config)
{
    Identity identity{config.realm, config.machine, config.keytab, config.server, "configuration"};
    core::DomainIdentity detected = core::identityFromSssdConf(readSmall("/etc/sssd/sssd.conf"));
    if (detected.realm.empty())
        detected = core::identityFromSmbConf(readSmall("/etc/samba/smb.conf"));
    if (detected.realm.empty()) {
        const char *krb5 = std::getenv("KRB5_CONFIG");
        const std::string path = krb5 && *krb5 ? std::string(krb5) : std::string("/etc/krb5.conf");
        if (auto realm = core::krb5DefaultRealm(readSmall(path)))
            detected = {*realm, {}, {}, {}, path};
    }
    if (identity.realm.empty()) {
        identity.realm = detected.realm;
        identity.source = detected.source;
    }
    if (identity.realm.empty())
        return fail("cannot tell the domain: no realm in the configuration, /etc/sssd/sssd.conf, /etc/samba/smb.conf "
                    "or krb5.conf (set \"realm\" in gpauditd.conf or --realm)");
    if (identity.machine.empty() && !detected.machine.empty())
        identity.machine = detected.machine;
    if (identity.machine.empty()) {
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
            std::string name(host);
            name = name.substr(0, name.find('.'));
            if (name.size() > 15)
                name.resize(15); // NetBIOS names are 15 characters
            identity.machine = core::toUpper(name) + "$";
        }
    }
    if (identity.machine.empty())
        return fail("cannot tell the computer account (set \"machine\" in gpauditd.conf or --machine)");
    if (identity.server.empty())
        identity.server = detected.server;
    if (config.keytab == core::Config{}.keytab && !detected.keytab.empty())
        identity.keytab = detected.keytab;
    return identity;
}

Result<DomainPolicy> loadLastApplied(const core::Catalog &catalog, const std::string &stateDir,
                                     const core::PolicyLimits &limits)
{
    auto last = host::loadLastApplied(catalog, stateDir, limits);
    if (!last)
        return tl::unexpected(last.error());
    DomainPolicy policy;
    policy.identity.realm = last->state.realm;
    policy.identity.machine = last->state.machine;
    policy.dc = last->state.dc;
    policy.site = last->state.site;
    policy.loaded = std::move(last->loaded);
    policy.state = std::move(last->state);
    return policy;
}

Result<DomainPolicy> fetchDomainPolicy(const core::Catalog &catalog, const SyncOptions &options)
{
    const auto &config = options.config;
    DomainPolicy policy;
    StageTimer timer(policy, options);
    auto identity = resolveIdentity(config);
    if (!identity)
        return tl::unexpected(identity.error());
    policy.identity = *identity;
    if (auto ok = host::makeDirectories(config.stateDir, 0700); !ok)
        return tl::unexpected(ok.error());

    // Kerberos.
    timer.begin("kerberos",
                "kerberos: ticket for " + identity->machine + "@" + identity->realm + " from " + identity->keytab);
    auto ticket = ensureMachineTicket(identity->keytab, identity->machine + "@" + identity->realm,
                                      config.stateDir + "/krb5cc", std::chrono::minutes(10));
    if (!ticket) {
        timer.end();
        return lastKnownGood(catalog, config, ticket.error().message);
    }
    ::setenv("KRB5CCNAME", ticket->ccache.c_str(), 1); // for libldap (GSSAPI) and libsmbclient (Heimdal)
    policy.newTicket = ticket->renewed;
    policy.ticketExpires = utcText(std::chrono::system_clock::to_time_t(ticket->expires));
    if (ticket->renewed && options.progress)
        options.progress("kerberos: a new ticket from the keytab, valid until " + policy.ticketExpires);

    // DC locator and LDAP.
    auto cache = host::readDiscoveryCache(config.stateDir).value_or(host::DiscoveryCache{});
    std::vector<std::string> dcs;
    // dc_pin: only these DCs are ever contacted (gpauditd.conf(5)); the DNS answers keep their order
    // (site first) among them, and a pinned DC DNS does not name comes after.
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
    if (!identity->server.empty()) {
        if (!isPinned(identity->server))
            return fail("the server " + identity->server + " is not in dc_pin (" + [&] {
                std::string list;
                for (const auto &pin : pins)
                    list += (list.empty() ? "" : " ") + pin;
                return list;
            }() + "): refusing to contact it");
        dcs.push_back(identity->server);
    } else {
        timer.begin("locate", "locate: DNS SRV records of " + core::toLower(identity->realm));
        auto located =
            locateDomainControllers(core::toLower(identity->realm), config.site.empty() ? cache.site : config.site);
        if (!located && pins.empty()) {
            timer.end();
            return lastKnownGood(catalog, config, located.error().message);
        }
        std::string passedOver;
        for (const auto &host : located ? *located : std::vector<std::string>{}) {
            if (isPinned(host))
                dcs.push_back(canonical(host));
            else
                passedOver += (passedOver.empty() ? "" : ", ") + host;
        }
        for (const auto &pin : pins)
            if (std::find(dcs.begin(), dcs.end(), pin) == dcs.end())
                dcs.push_back(pin);
        if (!passedOver.empty() && options.progress)
            options.progress("locate: not in dc_pin, never contacted: " + passedOver);
    }
    timer.begin("ldap", "ldap: discovering the GPOs that apply (" + std::to_string(dcs.size()) +
                            (dcs.size() == 1 ? " domain controller)" : " domain controllers)"));
    std::optional<Discovered> discovered;
    std::string errors;
    KeptLdap &kept = keptLdap();
    const std::string principal = identity->machine + "@" + identity->realm;
    const auto ticketExpiry = static_cast<std::int64_t>(std::chrono::system_clock::to_time_t(ticket->expires));
    if (!options.keepConnection || kept.principal != principal || kept.ticketExpiry != ticketExpiry)
        kept.session.reset();
    for (const auto &dc : dcs) {
        if (kept.session && kept.session->host() == dc) {
            const std::size_t searches = kept.session->searches();
            const std::size_t roundTrips = kept.session->roundTrips();
            auto found = discover(*identity, config, *ticket, dc, cache, *kept.session);
            if (found) {
                discovered = std::move(*found);
                policy.ldapSessionKept = true;
                policy.dcAddress = kept.session->address();
                break;
            }
            policy.ldapSearches += kept.session->searches() - searches;
            policy.ldapRoundTrips += kept.session->roundTrips() - roundTrips;
            // Not a warning: a DC closes idle connections (Windows: MaxConnIdleTime, 15 minutes).
            if (options.progress)
                options.progress("ldap: the session kept from the last sync failed (" + found.error().message +
                                 "); binding again");
            kept.session.reset();
        }
        // The DC locator's next DC when one fails (MS-ADTS 6.3.6: the SRV answers' order).
        auto next = [&](const std::string &error) {
            errors += (errors.empty() ? "" : "; ") + error;
            if (options.progress && &dc != &dcs.back())
                options.progress("ldap: " + dc + " failed (" + error + "); trying the next domain controller");
        };
        // The DC proves it is one before anything is read from it (kerberos.hxx): an AS exchange sent
        // to its address only, then LDAP to that same address, then the directory's word that the SPN's
        // account is a DC's. A candidate that fails is passed over like one that does not answer.
        auto refuse = [&](const std::string &why) {
            // The reason may carry a KDC's error text: bytes a terminal or log line must not get raw.
            std::string printable;
            for (unsigned char c : why) {
                if (c >= 0x20 && c < 0x7f && c != '\\') {
                    printable += static_cast<char>(c);
                } else {
                    static const char hex[] = "0123456789abcdef";
                    printable += std::string("\\x") + hex[c >> 4] + hex[c & 0xf];
                }
            }
            const std::string line = dc + ": did not prove it is a domain controller: " + printable;
            policy.dcRefused.push_back(line);
            errors += (errors.empty() ? "" : "; ") + line;
            if (options.progress)
                options.progress("ldap: " + line + (&dc != &dcs.back() ? "; trying the next domain controller" : ""));
        };
        auto proof = proveDomainController(identity->keytab, principal, dc,
                                           std::chrono::duration_cast<std::chrono::milliseconds>(config.ldapTimeout));
        if (!proof) {
            refuse("no AS exchange for " + principal + " with it (" + proof.error().message + ")");
            continue;
        }
        auto session = LdapSession::connect(dc, config.ldapTimeout, proof->address, proof->ccache);
        if (!session) {
            next(session.error().message);
            continue;
        }
        if (auto isDc = session->verifyDomainController(core::realmToBaseDn(identity->realm)); !isDc) {
            policy.dcChecks += session->dcChecks();
            refuse(isDc.error().message);
            continue;
        }
        policy.dcChecks += session->dcChecks();
        policy.dcAddress = proof->address;
        policy.dcProved = true;
        if (options.progress)
            options.progress("ldap: " + dc + " (" + proof->address +
                             ") proved it is a domain controller: AS exchange over " + (proof->tcp ? "TCP" : "UDP") +
                             ", the directory names its ldap/ account a DC");
        auto found = discover(*identity, config, *ticket, dc, cache, *session);
        if (!found) {
            next(found.error().message);
            policy.ldapSearches += session->searches();
            policy.ldapRoundTrips += session->roundTrips();
            continue;
        }
        discovered = std::move(*found);
        if (options.keepConnection) {
            kept.session = std::move(*session);
            kept.principal = principal;
            kept.ticketExpiry = ticketExpiry;
        }
        break;
    }
    if (!discovered) {
        timer.end();
        return lastKnownGood(catalog, config, errors);
    }
    policy.dc = discovered->dc;
    policy.site = discovered->site;
    policy.ssf = discovered->ssf;
    policy.ldapSearches += discovered->searches;
    policy.ldapRoundTrips += discovered->roundTrips;
    (void)host::writeDiscoveryCache(config.stateDir, cache); // a cache: a failure only costs searches

    // Order and filter (MS-GPOL 3.2.5.1).
    auto list = core::buildGpoList(discovered->soms, discovered->containers, discovered->token);
    if (!list) {
        timer.end();
        return lastKnownGood(catalog, config, "GPO list: " + list.error().message);
    }

    // Fetch (MS-GPAC 3.2.5): each applied GPO's files, from the cache when its version was fetched before.
    timer.begin("fetch", "fetch: " + std::to_string(list->applied.size()) + " GPOs apply");
    auto previous = host::readSyncState(config.stateDir);
    std::optional<SmbReader> smb;
    std::vector<host::CachedInput> inputs;
    host::SyncState &state = policy.state;
    state.realm = identity->realm;
    state.machine = identity->machine;
    state.dc = policy.dc;
    state.site = policy.site;
    state.computerDn = discovered->computerDn;
    for (const auto &decision : list->considered) {
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
            std::optional<host::CachedGpo> files;
            if (!options.force)
                files = host::readCachedGpo(config.stateDir, decision.guid, version);
            if (files) {
                record.status = "cached";
                ++policy.gposCached;
            } else if (decision.hasAudit || decision.hasSecurity || decision.hasRegistry) {
                auto fetched = [&]() -> Result<host::CachedGpo> {
                    auto location = core::parseGpcFileSysPath(decision.container->fileSysPath, decision.guid);
                    if (!location)
                        return tl::unexpected(location.error());
                    if (!smb) {
                        auto reader = SmbReader::create(
                            config.stateDir, static_cast<unsigned>(config.ldapTimeout.count()), options.keepConnection);
                        if (!reader)
                            return tl::unexpected(reader.error());
                        smb = std::move(*reader);
                    }
                    host::CachedGpo got;
                    // Only the files of the extensions the GPO lists in gPCMachineExtensionNames (MS-GPOL 2.2.4).
                    const std::tuple<bool, std::string_view, std::optional<std::string> *> wanted[] = {
                        {decision.hasAudit, core::kAuditCsvPath, &got.auditCsv},
                        {decision.hasSecurity, core::kGptTmplPath, &got.gptTmplInf},
                        {decision.hasRegistry, core::kRegistryPolPath, &got.registryPol}};
                    for (const auto &[listed, path, target] : wanted) {
                        if (!listed)
                            continue;
                        auto content = smb->read(location->url(policy.dc, path), config.limits.maxFileSize);
                        if (!content)
                            return tl::unexpected(content.error());
                        *target = std::move(*content);
                    }
                    return got;
                }();
                if (fetched) {
                    files = std::move(*fetched);
                    record.status = "fetched";
                    ++policy.gposFetched;
                    if (auto stored = host::writeCachedGpo(config.stateDir, decision.guid, version, *files); !stored)
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
    if (smb) {
        policy.smbFiles = smb->filesRead();
        policy.smbBytes = smb->bytesRead();
        if (smb->reconnects() > 0 && options.progress)
            options.progress("fetch: the SMB session to " + policy.dc + " had been dropped; connected again");
    }
    timer.begin("parse", "parse: " + std::to_string(inputs.size()) + " GPOs");
    policy.loaded = host::parseCachedPolicy(catalog, inputs, config.limits);
    timer.end();
    state.time = utcNow();
    return policy;
}

} // namespace gpaudit::domain
