// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel's AUDIT_CONFIG_CHANGE record as gpauditd's drift watch reads it (core/linux/config_change).
#include "core/linux/config_change.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

TEST_CASE("CONFIG_CHANGE: the fields of a rule removal")
{
    // As the kernel sends it on the multicast group (no "type=" prefix; audit_log_rule_change).
    const std::string text = "audit(1733100000.123:456): auid=1000 ses=3 subj=unconfined op=remove_rule "
                             "key=\"gpaudit:process-creation\" list=4 res=1";
    const auto change = parseConfigChange(text);
    CHECK(change.op == "remove_rule");
    CHECK(change.auid == "1000");
    CHECK(change.ses == "3");
    CHECK(change.key == "gpaudit:process-creation");
    CHECK(change.text == text);
}

TEST_CASE("CONFIG_CHANGE: unset auid, hex key, (null) key, missing fields")
{
    auto change = parseConfigChange("audit(1.2:3): auid=4294967295 ses=4294967295 op=add_rule "
                                    "key=6770617564697401666173742D70617468 list=4 res=1");
    CHECK(change.auid == "4294967295");
    CHECK(change.key == "6770617564697401666173742D70617468");
    CHECK(parseConfigChange("audit(1.2:3): op=add_rule key=(null) list=4 res=1").key == "(null)");
    change = parseConfigChange("audit(1.2:3): audit_enabled=0 old=1 auid=0 ses=1 res=1");
    CHECK(change.op.empty());
    CHECK(change.key.empty());
    CHECK(change.auid == "0");
    CHECK(parseConfigChange("").op.empty());
}

TEST_CASE("CONFIG_CHANGE: a quoted key holding ' op=' does not fool the fields after it")
{
    // The key is whoever loaded the rule's text: it must not be read as the record's own fields.
    const auto change = parseConfigChange("audit(1.2:3): auid=0 ses=1 key=\"x op=set auid=7\" op=remove_rule list=4");
    CHECK(change.key == "x op=set auid=7");
    CHECK(change.op == "remove_rule");
    CHECK(change.auid == "0");
    // The first field of a name counts; an unterminated quote runs to the end.
    CHECK(parseConfigChange("op=add_rule op=remove_rule").op == "add_rule");
    CHECK(parseConfigChange("auid=0 key=\"open ended").key == "open ended");
    // Tokens without '=' and empty values.
    const auto odd = parseConfigChange("  junk op= auid ses=2  ");
    CHECK(odd.op.empty());
    CHECK(odd.auid.empty());
    CHECK(odd.ses == "2");
}
