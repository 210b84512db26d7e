// SPDX-License-Identifier: GPL-2.0-or-later
#include "kerberos.hxx"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <krb5.h>
#include <optional>
#include <unistd.h>

namespace gpaudit::domain {

namespace {

class Context {
  public:
    Context() { failed_ = krb5_init_context(&context_); }
    ~Context()
    {
        if (failed_ == 0)
            krb5_free_context(context_);
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
    krb5_context context_ = nullptr;
    krb5_error_code failed_ = 0;
};

// The TGT's end time in the ccache, when it holds `client`'s krbtgt/REALM ticket.
std::optional<std::chrono::system_clock::time_point> validTgt(const Context &k, const std::string &ccachePath,
                                                              krb5_principal client)
{
    if (::access(ccachePath.c_str(), R_OK) != 0)
        return std::nullopt;
    krb5_ccache cc = nullptr;
    if (krb5_cc_resolve(k.get(), ("FILE:" + ccachePath).c_str(), &cc) != 0)
        return std::nullopt;
    std::optional<std::chrono::system_clock::time_point> out;
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
                    out = std::chrono::system_clock::from_time_t(static_cast<time_t>(creds.times.endtime));
                    krb5_free_cred_contents(k.get(), &creds);
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

Result<MachineTicket> ensureMachineTicket(const std::string &keytab, const std::string &principal,
                                          const std::string &ccachePath, std::chrono::seconds margin)
{
    Context k;
    if (k.failed())
        return fail("Kerberos: cannot initialise libkrb5 (error " + std::to_string(k.failed()) +
                    "; is KRB5_CONFIG or /etc/krb5.conf readable?)");
    MachineTicket ticket{principal, "FILE:" + ccachePath, {}, false};
    krb5_principal client = nullptr;
    if (auto rc = krb5_parse_name(k.get(), principal.c_str(), &client))
        return fail("Kerberos: bad principal \"" + principal + "\": " + k.message(rc));
    if (auto end = validTgt(k, ccachePath, client); end && *end - std::chrono::system_clock::now() > margin) {
        krb5_free_principal(k.get(), client);
        ticket.expires = *end;
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

} // namespace gpaudit::domain
