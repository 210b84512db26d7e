// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/kerberos.hxx"

#include "host/files/unique_fd.hxx"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <krb5.h>
#include <netdb.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <profile.h>  // profile_init_path: libkrb5's own configuration API
#include <sys/mman.h> // memfd_create
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace gpaudit::domain {

namespace {

// The host's Kerberos configuration with SPAKE pre-authentication left out ([plugins] clpreauth, disable
// = spake): Active Directory does not offer it (MS-KILE 3.1.5.2: encrypted timestamp, FAST, PKINIT), and
// its module loads libcrypto, about 0.7 MiB of a long-running gpauditd's memory (Pss).
// The host's files are never changed: the relation is a second configuration file after them (KRB5_CONFIG
// or /etc/krb5.conf, as libkrb5 reads them; "disable" values add up across files), an anonymous
// memory file named /proc/self/fd/N that stays open as long as the context (libkrb5 looks at its files
// again while it runs). (Adding the relation to the profile in memory, as before, made libkrb5 write the
// host's krb5.conf back with it when the profile was released, one more line per context, as root.)
// `krb5Config` is the host's file list (Identity::krb5Config, read from the environment by identity, the
// one reader of it in lib/domain). When it is empty or the relation cannot be added, the configuration is
// used as libkrb5 finds it.
krb5_error_code initContext(const std::string &krb5Config, krb5_context *out, host::UniqueFd &spakeOff)
{
    static constexpr char kSnippet[] = "[plugins]\n\tclpreauth = {\n\t\tdisable = spake\n\t}\n";
    host::UniqueFd fd(krb5Config.empty() ? -1 : ::memfd_create("gpaudit-krb5-conf", MFD_CLOEXEC));
    if (fd && ::write(fd.get(), kSnippet, sizeof kSnippet - 1) == static_cast<ssize_t>(sizeof kSnippet - 1)) {
        const std::string path = krb5Config + ":/proc/self/fd/" + std::to_string(fd.get());
        profile_t profile = nullptr;
        if (profile_init_path(path.c_str(), &profile) == 0) {
            krb5_context tuned = nullptr;
            const krb5_error_code rc = krb5_init_context_profile(profile, 0, &tuned);
            profile_release(profile); // nothing modified: nothing written
            if (rc == 0) {
                *out = tuned;
                spakeOff = std::move(fd);
                return 0;
            }
        }
    }
    return krb5_init_context(out);
}

class Context {
  public:
    explicit Context(const std::string &krb5Config) { failed_ = initContext(krb5Config, &context_, spakeOff_); }
    ~Context()
    {
        if (failed_ == 0)
            krb5_free_context(context_); // before spakeOff_ closes
    }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;
    krb5_context get() const { return context_; }
    krb5_error_code failed() const { return failed_; }
    std::string message(krb5_error_code code) const
    {
        const char *text = krb5_get_error_message(context_, code);
        std::string out = text ? text : "unknown Kerberos error";
        krb5_free_error_message(context_, text);
        return out;
    }

  private:
    host::UniqueFd spakeOff_; // the configuration file the context reads (initContext)
    krb5_context context_ = nullptr;
    krb5_error_code failed_ = 0;
};

// The ccache's entry naming the DC that issued its TGT (keepProof): "<host> <address> <authtime>".
constexpr const char *kProofKey = "gpaudit-dc-proof";
constexpr std::size_t kMaxProofEntry = 512;

// The TGT of `client` in a ccache: its end and auth times, and the proven DC recorded with it.
struct CachedTgt {
    std::chrono::system_clock::time_point expires;
    std::int64_t authtime = 0;
    std::string provenHost;
    std::string provenAddress;
};

// The DC recorded in the ccache by keepProof, when its entry is well formed and names this TGT
// (the same authtime): "<host> <address> <authtime>", a host name of letters, digits, '-' and '.', a
// numeric IPv4 or IPv6 address. Anything else is no record (the next sync proves again).
void readProof(const Context &k, krb5_ccache cc, CachedTgt &tgt)
{
    krb5_data data{};
    if (krb5_cc_get_config(k.get(), cc, nullptr, kProofKey, &data) != 0)
        return;
    const std::string value = data.length <= kMaxProofEntry ? std::string(data.data, data.length) : std::string();
    krb5_free_data_contents(k.get(), &data);
    const auto first = value.find(' ');
    const auto second = first == std::string::npos ? std::string::npos : value.find(' ', first + 1);
    if (second == std::string::npos)
        return;
    const std::string host = value.substr(0, first);
    const std::string address = value.substr(first + 1, second - first - 1);
    const std::string authtime = value.substr(second + 1);
    const bool hostOk = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
    unsigned char raw[sizeof(in6_addr)];
    const bool addressOk = address.size() < INET6_ADDRSTRLEN && (::inet_pton(AF_INET, address.c_str(), raw) == 1 ||
                                                                 ::inet_pton(AF_INET6, address.c_str(), raw) == 1);
    if (!hostOk || !addressOk || authtime != std::to_string(tgt.authtime))
        return;
    tgt.provenHost = host;
    tgt.provenAddress = address;
}

std::optional<CachedTgt> validTgt(const Context &k, const std::string &ccachePath, krb5_principal client)
{
    if (::access(ccachePath.c_str(), R_OK) != 0)
        return std::nullopt;
    krb5_ccache cc = nullptr;
    if (krb5_cc_resolve(k.get(), ("FILE:" + ccachePath).c_str(), &cc) != 0)
        return std::nullopt;
    std::optional<CachedTgt> out;
    krb5_principal holder = nullptr;
    if (krb5_cc_get_principal(k.get(), cc, &holder) == 0) {
        if (krb5_principal_compare(k.get(), holder, client)) {
            krb5_principal tgs = nullptr;
            const krb5_data *realm = krb5_princ_realm(k.get(), client);
            if (krb5_build_principal_ext(k.get(), &tgs, realm->length, realm->data, KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                         realm->length, realm->data, 0) == 0) {
                krb5_creds match{};
                krb5_creds creds{};
                match.client = client;
                match.server = tgs;
                if (krb5_cc_retrieve_cred(k.get(), cc, 0, &match, &creds) == 0) {
                    CachedTgt tgt;
                    tgt.expires = std::chrono::system_clock::from_time_t(static_cast<time_t>(creds.times.endtime));
                    tgt.authtime = creds.times.authtime;
                    krb5_free_cred_contents(k.get(), &creds);
                    readProof(k, cc, tgt);
                    out = std::move(tgt);
                }
                krb5_free_principal(k.get(), tgs);
            }
        }
        krb5_free_principal(k.get(), holder);
    }
    krb5_cc_close(k.get(), cc);
    return out;
}

} // namespace

Result<std::string> defaultRealm(const std::string &krb5Config)
{
    const Context k(krb5Config);
    if (k.failed() != 0)
        return fail("Kerberos: cannot read the configuration (krb5_init_context): " + k.message(k.failed()));
    char *realm = nullptr;
    if (const krb5_error_code rc = krb5_get_default_realm(k.get(), &realm); rc != 0)
        return fail("Kerberos: no default realm: " + k.message(rc));
    std::string out = realm;
    krb5_free_default_realm(k.get(), realm);
    if (out.empty() || out.size() > 255)
        return fail("Kerberos: the default realm is empty or longer than 255 bytes");
    return out;
}

namespace {

using Steady = std::chrono::steady_clock;

constexpr std::size_t kMaxKdcReply = 1 << 20; // an AS-REP with a PAC is a few KiB
constexpr std::size_t kMaxAddresses = 8;

// Rounded up: poll's timeout is whole milliseconds and its timer may fire at the early end of its slack
// (more often on a busy machine), so a timeout rounded down could end the wait before the deadline.
int remainingMs(Steady::time_point deadline)
{
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Steady::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// "2 s", "1500 ms": a time limit as the error names it.
std::string limitText(std::chrono::milliseconds limit)
{
    return limit.count() % 1000 == 0 ? std::to_string(limit.count() / 1000) + " s"
                                     : std::to_string(limit.count()) + " ms";
}

// Waits for `events` on fd until the deadline; false on timeout (errno ETIMEDOUT: the deadline has
// passed) or error (errno set).
bool waitFor(int fd, short events, Steady::time_point deadline)
{
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remainingMs(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = ETIMEDOUT;
        return n > 0;
    }
}

std::string addressText(const sockaddr *address)
{
    char text[INET6_ADDRSTRLEN] = {};
    const void *raw = address->sa_family == AF_INET6
                          ? static_cast<const void *>(&reinterpret_cast<const sockaddr_in6 *>(address)->sin6_addr)
                          : static_cast<const void *>(&reinterpret_cast<const sockaddr_in *>(address)->sin_addr);
    ::inet_ntop(address->sa_family, raw, text, sizeof text);
    return text;
}

// One request, one reply over UDP (RFC 4120 7.2.1). A connected socket: an ICMP "port unreachable"
// ends the wait at once (ECONNREFUSED), and a datagram from any other source is not delivered. Silence
// until the deadline: "UDP: no answer within N ms" (N: the time it was given).
Result<std::string> sendUdp(const sockaddr *address, socklen_t length, const krb5_data &request,
                            Steady::time_point deadline)
{
    const std::string given = std::to_string(remainingMs(deadline)) + " ms";
    const host::UniqueFd s(::socket(address->sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s || ::connect(s.get(), address, length) != 0)
        return fail(std::string("UDP: ") + std::strerror(errno));
    if (::send(s.get(), request.data, request.length, MSG_NOSIGNAL) != static_cast<ssize_t>(request.length))
        return fail(std::string("UDP: ") + std::strerror(errno));
    std::string reply(65536, '\0');
    for (;;) {
        if (!waitFor(s.get(), POLLIN, deadline))
            return fail(errno == ETIMEDOUT ? "UDP: no answer within " + given + " (a third of ldap_timeout)"
                                           : std::string("UDP: ") + std::strerror(errno));
        const ssize_t n = ::recv(s.get(), reply.data(), reply.size(), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return fail(std::string("UDP: ") + (n == 0 ? "empty datagram" : std::strerror(errno)));
        reply.resize(static_cast<std::size_t>(n));
        return reply;
    }
}

bool writeAllBy(int fd, const char *data, std::size_t size, Steady::time_point deadline)
{
    while (size > 0) {
        if (!waitFor(fd, POLLOUT, deadline))
            return false;
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool readAllBy(int fd, char *data, std::size_t size, Steady::time_point deadline)
{
    while (size > 0) {
        if (!waitFor(fd, POLLIN, deadline))
            return false;
        const ssize_t n = ::recv(fd, data, size, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ECONNRESET;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// RFC 4120 7.2.2: each message preceded by its length in 4 bytes, big-endian (high bit reserved, 0).
// `limit` names the time limit that sets the deadline ("ldap_timeout (2 s)"): silence until then is
// "TCP: no answer within the rest of <limit>", an error before it is the error's own text.
Result<std::string> sendTcp(const sockaddr *address, socklen_t length, const krb5_data &request,
                            Steady::time_point deadline, const std::string &limit)
{
    const auto failed = [&limit](const char *silence) {
        return fail(errno == ETIMEDOUT ? std::string("TCP: ") + silence + " within the rest of " + limit
                                       : std::string("TCP: ") + std::strerror(errno));
    };
    const host::UniqueFd s(::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s)
        return fail(std::string("TCP: ") + std::strerror(errno));
    if (::connect(s.get(), address, length) != 0) {
        if (errno != EINPROGRESS)
            return fail(std::string("TCP: ") + std::strerror(errno));
        if (!waitFor(s.get(), POLLOUT, deadline))
            return failed("no answer");
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0)
            return fail(std::string("TCP: ") + std::strerror(error));
    }
    std::string message(4, '\0');
    for (int i = 0; i < 4; ++i)
        message[static_cast<std::size_t>(i)] = static_cast<char>((request.length >> (24 - 8 * i)) & 0xff);
    message.append(request.data, request.length);
    if (!writeAllBy(s.get(), message.data(), message.size(), deadline))
        return failed("no answer");
    unsigned char header[4];
    if (!readAllBy(s.get(), reinterpret_cast<char *>(header), sizeof header, deadline))
        return failed("no answer");
    const std::uint32_t size = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                               (std::uint32_t{header[2]} << 8) | header[3];
    if (size == 0 || size > kMaxKdcReply)
        return fail("TCP: a reply of " + std::to_string(size) + " bytes is not a Kerberos message");
    std::string reply(size, '\0');
    if (!readAllBy(s.get(), reply.data(), size, deadline))
        return failed("no full answer");
    return reply;
}

struct ProofState {
    krb5_context context = nullptr;
    krb5_principal client = nullptr;
    krb5_keytab keytab = nullptr;
    krb5_get_init_creds_opt *options = nullptr;
    ~ProofState()
    {
        if (options != nullptr)
            krb5_get_init_creds_opt_free(context, options);
        if (keytab != nullptr)
            krb5_kt_close(context, keytab);
        if (client != nullptr)
            krb5_free_principal(context, client);
    }
};

// The AS exchange with one address, by the deadline that `limit` names. Returns the credentials (the
// caller frees them).
Result<krb5_creds> asExchange(const Context &k, ProofState &p, const sockaddr *address, socklen_t length,
                              Steady::time_point deadline, const std::string &limit, bool &usedTcp)
{
    krb5_init_creds_context icc = nullptr;
    if (auto rc = krb5_init_creds_init(k.get(), p.client, nullptr, nullptr, 0, p.options, &icc))
        return fail(k.message(rc));
    struct Closer {
        krb5_context c;
        krb5_init_creds_context i;
        ~Closer() { krb5_init_creds_free(c, i); }
    } closer{k.get(), icc};
    if (auto rc = krb5_init_creds_set_keytab(k.get(), icc, p.keytab))
        return fail(k.message(rc));
    krb5_data reply{};
    std::string replyBytes;
    bool tcp = false;
    for (int round = 0; round < 8; ++round) { // AS-REQ, preauth required, AS-REQ with PA-ENC-TIMESTAMP: 2 rounds
        krb5_data request{};
        krb5_data realm{};
        unsigned flags = 0;
        krb5_error_code rc = krb5_init_creds_step(k.get(), icc, &reply, &request, &realm, &flags);
        krb5_free_data_contents(k.get(), &realm);
        if (rc == KRB5KRB_ERR_RESPONSE_TOO_BIG && !tcp) {
            tcp = true; // the same request again, over TCP (RFC 4120 7.2.1)
        } else if (rc != 0) {
            krb5_free_data_contents(k.get(), &request);
            return fail(k.message(rc));
        } else if (!(flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE)) {
            krb5_free_data_contents(k.get(), &request);
            krb5_creds creds{};
            if (auto got = krb5_init_creds_get_creds(k.get(), icc, &creds))
                return fail(k.message(got));
            usedTcp = tcp;
            return creds;
        }
        // UDP for the first request only (RFC 4120 7.2.1), whose answer in AD is "pre-authentication
        // required"; the pre-authenticated request goes over TCP: its AS-REP carries a TGT with a PAC,
        // larger than a datagram may be, and over UDP the KDC would build it only to answer
        // KRB_ERR_RESPONSE_TOO_BIG and build it again for TCP.
        if (round > 0)
            tcp = true;
        Result<std::string> answer = fail("");
        if (!tcp) {
            // UDP gets a third of what is left; silence there (a firewall) still leaves TCP its time.
            const auto udpDeadline = Steady::now() + (deadline - Steady::now()) / 3;
            answer = sendUdp(address, length, request, udpDeadline);
            if (!answer) {
                const std::string udpError = answer.error().message;
                tcp = true;
                answer = sendTcp(address, length, request, deadline, limit);
                if (!answer)
                    answer = fail(udpError + ", " + answer.error().message);
            }
        } else {
            answer = sendTcp(address, length, request, deadline, limit);
        }
        krb5_free_data_contents(k.get(), &request);
        if (!answer)
            return tl::unexpected(answer.error());
        replyBytes = std::move(*answer);
        reply.magic = KV5M_DATA;
        reply.data = replyBytes.data();
        reply.length = static_cast<unsigned>(replyBytes.size());
    }
    return fail("the KDC kept asking for more (more than 8 rounds)");
}

} // namespace

Result<DcProof> proveDomainController(const std::string &keytab, const std::string &principal, const std::string &host,
                                      std::chrono::milliseconds timeout, const std::string &krb5Config)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), "88", &hints, &found); rc != 0)
        return fail("cannot resolve " + host + ": " + ::gai_strerror(rc));
    std::vector<std::pair<sockaddr_storage, socklen_t>> addresses;
    for (addrinfo *a = found; a != nullptr && addresses.size() < kMaxAddresses; a = a->ai_next) {
        if (a->ai_addrlen > sizeof(sockaddr_storage) || (a->ai_family != AF_INET && a->ai_family != AF_INET6))
            continue;
        sockaddr_storage storage{};
        std::memcpy(&storage, a->ai_addr, a->ai_addrlen);
        addresses.emplace_back(storage, a->ai_addrlen);
    }
    ::freeaddrinfo(found);
    if (addresses.empty())
        return fail("no IPv4 or IPv6 address for " + host);

    auto k = std::make_shared<Context>(krb5Config);
    if (k->failed())
        return fail("cannot initialise libkrb5 (error " + std::to_string(k->failed()) + ")");
    ProofState p;
    p.context = k->get();
    if (auto rc = krb5_parse_name(k->get(), principal.c_str(), &p.client))
        return fail("bad principal \"" + principal + "\": " + k->message(rc));
    if (auto rc = krb5_kt_resolve(k->get(), ("FILE:" + keytab).c_str(), &p.keytab))
        return fail("cannot open keytab " + keytab + ": " + k->message(rc));
    if (auto rc = krb5_get_init_creds_opt_alloc(k->get(), &p.options))
        return fail(k->message(rc));
    // Each address gets the whole timeout; a step that meets silence says how long it waited, one that
    // fails sooner says why: the text does not depend on how busy the machine was.
    const std::string limit = "ldap_timeout (" + limitText(timeout) + ")";
    std::string errors;
    for (const auto &[storage, length] : addresses) {
        const auto *address = reinterpret_cast<const sockaddr *>(&storage);
        const std::string text = addressText(address);
        bool tcp = false;
        const auto deadline = Steady::now() + timeout;
        auto creds = asExchange(*k, p, address, length, deadline, limit, tcp);
        if (!creds) {
            errors += (errors.empty() ? "" : "; ") + text + " port 88: " + creds.error().message;
            continue;
        }
        krb5_ccache cc = nullptr;
        krb5_error_code rc = krb5_cc_new_unique(k->get(), "MEMORY", nullptr, &cc);
        if (rc == 0 && (rc = krb5_cc_initialize(k->get(), cc, p.client)) == 0)
            rc = krb5_cc_store_cred(k->get(), cc, &*creds);
        DcProof proof;
        proof.host = host;
        proof.address = text;
        proof.tcp = tcp;
        proof.expires = std::chrono::system_clock::from_time_t(static_cast<time_t>(creds->times.endtime));
        krb5_free_cred_contents(k->get(), &*creds);
        if (rc != 0) {
            if (cc != nullptr)
                krb5_cc_destroy(k->get(), cc);
            return fail("cannot keep the ticket in a memory cache: " + k->message(rc));
        }
        proof.ccache = std::string("MEMORY:") + krb5_cc_get_name(k->get(), cc);
        // The context and the cache live as long as the proof: a MEMORY cache is gone once destroyed.
        proof.holder =
            std::shared_ptr<void>(cc, [k](void *cache) { krb5_cc_destroy(k->get(), static_cast<krb5_ccache>(cache)); });
        return proof;
    }
    return fail(errors);
}

std::string machineCcacheName(const std::string &stateDir)
{
    return "FILE:" + stateDir + "/krb5cc";
}

Result<MachineTicket> ensureMachineTicket(const std::string &keytab, const std::string &principal,
                                          const std::string &ccachePath, std::chrono::seconds margin,
                                          const std::string &krb5Config)
{
    Context k(krb5Config);
    if (k.failed())
        return fail("Kerberos: cannot initialise libkrb5 (error " + std::to_string(k.failed()) +
                    "; is KRB5_CONFIG or /etc/krb5.conf readable?)");
    MachineTicket ticket{principal, "FILE:" + ccachePath, {}, false, {}, {}};
    krb5_principal client = nullptr;
    if (auto rc = krb5_parse_name(k.get(), principal.c_str(), &client))
        return fail("Kerberos: bad principal \"" + principal + "\": " + k.message(rc));
    if (auto tgt = validTgt(k, ccachePath, client); tgt && tgt->expires - std::chrono::system_clock::now() > margin) {
        krb5_free_principal(k.get(), client);
        ticket.expires = tgt->expires;
        ticket.provenHost = std::move(tgt->provenHost);
        ticket.provenAddress = std::move(tgt->provenAddress);
        return ticket;
    }
    krb5_keytab kt = nullptr;
    krb5_creds creds{};
    krb5_ccache cc = nullptr;
    const std::string temporary = ccachePath + ".new";
    std::string error;
    krb5_error_code rc = krb5_kt_resolve(k.get(), ("FILE:" + keytab).c_str(), &kt);
    if (rc != 0) {
        error = "cannot open keytab " + keytab + ": " + k.message(rc);
    } else if ((rc = krb5_get_init_creds_keytab(k.get(), &creds, client, kt, 0, nullptr, nullptr)) != 0) {
        error = "cannot get a ticket for " + principal + " with keytab " + keytab + ": " + k.message(rc);
    } else {
        ::unlink(temporary.c_str());
        if ((rc = krb5_cc_resolve(k.get(), ("FILE:" + temporary).c_str(), &cc)) != 0 ||
            (rc = krb5_cc_initialize(k.get(), cc, client)) != 0 || (rc = krb5_cc_store_cred(k.get(), cc, &creds)) != 0)
            error = "cannot write the ticket cache " + temporary + ": " + k.message(rc);
        ticket.expires = std::chrono::system_clock::from_time_t(static_cast<time_t>(creds.times.endtime));
    }
    if (cc != nullptr)
        krb5_cc_close(k.get(), cc);
    if (creds.client != nullptr)
        krb5_free_cred_contents(k.get(), &creds);
    if (kt != nullptr)
        krb5_kt_close(k.get(), kt);
    krb5_free_principal(k.get(), client);
    if (!error.empty()) {
        ::unlink(temporary.c_str());
        return fail("Kerberos: " + error);
    }
    if (std::rename(temporary.c_str(), ccachePath.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        return fail("Kerberos: cannot rename " + temporary + ": " + std::strerror(saved));
    }
    ticket.renewed = true;
    return ticket;
}

Result<MachineTicket> keepProof(const DcProof &proof, const std::string &principal, const std::string &ccachePath,
                                const std::string &krb5Config)
{
    Context k(krb5Config);
    if (k.failed())
        return fail("Kerberos: cannot initialise libkrb5 (error " + std::to_string(k.failed()) + ")");
    krb5_principal client = nullptr;
    if (auto rc = krb5_parse_name(k.get(), principal.c_str(), &client))
        return fail("Kerberos: bad principal \"" + principal + "\": " + k.message(rc));
    const std::unique_ptr<krb5_principal_data, std::function<void(krb5_principal)>> clientOwner(
        client, [&k](krb5_principal p) { krb5_free_principal(k.get(), p); });
    krb5_ccache memory = nullptr;
    if (auto rc = krb5_cc_resolve(k.get(), proof.ccache.c_str(), &memory))
        return fail("Kerberos: the proof's ticket cache is gone: " + k.message(rc));
    const std::string temporary = ccachePath + ".new";
    ::unlink(temporary.c_str());
    krb5_ccache file = nullptr;
    std::string error;
    krb5_error_code rc = krb5_cc_resolve(k.get(), ("FILE:" + temporary).c_str(), &file);
    if (rc == 0)
        rc = krb5_cc_initialize(k.get(), file, client);
    if (rc == 0)
        rc = krb5_cc_copy_creds(k.get(), memory, file); // the TGT and the service tickets of the bind
    krb5_cc_close(k.get(), memory);
    std::optional<CachedTgt> tgt;
    if (rc != 0) {
        error = k.message(rc);
    } else {
        krb5_cc_close(k.get(), file);
        file = nullptr;
        tgt = validTgt(k, temporary, client);
        if (!tgt) {
            error = "no TGT in the proof's cache";
        } else {
            const std::string value = proof.host + " " + proof.address + " " + std::to_string(tgt->authtime);
            krb5_data data{KV5M_DATA, static_cast<unsigned>(value.size()), const_cast<char *>(value.data())};
            if ((rc = krb5_cc_resolve(k.get(), ("FILE:" + temporary).c_str(), &file)) != 0 ||
                (rc = krb5_cc_set_config(k.get(), file, nullptr, kProofKey, &data)) != 0)
                error = k.message(rc);
        }
    }
    if (file != nullptr)
        krb5_cc_close(k.get(), file);
    if (!error.empty()) {
        ::unlink(temporary.c_str());
        return fail("Kerberos: cannot write the ticket cache " + temporary + ": " + error);
    }
    if (std::rename(temporary.c_str(), ccachePath.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        return fail("Kerberos: cannot rename " + temporary + ": " + std::strerror(saved));
    }
    MachineTicket ticket{principal, "FILE:" + ccachePath, tgt->expires, true, proof.host, proof.address};
    return ticket;
}

} // namespace gpaudit::domain
