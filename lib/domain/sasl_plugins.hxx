// SPDX-License-Identifier: GPL-2.0-or-later
// Cyrus SASL, as libldap initialises it, loads every plugin of its folder (DIGEST-MD5, SCRAM, NTLM and
// OTP with libcrypto, sasldb with Berkeley DB, ...): about a MiB of a long-running process's memory for
// mechanisms gpaudit never uses (the bind is GSSAPI, ldap.hxx). onlyGssapiSasl() initialises the SASL
// client first, with a plugin check that admits the GSSAPI plugin alone; libldap's own initialisation
// then finds SASL initialised (and keeps its default, single-threaded locks: a session is used by one
// thread at a time). Call it before the first libldap call of the process; later calls do nothing.
#pragma once

namespace gpaudit::domain {

void onlyGssapiSasl();

} // namespace gpaudit::domain
