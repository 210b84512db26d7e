// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel's AUDIT_CONFIG_CHANGE record (who changed the audit rules), as text: what gpauditd's drift
// watch reads from the audit multicast group (lib/kernel/config_watch). Pure: the adapter feeds the text.
#pragma once

#include <string>
#include <string_view>

namespace gpaudit::core {

struct ConfigChange {
    std::string op;   // add_rule, remove_rule, set...
    std::string auid; // login uid of the process that did it ("4294967295": none)
    std::string ses;
    std::string key; // as the record gives it (hex when the key has several parts)
    std::string text;
};

// Parses the text of one record ("audit(1.2:3): auid=0 ses=1 op=remove_rule key=... list=4 res=1"):
// space-separated name=value fields, a value in double quotes kept whole (spaces and "name=" inside it
// are the value's, not fields); the first field of a name counts. Missing fields are empty.
ConfigChange parseConfigChange(std::string_view text);

} // namespace gpaudit::core
