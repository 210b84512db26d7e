// SPDX-License-Identifier: GPL-2.0-or-later
// The machine's Kerberos ticket from its keytab (MIT libkrb5), in a private FILE: ccache: libsmbclient
// uses Samba's bundled Heimdal, which cannot see an MIT MEMORY: ccache (lab.md).
#pragma once

#include "core/base/result.hxx"

#include <chrono>
#include <memory>
#include <string>

namespace gpaudit::domain {

struct MachineTicket {
    std::string principal; // LINUX1$@GPA.TEST
    std::string ccache;    // FILE:/var/lib/gpauditd/krb5cc
    std::chrono::system_clock::time_point expires;
    bool renewed = false; // a new TGT was obtained by this call
    // The DC that issued this TGT and proved it is one when it did (keepProof); empty: a TGT from the
    // keytab by libkrb5's own KDC lookup, or no record: the next LDAP bind makes the proof.
    std::string provenHost;
    std::string provenAddress;
};

// The machine's FILE: ccache in the state directory ("FILE:/var/lib/gpauditd/krb5cc"): where
// ensureMachineTicket(stateDir + "/krb5cc") writes, and what the programs point KRB5CCNAME at, once at
// start, for libsmbclient (smb.hxx says why the environment).
std::string machineCcacheName(const std::string &stateDir);

// Reuses the ccache's TGT while it is valid for more than `margin` (with the proven DC recorded with
// it, if any); otherwise gets a new one with the keytab (written to a temporary ccache and renamed over
// the old one, so no reader sees half a file, and with no proof recorded).
// libldap binds with a DC proof's MEMORY: ccache (LdapSession::connect); libsmbclient reads this
// file through KRB5CCNAME (machineCcacheName).
Result<MachineTicket> ensureMachineTicket(const std::string &keytab, const std::string &principal,
                                          const std::string &ccachePath, std::chrono::seconds margin,
                                          const std::string &krb5Config);

// Every function here takes `krb5Config`, the host's Kerberos configuration files as libkrb5 reads them
// (Identity::krb5Config: $KRB5_CONFIG or /etc/krb5.conf; identity is the one reader of the environment in
// lib/domain): the libkrb5 context is made from those files plus a memory file that turns SPAKE
// pre-authentication off. Empty: libkrb5's own configuration, as it finds it.

// libkrb5's default realm (krb5_get_default_realm): krb5.conf's [libdefaults] default_realm with its
// include/includedir directives and KRB5_CONFIG honoured, as every other Kerberos client on the host
// sees it. An error when libkrb5 has none (no krb5.conf, no default_realm) or cannot read its profile.
Result<std::string> defaultRealm(const std::string &krb5Config);

// A domain controller proves it is one by answering an AS exchange (RFC 4120 3.1.5: the client decrypts) for the
// machine account, sent to that host's address and nowhere else: the AS-REP's encrypted part is sealed
// with the machine account's key, which only the domain's KDCs hold, and libkrb5 refuses a reply that
// does not decrypt with the keytab's key or does not carry the request's nonce. A computer account some
// user created (MachineAccountQuota), with an ldap/ SPN and a DNS record, cannot produce it. What it
// does not rule out: a host that relays port 88 to a real KDC (README, "Is the DC a DC?"); the pin list
// (dc_pin) and the directory check after the bind (LdapSession::connect) are for that.
struct DcProof {
    std::string host;    // the name given (the SPN host for LDAP and SMB)
    std::string address; // the numeric address that answered; LDAP connects to it and to nothing else
    std::string ccache;  // MEMORY:... holding the TGT this DC issued; destroyed with the last copy
    std::chrono::system_clock::time_point expires;
    bool tcp = false;             // the exchange went over TCP (the reply was too big for UDP, or UDP failed)
    std::shared_ptr<void> holder; // destroys the MEMORY ccache
};

// Resolves `host` (at most 8 addresses, in getaddrinfo's order) and, for each address until one
// succeeds, runs the AS exchange with the keytab's key on port 88 (UDP for the first request, TCP for
// the pre-authenticated one and whenever UDP fails), within `timeout` (ldap_timeout) per address. The
// error says what each address did ("UDP: Connection refused, TCP: Connection refused", "Invalid message
// type", "UDP: no answer within 667 ms (a third of ldap_timeout), TCP: no answer within the rest of
// ldap_timeout (2 s)", ...).
Result<DcProof> proveDomainController(const std::string &keytab, const std::string &principal, const std::string &host,
                                      std::chrono::milliseconds timeout, const std::string &krb5Config);

// Keeps a DC's proof for the life of the TGT it produced ("Is the DC a DC?" in README.md): the proof's
// MEMORY ccache (that DC's TGT and the service tickets of the LDAP bind made with it) is copied into a
// new FILE ccache at ccachePath (0600 in the 0700 state directory, written aside and renamed over the
// old one) together with a configuration entry naming the DC and that TGT's authtime. Call it only
// once the proof is complete (the AS exchange, the sealed bind to the same address and the directory's
// DC check). Why this keeps the guarantee:
//  - the recorded TGT is the one the proven KDC issued; it is read back only by the machine's own
//    processes (root, 0600), and the record names it (authtime), so it describes no other TGT;
//  - a new TGT is a new file with no record (ensureMachineTicket, or a failed reuse): the next bind
//    proves again, so a proof never outlives the ticket it was made with (10 hours in AD);
//  - a process that trusts the record binds to the recorded address and SPN host with the kept
//    ldap/<host> service ticket: GSSAPI mutual authentication shows that the server holds the key of
//    the account the directory check named a DC (AD keeps an SPN on one account), and the session is
//    sealed (SSF >= 56) before any search; an address taken over by another host fails that bind.
// Returns the ticket now in the file (its expiry, renewed = true, the proven DC).
Result<MachineTicket> keepProof(const DcProof &proof, const std::string &principal, const std::string &ccachePath,
                                const std::string &krb5Config);

} // namespace gpaudit::domain
