// SPDX-License-Identifier: GPL-2.0-or-later
// An LDAP session to a DC with the machine's Kerberos ticket: SASL GSSAPI with sign and seal, nothing
// weaker (lab.md: Samba refuses simple binds on ldap://; Windows DCs do the same with LDAP signing).
// Searches are sent in batches and their answers collected together, so a batch is one round trip.
#pragma once

#include "core/base/result.hxx"
#include "core/gpclient/ldap_answers.hxx"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gpaudit::domain {

// One entry of an answer (core/gpclient/ldap_answers.hxx reads them): names in lower case, raw values.
using LdapEntry = core::DirectoryEntry;

struct LdapSearch {
    enum class Scope { Base, OneLevel, Subtree };
    std::string base;
    Scope scope = Scope::Base;
    std::string filter = "(objectClass=*)";
    std::vector<std::string> attributes;
    bool securityDescriptor = false; // send the SD flags control (OWNER|GROUP|DACL) so nTSecurityDescriptor comes back
};

class LdapSession {
  public:
    // Binds to ldap://host (a DC's FQDN: the SPN is ldap/<host>, an IP fails in Kerberos). Refuses a
    // session whose security strength factor is below 56 (no sealing).
    // address: when not empty, the TCP connection goes to this numeric address (the one that proved it
    // is a DC, domain::proveDomainController) and host names only the SPN: no second name lookup.
    // ccache: when not empty, the GSSAPI bind takes its TGT from this cache (gss_krb5_ccache_name, for
    // the bind only); else from KRB5CCNAME.
    static Result<LdapSession> connect(const std::string &host, std::chrono::seconds timeout,
                                       const std::string &address = {}, const std::string &ccache = {});

    // The directory says that the account holding this session's SPN is a domain controller: the object
    // with servicePrincipalName ldap/<host> has dNSHostName = host and SERVER_TRUST_ACCOUNT (a writable DC) or
    // PARTIAL_SECRETS_ACCOUNT (an RODC) in userAccountControl (MS-ADTS 2.2.16; setting either takes
    // domain-admin rights, a computer account made under MachineAccountQuota has neither). One search,
    // counted in dcChecks(), not in searches().
    Result<void> verifyDomainController(const std::string &baseDn);

    LdapSession(LdapSession &&) noexcept;
    LdapSession &operator=(LdapSession &&) noexcept;
    ~LdapSession();

    // Sends every search, then reads every answer: one round trip for the batch. Continuation
    // references are ignored (referrals off: the domain's own DC holds everything asked for).
    Result<std::vector<std::vector<LdapEntry>>> searchBatch(const std::vector<LdapSearch> &searches);

    [[nodiscard]] unsigned securityStrength() const { return ssf_; }
    [[nodiscard]] const std::string &boundAs() const { return authzid_; }
    [[nodiscard]] const std::string &host() const { return host_; }
    [[nodiscard]] std::size_t searches() const { return searches_; }
    [[nodiscard]] std::size_t roundTrips() const { return roundTrips_; }
    [[nodiscard]] std::size_t dcChecks() const { return dcChecks_; }
    [[nodiscard]] const std::string &address() const { return address_; }

  private:
    LdapSession() = default;
    struct Handle;
    std::unique_ptr<Handle> handle_;
    std::string host_;
    std::string authzid_;
    unsigned ssf_ = 0;
    std::chrono::seconds timeout_{10};
    std::size_t searches_ = 0;
    std::size_t roundTrips_ = 0;
    std::size_t dcChecks_ = 0;
    std::string address_;
};

} // namespace gpaudit::domain
