// SPDX-License-Identifier: GPL-2.0-or-later
// Untrusted text on its way to a terminal, a log, JSON or auditctl (issue 11): escaping, safe rule
// paths, the rules file writer, and the rules file read back the way auditctl reads it.
#include "core/base/config.hxx"
#include "core/base/json.hxx"
#include "core/base/safe_text.hxx"
#include "core/report/render.hxx"
#include "fuzz/rules_file_check.hxx"
#include "helpers.hxx"

using namespace gpaudit::core;
using test::kHeader;
using test::row;

TEST_CASE("displayText: controls, DEL, C1, bidi and invalid UTF-8 become visible escapes")
{
    CHECK(displayText("plain Ä name") == "plain Ä name");
    CHECK(displayText("a\nb\tc\rd") == "a\\x0ab\\x09c\\x0dd");
    CHECK(displayText("\x1b[2J\x1b]0;t\x07") == "\\x1b[2J\\x1b]0;t\\x07");
    CHECK(displayText(std::string_view("nul\0x", 5)) == "nul\\x00x");
    CHECK(displayText("\x7f") == "\\x7f");
    CHECK(displayText("\xc2\x9b"
                      "31m") == "\\u{009b}31m"); // C1 CSI
    CHECK(displayText("\xe2\x80\xae"
                      "evil") == "\\u{202e}evil"); // RIGHT-TO-LEFT OVERRIDE
    CHECK(displayText("\xe2\x80\xa8") == "\\u{2028}");
    CHECK(displayText("\xff\xfe") == "\\xff\\xfe");
    CHECK(displayText("\xc0\xaf") == "\\xc0\\xaf");          // overlong '/'
    CHECK(displayText("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // surrogate
    CHECK(displayText("\xe2\x82") == "\\xe2\\x82");          // cut
    CHECK(displayText("back\\slash") == "back\\slash");      // kept: escaping is idempotent
    for (std::string_view s : {"\x1b[31m", "\xff", "a\nb", "\xe2\x80\xae", "x\\x1b"})
        CHECK(displayText(displayText(s)) == displayText(s));
}

TEST_CASE("DisplayFilter: keeps the layout, completes sequences cut between chunks")
{
    DisplayFilter filter;
    std::string out = filter.feed("line 1\n\tcaf\xc3");
    out += filter.feed("\xa9 \x1b[31m\n\xe2\x80");
    out += filter.finish();
    CHECK(out == "line 1\n\tcafé \\x1b[31m\n\\xe2\\x80");
}

TEST_CASE("JSON: every string escaped by construction, never invalid UTF-8")
{
    // Quote, backslash, newline and tab are JSON's to escape; a reader gets them back.
    CHECK(dumpJson(Json("a\"b\\c\nd\te")) == "\"a\\\"b\\\\c\\nd\\te\"");
    CHECK(Json::parse(dumpJson(Json("a\"b\\c\nd\te"))) == "a\"b\\c\nd\te");
    // Terminal controls, bytes that are not UTF-8 and bidi controls become visible text, as displayText
    // shows them (the reader gets the text \x1b, not the byte).
    CHECK(jsonSafeText("\x1b[2J") == "\\x1b[2J");
    CHECK(dumpJson(Json("\x1b[2J")) == "\"\\\\x1b[2J\"");
    CHECK(dumpJson(Json("\xff")) == "\"\\\\xff\"");
    CHECK(dumpJson(Json("\xe2\x80\xae")) == "\"\\\\u{202e}\"");
    CHECK(isValidUtf8(dumpJson(Json("\xc3\x28\xa0\xa1"))));
    // Keys too, and strings deep in arrays and objects: nlohmann would throw on them unescaped.
    Json nested{{"na\xffme", {{"list", {"ok", "bad\xc3"}}}}};
    const auto text = dumpJson(nested, -1);
    CHECK(isValidUtf8(text));
    CHECK(text == "{\"na\\\\xffme\":{\"list\":[\"ok\",\"bad\\\\xc3\"]}}");
    CHECK(Json::parse(text).contains("na\\xffme"));
    // Printable UTF-8 is kept as it is.
    CHECK(dumpJson(Json("caf\xc3\xa9")) == "\"caf\xc3\xa9\"");
}

TEST_CASE("rule paths: only what auditctl and libaudit read back unchanged")
{
    CHECK_FALSE(rulePathProblem("/etc/cron.d/job"));
    CHECK_FALSE(rulePathProblem("/srv/x#y"));   // '#' only starts a comment as a line's first token
    CHECK_FALSE(rulePathProblem("/srv/café"));  // UTF-8 passes through
    CHECK_FALSE(rulePathProblem("/srv/a=b>c")); // "=" after the first is the value's
    for (std::string_view bad :
         {"relative", "", "/srv/report\\", "/srv/a b", "/srv/new\nline", "/srv/tab\tx", "/srv/\x1b", "/srv/\x7f",
          "/srv/\xff", "/srv/\xc2\x85", "/srv/a!=b", "/srv/a>=b", "/srv/a<=b", "/srv/a&=b"})
        CHECK_MESSAGE(rulePathProblem(bad), displayText(bad));
    CHECK(rulePathProblem("/" + std::string(256, 'n'))); // NAME_MAX
    CHECK_FALSE(rulePathProblem("/" + std::string(255, 'n')));
    std::string longPath;
    while (longPath.size() <= kRulePathMax)
        longPath += "/" + std::string(100, 'd');
    CHECK(rulePathProblem(longPath)); // PATH_MAX
    CHECK_FALSE(SafeRulePath::make("/srv/a b"));
    CHECK(SafeRulePath::make("/srv/ab")->str() == "/srv/ab");
    CHECK(SafeRulePath::make("/srv/\x1b").error().message.find("\\x1b") != std::string::npos);
}

TEST_CASE("RulesFileWriter: comments cannot break out, only safe rule commands are written")
{
    RulesFileWriter file;
    file.comment("Baseline\n-e 0\n-a never,task\n#");
    file.comment(std::string(5000, 'x') + "\n-e 0");
    CHECK(file.command("-a always,exit -F path=/etc/passwd -F perm=wa -k gpaudit-x"));
    CHECK(file.command("-f 1"));
    CHECK_FALSE(file.command("-e 0"));
    CHECK_FALSE(file.command("-D"));
    CHECK_FALSE(file.command("-a always,exit -F path=/srv/a\\ b -F perm=wa"));
    CHECK_FALSE(file.command("-a always,exit -F path=/srv/a\n-e 0"));
    CHECK_FALSE(file.command("-a  always,exit")); // an empty token
    CHECK_FALSE(file.command("-a always,exit -F path=/" + std::string(kMaxRulesFileLine, 'x')));
    CHECK(file.refused() == 6);
    const auto read = auditctl_reader::read(file.text(), false);
    REQUIRE(read.commands.size() == 2);
    CHECK(read.commands[0].args[0] == "-a");
    CHECK(read.commands[1].args == std::vector<std::string>{"-f", "1"});
    CHECK(file.text().find("\n-e") == std::string::npos);
    for (std::size_t at = 0, end = 0; at < file.text().size(); at = end + 1) { // every line is short enough
        end = file.text().find('\n', at);
        CHECK(end - at < kAuditctlLineSize - 1);
    }
}

TEST_CASE("auditctl reader: the re-implementation behaves as auditctl.c does")
{
    // A comment is a line whose first space-separated token starts with '#'.
    auto r = auditctl_reader::read("# c\n   # c\n\n   \n-a always,exit  -S  open\n\t# not a comment\n", false);
    CHECK(r.comments == 2);
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].args == std::vector<std::string>{"-a", "always,exit", "-S", "open"});
    CHECK(r.commands[0].line == 5);
    CHECK(r.commands[1].args[0] == "\t#");
    // A line longer than LINE_SIZE - 1 is read in pieces: the rest is a line of its own.
    const auto longComment = "# " + std::string(auditctl_reader::kLineSize - 3, 'x') + "-e 0\n";
    r = auditctl_reader::read(longComment, false);
    REQUIRE(r.commands.size() == 1);
    CHECK(r.commands[0].args == std::vector<std::string>{"-e", "0"});
    // With escape handling (3.0.9) "\ " and "\\" are escapes; without, both bytes stay.
    CHECK(auditctl_reader::read("-w /a\\ b\n", true).commands[0].args[1] == "/a b");
    CHECK(auditctl_reader::read("-w /a\\ b\n", false).commands[0].args[1] == "/a\\");
    // libaudit's field split: the first two-character operator anywhere.
    CHECK(*auditctl_reader::splitFieldPair("path=/a!=b") == auditctl_reader::FieldPair{"path=/a", "!=", "b"});
    CHECK(*auditctl_reader::splitFieldPair("auid>=1000") == auditctl_reader::FieldPair{"auid", ">=", "1000"});
    CHECK(*auditctl_reader::splitFieldPair("path=/x=y") == auditctl_reader::FieldPair{"path", "=", "/x=y"});
}

namespace {

struct HostileProbe final : HostProbe {
    bool directoryExists(const std::string &) const override { return true; }
    std::optional<std::vector<std::string>> listTree(const std::string &dir, std::size_t) const override
    {
        std::vector<std::string> out;
        if (dir == "/srv/sacl")
            for (std::string name : {"report\\", "a b", "x#y", "new\nline", "tab\tx", "\x1b[2J", "a!=b", "-e 0"})
                out.push_back(dir + "/" + name);
        else
            for (std::string name : {"x#y", "ok", "caf\xc3\xa9"})
                out.push_back(dir + "/" + name);
        return out;
    }
};

} // namespace

TEST_CASE("issue 11: hostile GPO names and file names cannot inject into the rules file")
{
    static std::vector<GpoInput> gpos;
    gpos = {test::gpo("Baseline\n-e 0\n-a never,task\n#", std::string(kHeader) + row("file-system", 3) +
                                                              row("authorization-policy-change", 1) +
                                                              "H,,FileGlobalSacl,,,,S:(AU;SAFA;FW;;;WD)\r\n")};
    const auto resultant = merge(test::data().catalog, gpos, LegacyMode::Auto);
    HostileProbe probe;
    TranslateOptions options;
    options.probe = &probe;
    options.saclDirectories = {"/srv/sacl"};
    const auto translation = test::translate(resultant, options);
    const std::vector<std::string> header = {"from:", "  " + gpos[0].gpo.str(), gpos[0].gpo.name};
    const auto file = renderRulesFile(translation, header);
    CHECK_MESSAGE(!rules_file_check::check(translation, file), *rules_file_check::check(translation, file));
    CHECK(file.find("\n-e") == std::string::npos);
    CHECK(file.find("\n-a never,task") == std::string::npos);
    CHECK(file.find("#   Baseline\\x0a-e 0\\x0a-a never,task\\x0a# {GUID-") != std::string::npos);
    // A directory whose names are all safe is watched file by file; one with a name that cannot be
    // written stays a tree rule (which covers every name) with a note that names the file, escaped.
    CHECK(file.find("-F path=/etc/sudoers.d/x#y -F perm=wa") != std::string::npos);
    CHECK(file.find("-F path=/etc/sudoers.d/ok -F perm=wa") != std::string::npos);
    CHECK(file.find("-F path=/etc/sudoers.d/caf\xc3\xa9 -F perm=wa") != std::string::npos);
    CHECK(file.find("-F path=/srv/sacl/") == std::string::npos);
    CHECK(file.find("-F dir=/srv/sacl -F perm=wa -k gpaudit-file-system") != std::string::npos);
    CHECK(file.find("# note: file-system: watch on /srv/sacl: the name of /srv/sacl/report\\ cannot be written to an "
                    "audit rule (it contains a backslash") != std::string::npos);
    for (const auto &rule : translation.rules)
        for (const auto &field : rule.fields)
            if (field.name == "path" || field.name == "dir")
                CHECK_FALSE(rulePathProblem(field.value));
    // The show report: no control character reaches the terminal.
    std::vector<InputProblem> problems;
    const ReportInput report{test::data().catalog, test::data().mapping, resultant, translation, problems};
    const auto text = renderShowText(report);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("Baseline\\x0a-e 0") != std::string::npos);
    CHECK(renderShowJson(report).find('\x1b') == std::string::npos);
}

TEST_CASE("a SACL scope directory that cannot be written to a rule is refused")
{
    TranslateOptions options;
    for (std::string dir : {"/srv/a b", "/srv/new\nline", "/srv/back\\"}) {
        options.saclDirectories = {dir};
        auto t = gpaudit::core::translate(test::data().catalog, test::data().mapping,
                                          merge(test::data().catalog, {}, LegacyMode::Auto), options);
        REQUIRE_FALSE(t);
        CHECK(t.error().message.find("cannot be written to an audit rule") != std::string::npos);
        CHECK(t.error().str().find('\n') == std::string::npos);
    }
}

TEST_CASE("gpauditd.conf: control characters in any value and unsafe sacl_dirs are refused with file and line")
{
    auto newline = parseConfig("realm: GPA.TEST\nsacl_dirs: [\"/srv/a\\nb\"]\n", "/etc/gpauditd.conf");
    REQUIRE_FALSE(newline);
    CHECK(newline.error().str().starts_with("/etc/gpauditd.conf:2:"));
    auto tab = parseConfig("site: \"Branch\\tOffice\"\n", "/etc/gpauditd.conf");
    REQUIRE_FALSE(tab);
    CHECK(tab.error().message.find("control character") != std::string::npos);
    auto escape = parseConfig("state_dir: \"/var/lib/\\e[2J\"\n", "/etc/gpauditd.conf");
    REQUIRE_FALSE(escape);
    auto space = parseConfig("sacl_dirs:\n  - /srv/ok\n  - /srv/a b\n", "/etc/gpauditd.conf");
    REQUIRE_FALSE(space);
    CHECK(space.error().str().starts_with("/etc/gpauditd.conf:3:"));
    CHECK(space.error().message.find("space") != std::string::npos);
    CHECK(parseConfig("sacl_dirs: [/srv/ok, /srv/x#y]\n", "/etc/gpauditd.conf"));
}

TEST_CASE("status: the GPO list shows names, DNs and reasons from the domain escaped, one line each")
{
    SyncRecord domain;
    domain.realm = "GPA.TEST";
    domain.machine = "LINUX1$";
    domain.dc = "dc1\x1b]0;x\x07";
    domain.gpos.push_back({"31B2F340-016D-11D2-945F-00C04FB984F9", "Baseline\n-e 0\x1b[2J", "OU=\xe2\x80\xaeX", false,
                           true, "why\r\n", 3, true, false, "fetched"});
    const auto text = renderGpoList(domain);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
    CHECK(text.find("applied  Baseline\\x0a-e 0\\x1b[2J {31B2F340") != std::string::npos);
    CHECK(text.find("linked at OU=\\u{202e}X") != std::string::npos);
    CHECK(text.find("Domain controller dc1\\x1b]0;x\\x07") != std::string::npos);
    for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1)
        CHECK(text.compare(at, 2, "-e") != 0);
}

TEST_CASE("errors name files and quote inputs escaped")
{
    const gpaudit::Error error{{"/srv/gpo\n/audit.csv", 3, 1}, "bad value \"\x1b[2J\""};
    CHECK(error.str() == "/srv/gpo\\x0a/audit.csv:3:1: bad value \"\\x1b[2J\"");
}
