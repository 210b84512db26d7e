// SPDX-License-Identifier: GPL-2.0-or-later
// An LDAP session to a DC with the machine's Kerberos ticket: SASL GSSAPI with sign and seal, nothing
// weaker (lab.md: Samba refuses simple binds on ldap://; Windows DCs do the same with LDAP signing).
// Searches are sent in batches and their answers collected together, so a batch is one round trip.
#pragma once

#include "core/result.hxx"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gpaudit::domain {

struct LdapEntry {
    std::string dn;
    std::map<std::string, std::vector<std::string>> attributes; // names in lower case; values raw bytes

    [[nodiscard]] const std::string *first(const std::string &lowerName) const;
};

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
    // Binds to ldap://host (a DC's FQDN: the SPN is ldap/<host>, an IP fails in Kerberos). KRB5CCNAME must
    // name the machine's ccache. Refuses a session whose security strength factor is below 56 (no sealing).
    static Result<LdapSession> connect(const std::string &host, std::chrono::seconds timeout);

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
};

} // namespace gpaudit::domain
