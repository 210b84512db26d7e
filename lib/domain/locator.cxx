// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/locator.hxx"

#include <algorithm>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

namespace gpaudit::domain {

namespace {

Result<std::vector<SrvTarget>> lookupSrv(const std::string &name)
{
    struct __res_state state {};
    if (res_ninit(&state) != 0)
        return fail("DNS: cannot initialise the resolver");
    std::vector<unsigned char> answer(65536);
    const int length =
        res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(), static_cast<int>(answer.size()));
    if (length < 0) {
        const int herr = state.res_h_errno;
        res_nclose(&state);
        return fail("DNS: no SRV record " + name +
                    (herr == HOST_NOT_FOUND ? " (name not found)"
                     : herr == NO_DATA      ? " (no data)"
                                            : " (lookup failed)"));
    }
    res_nclose(&state);
    ns_msg message{};
    if (ns_initparse(answer.data(), length, &message) != 0)
        return fail("DNS: malformed answer for " + name);
    std::vector<SrvTarget> targets;
    const int count = ns_msg_count(message, ns_s_an);
    for (int i = 0; i < count; ++i) {
        ns_rr record{};
        if (ns_parserr(&message, ns_s_an, i, &record) != 0 || ns_rr_type(record) != ns_t_srv || ns_rr_rdlen(record) < 7)
            continue;
        const unsigned char *data = ns_rr_rdata(record);
        SrvTarget target;
        target.priority = ns_get16(data);
        target.weight = ns_get16(data + 2);
        target.port = ns_get16(data + 4);
        char host[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, host, sizeof host) < 0)
            continue;
        target.host = host;
        if (target.host.empty() || target.host == ".")
            continue; // RFC 2782: "." means the service is not available
        targets.push_back(std::move(target));
    }
    std::stable_sort(targets.begin(), targets.end(), [](const SrvTarget &a, const SrvTarget &b) {
        return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
    });
    return targets;
}

} // namespace

Result<std::vector<std::string>> locateDomainControllers(const std::string &dnsDomain, const std::string &site)
{
    std::vector<std::string> hosts;
    std::vector<std::string> errors;
    std::vector<std::string> names;
    if (!site.empty())
        names.push_back("_ldap._tcp." + site + "._sites.dc._msdcs." + dnsDomain);
    names.push_back("_ldap._tcp.dc._msdcs." + dnsDomain);
    for (const auto &name : names) {
        auto targets = lookupSrv(name);
        if (!targets) {
            errors.push_back(targets.error().message);
            continue;
        }
        for (const auto &target : *targets)
            if (std::find(hosts.begin(), hosts.end(), target.host) == hosts.end())
                hosts.push_back(target.host);
    }
    if (hosts.empty()) {
        std::string message = "no domain controller found for " + dnsDomain;
        for (const auto &e : errors)
            message += "; " + e;
        return fail(message + " (set \"server\" in the configuration or --server)");
    }
    return hosts;
}

} // namespace gpaudit::domain
