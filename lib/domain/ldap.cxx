// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/ldap.hxx"

#include "domain/sasl_plugins.hxx"

#include "core/gpclient/directory.hxx"
#include "host/files/unique_fd.hxx"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <gssapi/gssapi_krb5.h>
#include <ldap.h>
#include <memory>
#include <netdb.h>
#include <openldap.h> // ldap_init_fd
#include <poll.h>
#include <sasl/sasl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gpaudit::domain {

namespace {

// Entries and values larger than this are a broken or hostile answer, not a directory.
constexpr std::size_t kMaxEntriesPerSearch = 5000;
constexpr std::size_t kMaxValueSize = 1 << 20;
constexpr unsigned kMinimumSsf = 56; // sealing; signing alone gives 1

// GSSAPI asks nothing that matters; every prompt gets its default.
int interact(LDAP *, unsigned, void *, void *in)
{
    for (auto *p = static_cast<sasl_interact_t *>(in); p && p->id != SASL_CB_LIST_END; ++p) {
        p->result = p->defresult ? p->defresult : "";
        p->len = static_cast<unsigned>(std::strlen(static_cast<const char *>(p->result)));
    }
    return LDAP_SUCCESS;
}

std::string diagnostic(LDAP *ld, int rc)
{
    std::string out = ldap_err2string(rc);
    char *diag = nullptr;
    if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag != nullptr) {
        if (*diag)
            out += std::string(" (") + diag + ")";
        ldap_memfree(diag);
    }
    return out;
}

std::string lower(std::string text)
{
    for (auto &c : text)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return text;
}

// libldap's allocations, each freed by its own function when its owner goes (early returns included).
struct MessageFree {
    void operator()(LDAPMessage *message) const { ldap_msgfree(message); }
};
struct BerFree {
    void operator()(BerElement *ber) const { ber_free(ber, 0); }
};
struct MemFree {
    void operator()(void *memory) const { ldap_memfree(memory); }
};
struct ValuesFree {
    void operator()(berval **values) const { ldap_value_free_len(values); }
};
using Message = std::unique_ptr<LDAPMessage, MessageFree>;
using Ber = std::unique_ptr<BerElement, BerFree>;
using LdapText = std::unique_ptr<char, MemFree>;
using Values = std::unique_ptr<berval *, ValuesFree>;

// A TCP connection to address:389 within the timeout; the descriptor is blocking again when returned.
Result<host::UniqueFd> connectTo(const std::string &address, std::chrono::seconds timeout)
{
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    if (int rc = ::getaddrinfo(address.c_str(), "389", &hints, &found); rc != 0)
        return fail("LDAP: bad address " + address + ": " + ::gai_strerror(rc));
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
    // Owned until handed to ldap_init_fd (which then owns it): closed on every early return.
    host::UniqueFd owner(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!owner)
        return fail(std::string("LDAP: socket: ") + std::strerror(errno));
    const int fd = owner.get();
    int rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
    int error = rc == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        do
            rc = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
        while (rc < 0 && errno == EINTR);
        socklen_t size = sizeof error;
        error = rc == 0 ? ETIMEDOUT : 0;
        if (rc > 0)
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    }
    if (error != 0) {
        return fail("LDAP: cannot connect to " + address + " port 389: " +
                    (error == ETIMEDOUT ? "no answer within " + std::to_string(timeout.count()) + " s (ldap_timeout)"
                                        : std::string(std::strerror(error))));
    }
    if (const int flags = ::fcntl(fd, F_GETFL); flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        return fail(std::string("LDAP: fcntl: ") + std::strerror(errno));
    return owner; // the caller hands it to ldap_init_fd
}

// Points GSSAPI's default ccache at `name` for this thread while alive (MIT: thread-specific), then back.
class GssCcache {
  public:
    explicit GssCcache(const std::string &name)
    {
        if (name.empty())
            return;
        OM_uint32 minor = 0;
        const char *old = nullptr;
        if (gss_krb5_ccache_name(&minor, name.c_str(), &old) == GSS_S_COMPLETE) {
            active_ = true;
            hadOld_ = old != nullptr;
            if (old != nullptr)
                old_ = old;
        }
    }
    ~GssCcache()
    {
        if (!active_)
            return;
        OM_uint32 minor = 0;
        gss_krb5_ccache_name(&minor, hadOld_ ? old_.c_str() : nullptr, nullptr);
    }
    GssCcache(const GssCcache &) = delete;
    GssCcache &operator=(const GssCcache &) = delete;

  private:
    bool active_ = false;
    bool hadOld_ = false;
    std::string old_;
};

} // namespace

struct LdapSession::Handle {
    LDAP *ld = nullptr;
    ~Handle()
    {
        if (ld != nullptr)
            ldap_unbind_ext_s(ld, nullptr, nullptr);
    }
};

LdapSession::LdapSession(LdapSession &&) noexcept = default;
LdapSession &LdapSession::operator=(LdapSession &&) noexcept = default;
LdapSession::~LdapSession() = default;

Result<LdapSession> LdapSession::connect(const std::string &host, std::chrono::seconds timeout,
                                         const std::string &address, const std::string &ccache)
{
    onlyGssapiSasl(); // before libldap initialises SASL with every plugin (sasl_plugins.hxx)
    LdapSession session;
    session.host_ = host;
    session.address_ = address;
    session.timeout_ = timeout;
    session.handle_ = std::make_unique<Handle>();
    const std::string uri = "ldap://" + host;
    int rc = LDAP_SUCCESS;
    if (address.empty()) {
        rc = ldap_initialize(&session.handle_->ld, uri.c_str());
    } else {
        // Our own connection to the proven address; the URI gives libldap (and SASL) the SPN host only.
        auto fd = connectTo(address, timeout);
        if (!fd)
            return tl::unexpected(fd.error());
        rc = ldap_init_fd(fd->get(), LDAP_PROTO_TCP, uri.c_str(), &session.handle_->ld);
        if (rc == LDAP_SUCCESS)
            (void)fd->release(); // the LDAP handle owns it now
    }
    if (rc != LDAP_SUCCESS)
        return fail("LDAP " + uri + ": " + ldap_err2string(rc));
    LDAP *ld = session.handle_->ld;
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);     // AD hands out continuation references
    ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON); // SPN ldap/<host as given>, no reverse DNS
    struct timeval tv {
        static_cast<time_t>(timeout.count()), 0
    };
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    // Require a security layer with confidentiality: minssf 56 makes the SASL negotiation itself refuse
    // anything weaker, before any search is sent.
    char secprops[] = "minssf=56";
    ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS, secprops);
    const auto started = std::chrono::steady_clock::now();
    GssCcache useCcache(ccache);
    rc = ldap_sasl_interactive_bind_s(ld, nullptr, "GSSAPI", nullptr, nullptr, LDAP_SASL_QUIET, interact, nullptr);
    if (rc != LDAP_SUCCESS) {
        // libldap says "Can't contact LDAP server" for a refused connection and for one that never
        // answered alike; the second is a network that drops packets (or a DC that hangs): say so.
        const bool timedOut = rc == LDAP_SERVER_DOWN && std::chrono::steady_clock::now() - started >= timeout;
        return fail("LDAP GSSAPI bind to " + uri + ": " +
                    (timedOut ? "no answer within " + std::to_string(timeout.count()) + " s (ldap_timeout)"
                              : diagnostic(ld, rc)));
    }
    ber_len_t ssf = 0; // OpenLDAP writes a ber_len_t here (lab.md: a smaller type smashes the stack)
    ldap_get_option(ld, LDAP_OPT_X_SASL_SSF, &ssf);
    session.ssf_ = static_cast<unsigned>(ssf);
    if (session.ssf_ < kMinimumSsf)
        return fail("LDAP " + uri + ": the session is not sealed (SSF " + std::to_string(ssf) +
                    "); refusing to read policy over it");
    char *authzid = nullptr;
    if (ldap_get_option(ld, LDAP_OPT_X_SASL_USERNAME, &authzid) == LDAP_OPT_SUCCESS && authzid != nullptr) {
        session.authzid_ = authzid;
        ldap_memfree(authzid);
    }
    return session;
}

Result<void> LdapSession::verifyDomainController(const std::string &baseDn)
{
    // 8192 = SERVER_TRUST_ACCOUNT, 67108864 = PARTIAL_SECRETS_ACCOUNT (MS-ADTS 2.2.16); 1.2.840.113556.1.4.803
    // is the bitwise AND matching rule.
    const std::string escaped = core::ldapFilterEscape(host_);
    // servicePrincipalName is indexed (dNSHostName is not): the one account that holds the key this
    // session was bound with, which must also bear the name SMB will use (cifs/<host>).
    const LdapSearch search{baseDn,
                            LdapSearch::Scope::Subtree,
                            "(&(servicePrincipalName=ldap/" + escaped + ")(dNSHostName=" + escaped +
                                ")(|(userAccountControl:1.2.840.113556.1.4.803:=8192)"
                                "(userAccountControl:1.2.840.113556.1.4.803:=67108864)))",
                            {"dNSHostName"},
                            false};
    const std::size_t searches = searches_;
    const std::size_t roundTrips = roundTrips_;
    auto found = searchBatch({search});
    searches_ = searches;
    roundTrips_ = roundTrips;
    ++dcChecks_;
    if (!found)
        return fail("cannot ask the directory whether " + host_ + " is a domain controller: " + found.error().message);
    if (found->front().empty())
        return fail("the directory has no domain controller named " + host_ +
                    " (no account with servicePrincipalName ldap/" + host_ +
                    ", that dNSHostName and SERVER_TRUST_ACCOUNT or PARTIAL_SECRETS_ACCOUNT)");
    return {};
}

Result<std::vector<std::vector<LdapEntry>>> LdapSession::searchBatch(const std::vector<LdapSearch> &searches)
{
    LDAP *ld = handle_->ld;
    std::vector<int> ids;
    struct timeval tv {
        static_cast<time_t>(timeout_.count()), 0
    };
    // SD flags control (MS-ADTS 3.1.1.3.4.1.11): OWNER|GROUP|DACL = 7, BER SEQUENCE { INTEGER 7 }.
    char sdFlagsValue[] = {0x30, 0x03, 0x02, 0x01, 0x07};
    char sdFlagsOid[] = "1.2.840.113556.1.4.801";
    LDAPControl sdFlags{sdFlagsOid, {sizeof sdFlagsValue, sdFlagsValue}, 1};
    LDAPControl *withSd[] = {&sdFlags, nullptr};
    for (const auto &search : searches) {
        std::vector<char *> attrs;
        for (const auto &a : search.attributes)
            attrs.push_back(const_cast<char *>(a.c_str()));
        attrs.push_back(nullptr);
        const int scope = search.scope == LdapSearch::Scope::Base       ? LDAP_SCOPE_BASE
                          : search.scope == LdapSearch::Scope::OneLevel ? LDAP_SCOPE_ONELEVEL
                                                                        : LDAP_SCOPE_SUBTREE;
        int id = 0;
        const int rc = ldap_search_ext(ld, search.base.c_str(), scope, search.filter.c_str(), attrs.data(), 0,
                                       search.securityDescriptor ? withSd : nullptr, nullptr, &tv,
                                       static_cast<int>(kMaxEntriesPerSearch), &id);
        if (rc != LDAP_SUCCESS) {
            for (int sent : ids)
                ldap_abandon_ext(ld, sent, nullptr, nullptr);
            return fail("LDAP search of " + search.base + " " + search.filter + ": " + diagnostic(ld, rc));
        }
        ids.push_back(id);
        ++searches_;
    }
    ++roundTrips_;
    std::vector<std::vector<LdapEntry>> results(searches.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        bool done = false;
        while (!done) {
            LDAPMessage *received = nullptr;
            const int type = ldap_result(ld, ids[i], LDAP_MSG_ONE, &tv, &received);
            const Message message(received);
            if (type <= 0) {
                for (std::size_t j = i; j < ids.size(); ++j)
                    ldap_abandon_ext(ld, ids[j], nullptr, nullptr);
                return fail("LDAP search of " + searches[i].base + ": " +
                            (type == 0 ? std::string("no answer within ") + std::to_string(timeout_.count()) + " s"
                                       : diagnostic(ld, type)));
            }
            if (type == LDAP_RES_SEARCH_ENTRY) {
                if (results[i].size() >= kMaxEntriesPerSearch) {
                    for (std::size_t j = i; j < ids.size(); ++j)
                        ldap_abandon_ext(ld, ids[j], nullptr, nullptr);
                    return fail("LDAP search of " + searches[i].base + " returned more than " +
                                std::to_string(kMaxEntriesPerSearch) + " entries");
                }
                LdapEntry entry;
                if (const LdapText dn{ldap_get_dn(ld, message.get())})
                    entry.dn = dn.get();
                BerElement *position = nullptr;
                LdapText name{ldap_first_attribute(ld, message.get(), &position)};
                const Ber ber(position);
                for (; name != nullptr; name.reset(ldap_next_attribute(ld, message.get(), ber.get()))) {
                    auto &values = entry.attributes[lower(name.get())];
                    const Values vals{ldap_get_values_len(ld, message.get(), name.get())};
                    if (!vals)
                        continue;
                    for (int v = 0; vals.get()[v] != nullptr; ++v) {
                        const berval *value = vals.get()[v];
                        if (value->bv_len > kMaxValueSize) {
                            for (std::size_t j = i; j < ids.size(); ++j)
                                ldap_abandon_ext(ld, ids[j], nullptr, nullptr);
                            return fail("LDAP: attribute " + std::string(name.get()) + " of " + entry.dn +
                                        " is larger than 1 MiB");
                        }
                        values.emplace_back(value->bv_val, value->bv_len);
                    }
                }
                results[i].push_back(std::move(entry));
            } else if (type == LDAP_RES_SEARCH_RESULT) {
                int code = LDAP_SUCCESS;
                char *matchedText = nullptr;
                char *diagnosticText = nullptr;
                ldap_parse_result(ld, message.get(), &code, &matchedText, &diagnosticText, nullptr, nullptr, 0);
                const LdapText matched(matchedText);
                const LdapText text(diagnosticText);
                const std::string detail = text && *text ? std::string(" (") + text.get() + ")" : std::string();
                done = true;
                // noSuchObject for a base search means "not there": an empty answer, not a failure.
                if (code != LDAP_SUCCESS && code != LDAP_NO_SUCH_OBJECT) {
                    for (std::size_t j = i + 1; j < ids.size(); ++j)
                        ldap_abandon_ext(ld, ids[j], nullptr, nullptr);
                    return fail("LDAP search of " + searches[i].base + " " + searches[i].filter + ": " +
                                ldap_err2string(code) + detail);
                }
            }
        }
    }
    return results;
}

} // namespace gpaudit::domain
