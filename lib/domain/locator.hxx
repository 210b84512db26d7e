// SPDX-License-Identifier: GPL-2.0-or-later
// DC locator over DNS (MS-ADTS 6.3.6): SRV records of the site first, then of the whole domain.
#pragma once

#include "core/base/result.hxx"

#include <string>
#include <vector>

namespace gpaudit::domain {

struct SrvTarget {
    std::string host;
    unsigned priority = 0;
    unsigned weight = 0;
    unsigned port = 0;
};

// _ldap._tcp.<site>._sites.dc._msdcs.<domain> (when site is not empty), then _ldap._tcp.dc._msdcs.<domain>;
// each list ordered by priority, then weight (highest first). Duplicates dropped. An error only when
// neither lookup gives a DC.
Result<std::vector<std::string>> locateDomainControllers(const std::string &dnsDomain, const std::string &site);

} // namespace gpaudit::domain
