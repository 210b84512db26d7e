// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of the domain client: DNs, filter escaping, binary SIDs, the LDAP ping answer, the
// host's identity from its configuration files, and gpauditd.conf.
#include "core/base/config.hxx"
#include "core/gpclient/directory.hxx"

#include <doctest/doctest.h>
#include <map>

using namespace gpaudit::core;

TEST_CASE("DNs: realm to base, RDN split with escapes, the OU chain")
{
    CHECK(realmToBaseDn("GPA.TEST") == "DC=gpa,DC=test");
    CHECK(realmToBaseDn("corp.example.com") == "DC=corp,DC=example,DC=com");
    auto rdns = splitDn(R"(CN=Smith\, John,OU=Sales\2C EU,DC=gpa,DC=test)");
    REQUIRE(rdns);
    CHECK(*rdns == std::vector<std::string>{R"(CN=Smith\, John)", R"(OU=Sales\2C EU)", "DC=gpa", "DC=test"});
    CHECK_FALSE(splitDn("CN=a,,DC=test"));
    CHECK_FALSE(splitDn("CN=a,DC=test\\"));
    CHECK_FALSE(splitDn("CN=a,novalue"));
    // Found by fuzz-directory: an escaped trailing space or newline belongs to the RDN.
    auto escapedSpace = splitDn("CN=a\\ ,DC=test");
    REQUIRE(escapedSpace);
    CHECK((*escapedSpace)[0] == "CN=a\\ ");
    auto escapedNewline = splitDn("CN=x\\\n");
    REQUIRE(escapedNewline);
    CHECK(splitDn((*escapedNewline)[0]));

    // MS-GPOL 3.2.5.1.1: only OUs carry links; CN=Computers is skipped; top-down order.
    auto chain = ouChain("CN=LINUX1,OU=Servers,OU=Linux,DC=gpa,DC=test", "DC=gpa,DC=test");
    REQUIRE(chain);
    CHECK(*chain == std::vector<std::string>{"OU=Linux,DC=gpa,DC=test", "OU=Servers,OU=Linux,DC=gpa,DC=test"});
    auto computers = ouChain("CN=LINUX9,CN=Computers,DC=gpa,DC=test", "dc=GPA,dc=TEST");
    REQUIRE(computers);
    CHECK(computers->empty());
    CHECK_FALSE(ouChain("CN=X,OU=Y,DC=other,DC=test", "DC=gpa,DC=test"));
    CHECK_FALSE(ouChain("DC=gpa,DC=test", "DC=gpa,DC=test"));
}

TEST_CASE("LDAP filter values are escaped (RFC 4515)")
{
    CHECK(ldapFilterEscape("LINUX1$") == "LINUX1$");
    CHECK(ldapFilterEscape("a*b(c)d\\e") == "a\\2ab\\28c\\29d\\5ce");
    CHECK(ldapFilterEscape(std::string("x\0y", 3)) == "x\\00y");
    CHECK(ldapFilterEscape("\xc3\xa9") == "\\c3\\a9");
}

TEST_CASE("binary SIDs (objectSid, tokenGroups)")
{
    const std::vector<std::uint8_t> domainUsers = {1, 5, 0,   0, 0, 0, 0,   5, 21, 0, 0,    0,    0xa, 0,
                                                   0, 0, 0xb, 0, 0, 0, 0xc, 0, 0,  0, 0x01, 0x02, 0,   0};
    auto sid = parseBinarySid(domainUsers);
    REQUIRE(sid);
    CHECK(sid->str() == "S-1-5-21-10-11-12-513");
    auto shorter = domainUsers;
    shorter.pop_back();
    CHECK_FALSE(parseBinarySid(shorter));
    auto badRevision = domainUsers;
    badRevision[0] = 2;
    CHECK_FALSE(parseBinarySid(badRevision));
    CHECK_FALSE(parseBinarySid(std::vector<std::uint8_t>{1, 0, 0}));
    // Found by fuzz-directory: no sub-authorities (the text form needs one) with a 48-bit authority.
    CHECK_FALSE(parseBinarySid(std::vector<std::uint8_t>{1, 0, 0x68, 0, 1, 0x2f, 0, 0}));
}

TEST_CASE("the LDAP ping answer of the lab's Samba DC (MS-ADTS 6.3.1.9)")
{
    // Captured from the lab: ldapsearch -b '' '(&(DnsDomain=gpa.test)(NtVer=\06\00\00\00))' Netlogon
    const std::vector<std::uint8_t> answer = {
        0x17, 0x00, 0x00, 0x00, 0xfd, 0x13, 0x00, 0x00, 0x98, 0xfe, 0xe5, 0x5e, 0xfa, 0x1a, 0x91, 0x4f, 0x85, 0xbd,
        0x35, 0xee, 0x8b, 0x46, 0xa6, 0xf0, 0x03, 0x67, 0x70, 0x61, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0xc0, 0x18,
        0x03, 0x64, 0x63, 0x31, 0xc0, 0x18, 0x03, 0x47, 0x50, 0x41, 0x00, 0x03, 0x44, 0x43, 0x31, 0x00, 0x00, 0x17,
        0x44, 0x65, 0x66, 0x61, 0x75, 0x6c, 0x74, 0x2d, 0x46, 0x69, 0x72, 0x73, 0x74, 0x2d, 0x53, 0x69, 0x74, 0x65,
        0x2d, 0x4e, 0x61, 0x6d, 0x65, 0x00, 0xc0, 0x35, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
    auto info = parseNetlogonResponse(answer);
    REQUIRE(info);
    CHECK(info->dnsForestName == "gpa.test");
    CHECK(info->dnsDomainName == "gpa.test");
    CHECK(info->dnsHostName == "dc1.gpa.test");
    CHECK(info->netbiosDomainName == "GPA");
    CHECK(info->netbiosComputerName == "DC1");
    CHECK(info->dcSiteName == "Default-First-Site-Name");
    CHECK(info->clientSiteName == "Default-First-Site-Name");

    // Truncations, a pointer loop, a pointer past the end, an old opcode: errors, never a crash.
    for (std::size_t cut = 0; cut < 80; ++cut)
        CHECK_FALSE(parseNetlogonResponse(std::span(answer.data(), cut)));
    auto loop = answer;
    loop[24] = 0xc0;
    loop[25] = 24; // points at itself
    CHECK_FALSE(parseNetlogonResponse(loop));
    auto past = answer;
    past[34] = 0xc0;
    past[35] = 0xff;
    CHECK_FALSE(parseNetlogonResponse(past));
    auto old = answer;
    old[0] = 0x13;
    auto error = parseNetlogonResponse(old);
    REQUIRE_FALSE(error);
    CHECK(error.error().message.find("opcode 19") != std::string::npos);
}

TEST_CASE("the host's identity from smb.conf (winbind) and sssd.conf (realmd)")
{
    auto smb = identityFromSmbConf("[global]\n  workgroup = GPA\n  realm = GPA.TEST\n  netbios name = linux1\n"
                                   "  security = ADS\n  dedicated keytab file = FILE:/etc/krb5.keytab\n"
                                   "[share]\n  realm = OTHER\n");
    CHECK(smb.realm == "GPA.TEST");
    CHECK(smb.machine == "LINUX1$");
    CHECK(smb.keytab == "/etc/krb5.keytab");
    CHECK(smb.source == "smb.conf");
    CHECK(identityFromSmbConf("[global]\nrealm = GPA.TEST\nsecurity = user\n").realm.empty()); // not joined

    auto sssd = identityFromSssdConf("[sssd]\ndomains = gpa.test\n[domain/files]\nid_provider = files\n"
                                     "[domain/gpa.test]\nid_provider = ad\nad_domain = gpa.test\n"
                                     "ad_hostname = linux1.gpa.test\nad_server = dc1.gpa.test, _srv_\n"
                                     "krb5_keytab = /etc/sssd/host.keytab\n");
    CHECK(sssd.realm == "GPA.TEST");
    CHECK(sssd.machine == "LINUX1$");
    CHECK(sssd.server == "dc1.gpa.test");
    CHECK(sssd.keytab == "/etc/sssd/host.keytab");
    CHECK(identityFromSssdConf("[domain/x]\nid_provider = ldap\nkrb5_realm = X\n").realm.empty());
}

TEST_CASE("gpauditd.conf: defaults, every key, clear errors")
{
    auto empty = parseConfig("", "gpauditd.conf");
    REQUIRE(empty);
    CHECK(empty->stateDir == "/var/lib/gpauditd");
    CHECK(empty->refreshInterval == std::chrono::minutes(90));
    CHECK(empty->fullReapplyInterval == std::chrono::hours(16));

    auto full =
        parseConfig("realm: gpa.test\nmachine: linux1\nkeytab: /etc/krb5.keytab\nserver: dc1.gpa.test\n"
                    "site: Default-First-Site-Name\nstate_dir: /var/lib/x\nsocket: /run/x.sock\n"
                    "rules_file: \"\"\nlegacy: ignore\nuid_min: 500\nsacl_dirs: [/srv, /home]\n"
                    "refresh_interval: 2h\nrefresh_random_delay: 0\nfull_reapply_interval: 1d\n"
                    "retry_min: 10s\nretry_max: 1h\ndrift_check_interval: 3s\nldap_timeout: 5\nidmap: winbind\n",
                    "gpauditd.conf");
    REQUIRE(full);
    CHECK(full->realm == "GPA.TEST");
    CHECK(full->machine == "LINUX1$");
    CHECK(full->rulesFile.empty());
    CHECK(full->legacy == LegacyMode::Ignore);
    CHECK(full->uidMin == 500);
    CHECK(full->saclDirs == std::vector<std::string>{"/srv", "/home"});
    CHECK(full->refreshInterval == std::chrono::hours(2));
    CHECK(full->fullReapplyInterval == std::chrono::hours(24));
    CHECK(full->ldapTimeout == std::chrono::seconds(5));
    CHECK(full->idmap == IdmapSource::Winbind);
    CHECK(empty->idmap == IdmapSource::Auto);
    CHECK(configKeys().size() == 33);

    struct Bad {
        const char *text;
        const char *message;
        unsigned line;
    };
    const Bad bad[] = {
        {"realm: X\nrefresh: 1h\n", "unknown key \"refresh\"", 2},
        {"state_dir: relative/path\n", "must be an absolute path", 1},
        {"legacy: maybe\n", "auto, apply or ignore", 1},
        {"refresh_interval: soon\n", "is not a duration", 1},
        {"refresh_interval: 4s\n", "at least 5s", 1},
        {"idmap: ldap\n", "auto, sssd, winbind or none", 1},
        {"uid_min: -1\n", "takes a number", 1},
        {"sacl_dirs: /srv\n", "list of absolute paths", 1},
        {"retry_min: 1h\nretry_max: 1m\n", "shorter than", 1},
        {"server: \"dc1 ; rm -rf /\"\n", "host name", 1},
        {"machine: [a, b]\n", "text value", 1},
        {"- just\n- a list\n", "map of keys", 1},
        {"realm: [unclosed\n", "", 2},
        {"realm: G\n!!v[s]", "", 2}, // found by fuzz-directory: a tagged non-scalar key threw
    };
    for (const auto &b : bad) {
        auto parsed = parseConfig(b.text, "/etc/gpauditd.conf");
        REQUIRE_FALSE(parsed);
        INFO(parsed.error().str());
        CHECK(parsed.error().message.find(b.message) != std::string::npos);
        CHECK(parsed.error().where.file == "/etc/gpauditd.conf");
        CHECK(parsed.error().where.line == b.line);
    }
}

TEST_CASE("gpauditd.conf: dc_pin, a list or blank-separated host names")
{
    auto words = parseConfig("dc_pin: DC1.gpa.test  dc2.gpa.test\n", "gpauditd.conf");
    REQUIRE(words);
    CHECK(words->dcPin == std::vector<std::string>{"dc1.gpa.test", "dc2.gpa.test"});
    auto list = parseConfig("dc_pin: [dc1.gpa.test, dc2.gpa.test]\n", "gpauditd.conf");
    REQUIRE(list);
    CHECK(list->dcPin == words->dcPin);
    auto none = parseConfig("realm: gpa.test\n", "gpauditd.conf");
    REQUIRE(none);
    CHECK(none->dcPin.empty());
    for (const char *text :
         {"dc_pin: \"dc1.gpa.test;x\"\n", "dc_pin: [\"dc1/x\"]\n", "dc_pin: [-dc1]\n", "dc_pin: [[a]]\n"}) {
        auto bad = parseConfig(text, "/etc/gpauditd.conf");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().message.find("dc_pin") != std::string::npos);
        CHECK(bad.error().where.line == 1);
    }
    std::string many = "dc_pin:";
    for (int i = 0; i < 65; ++i)
        many += " dc" + std::to_string(i) + ".gpa.test";
    auto tooMany = parseConfig(many + "\n", "gpauditd.conf");
    REQUIRE_FALSE(tooMany);
    CHECK(tooMany.error().message.find("more than 64") != std::string::npos);
}

TEST_CASE("sssd.conf with conf.d snippets: sssd's merge rules")
{
    // A snippet adds options to a section of sssd.conf and replaces the ones it gives again.
    const std::vector<std::string> texts = {
        "[sssd]\ndomains = gpa.test\n[domain/gpa.test]\nid_provider = ad\nad_domain = gpa.test\n",
        "[domain/gpa.test]\nad_hostname = linux7.gpa.test\n",
        "[domain/gpa.test]\nad_domain = corp.test\nkrb5_keytab = FILE:/etc/k.keytab\n",
    };
    const auto identity = identityFromSssdConf(texts);
    CHECK(identity.realm == "CORP.TEST");
    CHECK(identity.machine == "LINUX7$");
    CHECK(identity.keytab == "/etc/k.keytab");
    CHECK(identity.source == "sssd.conf");
    // A snippet that turns the provider off makes the domain not an AD one.
    CHECK(identityFromSssdConf(std::vector<std::string>{texts[0], "[domain/gpa.test]\nid_provider = ldap\n"})
              .realm.empty());
    // A snippet alone (no sssd.conf) is enough; krb5_realm wins over ad_domain.
    CHECK(identityFromSssdConf(
              std::vector<std::string>{"[domain/x]\nid_provider = ad\nad_domain = a.test\nkrb5_realm = B.TEST\n"})
              .realm == "B.TEST");
    // Only "*.conf" not starting with '.', in bytewise order.
    CHECK(sssdSnippetOrder({"b.conf", ".hidden.conf", "a.conf", "README", "10-x.conf", "c.conf.rpmsave", "A.conf"}) ==
          std::vector<std::string>{"10-x.conf", "A.conf", "a.conf", "b.conf"});
}

namespace {
// An in-memory file system for expandSmbConf; counts reads.
struct Files {
    std::map<std::string, std::string> files;
    std::size_t reads = 0;
    ConfigReader reader()
    {
        return [this](const std::string &path) -> gpaudit::Result<std::optional<std::string>> {
            ++reads;
            if (path == "/unreadable")
                return gpaudit::fail("permission denied", {path, 0, 0});
            const auto found = files.find(path);
            if (found == files.end())
                return std::optional<std::string>();
            return std::optional<std::string>(found->second);
        };
    }
};
} // namespace

TEST_CASE("smb.conf includes: in place, in any section, bounded; config file replaces")
{
    Files fs;
    fs.files["/etc/samba/smb.conf"] = "[global]\n  workgroup = GPA\n  include = /etc/samba/ad.conf\n"
                                      "  include = /etc/samba/missing.conf\n  include = /etc/samba/%m.conf\n"
                                      "[share]\n  include = /etc/samba/share.conf\n";
    fs.files["/etc/samba/ad.conf"] = "security = ads\nrealm = gpa.test\nnetbios name = linux3\n";
    fs.files["/etc/samba/share.conf"] = "realm = WRONG.TEST\n";
    auto text = expandSmbConf("/etc/samba/smb.conf", fs.reader());
    REQUIRE(text);
    REQUIRE(*text);
    const auto identity = identityFromSmbConf(**text);
    CHECK(identity.realm == "GPA.TEST"); // share.conf's realm is in [share], not [global]
    CHECK(identity.machine == "LINUX3$");
    CHECK(identity.source == "smb.conf");
    CHECK(fs.reads == 4); // smb.conf, ad.conf, missing.conf, share.conf; %m is never expanded

    // The main file missing: nothing, and no error.
    auto none = expandSmbConf("/etc/samba/none.conf", fs.reader());
    REQUIRE(none);
    CHECK_FALSE(*none);

    // config file: the named file is the whole configuration (what came before it is dropped), once.
    fs.files["/a.conf"] = "[global]\nrealm = FIRST.TEST\nsecurity = ads\nconfig file = /b.conf\nrealm = LOST.TEST\n";
    fs.files["/b.conf"] = "[global]\nsecurity = ads\nrealm = SECOND.TEST\nconfig file = /a.conf\n";
    auto replaced = expandSmbConf("/a.conf", fs.reader());
    REQUIRE(replaced);
    REQUIRE(*replaced);
    CHECK(identityFromSmbConf(**replaced).realm == "SECOND.TEST");
    // A config file that does not exist is ignored.
    fs.files["/c.conf"] = "[global]\nconfig file = /nope.conf\nsecurity = ads\nrealm = C.TEST\n";
    auto kept = expandSmbConf("/c.conf", fs.reader());
    REQUIRE(kept);
    CHECK(identityFromSmbConf(kept->value_or("")).realm == "C.TEST");

    // Bounds: a file including itself ends at the depth limit, with the file and line named.
    fs.files["/loop.conf"] = "[global]\ninclude = /loop.conf\n";
    auto loop = expandSmbConf("/loop.conf", fs.reader());
    REQUIRE_FALSE(loop);
    CHECK(loop.error().where.file == "/loop.conf");
    CHECK(loop.error().where.line == 2);
    CHECK(loop.error().message.find("deeper than 8") != std::string::npos);
    // Too many files (wide, not deep).
    std::string wide = "[global]\n";
    for (int i = 0; i < 40; ++i)
        wide += "include = /leaf.conf\n";
    fs.files["/wide.conf"] = wide;
    fs.files["/leaf.conf"] = "; nothing\n";
    auto tooMany = expandSmbConf("/wide.conf", fs.reader());
    REQUIRE_FALSE(tooMany);
    CHECK(tooMany.error().message.find("more than 32") != std::string::npos);
    // Too many bytes in all.
    fs.files["/big.conf"] = "[global]\ninclude = /leaf.conf\n";
    auto tooBig = expandSmbConf("/big.conf", fs.reader(), IncludeLimits{8, 32, 30});
    REQUIRE_FALSE(tooBig);
    CHECK(tooBig.error().message.find("larger than 30 bytes") != std::string::npos);
    // An unreadable include is an error naming it, not a silent skip.
    fs.files["/bad.conf"] = "[global]\ninclude = /unreadable\n";
    auto unreadable = expandSmbConf("/bad.conf", fs.reader());
    REQUIRE_FALSE(unreadable);
    CHECK(unreadable.error().where.file == "/unreadable");
}

TEST_CASE("durations: units, bare seconds, bounds, junk")
{
    using std::chrono::seconds;
    auto parsed = [](std::string_view text) -> std::optional<seconds> {
        seconds out{-1};
        if (!parseDuration(text, out))
            return std::nullopt;
        return out;
    };
    CHECK(parsed("45") == seconds(45));
    CHECK(parsed("30s") == seconds(30));
    CHECK(parsed("90m") == seconds(5400));
    CHECK(parsed("16h") == seconds(57600));
    CHECK(parsed("1d") == seconds(86400));
    CHECK(parsed(" 2h ") == seconds(7200)); // trimmed
    CHECK(parsed("0") == seconds(0));
    // At most a year (366 days) in any unit; one more is refused, not wrapped.
    CHECK(parsed("366d") == seconds(366 * 86400));
    CHECK_FALSE(parsed("367d"));
    CHECK(parsed("8784h") == seconds(8784 * 3600));
    CHECK_FALSE(parsed("8785h"));
    CHECK_FALSE(parsed("31622401"));
    CHECK_FALSE(parsed("99999999999999999999s"));
    // Not durations.
    for (const char *junk : {"", " ", "s", "h", "-5s", "+5s", "5 s", "5x", "1.5h", "5ss", "1h30m", "0x10"})
        CHECK_MESSAGE(!parsed(junk), junk);
}
