// SPDX-License-Identifier: GPL-2.0-or-later
// The subcategory -> Linux audit mapping, loaded from rules/mapping.yaml and rules/syscalls.yaml. Pure.
#pragma once

#include "core/base/image.hxx"
#include "core/base/result.hxx"
#include "core/policy/catalog.hxx"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

enum class ResultMode {
    Split,             // Success -> success=1, Failure -> success=0, both -> no success field
    SuccessUnfiltered, // success or both -> rule without success field; Failure alone -> nothing
    FailureExits,      // only with Failure: one rule per exit code
};

// One comparison of a rule: "-F name op value" or, for interfield comparisons, "-C name op value".
struct FieldSpec {
    std::string name;
    std::string op;
    std::string value;
    bool compare = false; // -C
    [[nodiscard]] std::string str() const { return name + op + value; }
    auto operator<=>(const FieldSpec &) const = default;
};

struct RuleTemplate {
    std::vector<std::string> syscalls; // expanded syscall names, sorted, unique
    std::string path;                  // -F path= (a file watch)
    std::string dir;                   // -F dir= (a directory tree)
    std::string perm;                  // "rwxa" subset, canonical order
    std::vector<FieldSpec> fields;     // may contain ${UID_MIN}
    ResultMode result = ResultMode::Split;
    std::vector<std::string> exits; // for FailureExits
    std::string whenOption;         // audit option that must be on, or empty
    bool operator==(const RuleTemplate &) const = default;
};

// Issue 16: what a subcategory becomes on a Samba AD DC, in Samba's own audit logging (smb.conf
// `log level` classes). Samba's levels are thresholds (a class at level N logs everything up to N), so
// "class:level" is the least level each of Success and Failure needs; see core/samba/audit_conf.hxx.
struct SambaRealisation {
    std::string how;                  // one line for show/mapping
    std::vector<std::string> success; // "auth_json_audit:3": the classes and levels Success needs
    std::vector<std::string> failure; // ... and Failure needs
    std::vector<std::string> events;  // the Windows event IDs rendered from the records ("4768", "4771")
    std::string coarse;               // why Samba cannot split Success from Failure or logs only part; empty if exact
    bool operator==(const SambaRealisation &) const = default;
};

struct SubcategoryMapping {
    bool mapped = false;
    std::string how;            // mapped: how
    std::string unmappedReason; // unmapped: why
    std::vector<RuleTemplate> rules;
    std::vector<std::string> userRecords;
    std::vector<std::string> kernelRecords;
    bool fileGlobalSacl = false;
    std::optional<SambaRealisation> samba; // on a Samba AD DC (issue 16); none on other subcategories
    // The Windows Security events `gpauditctl search` renders for it, what is exact and what is
    // approximate (mapping.yaml windows:); empty when none is rendered.
    std::string windows;
    // Only records, no rule: the kernel cannot tell success from failure for them.
    [[nodiscard]] bool coarse() const { return mapped && rules.empty() && !fileGlobalSacl; }
    bool operator==(const SubcategoryMapping &) const = default;
};

struct Abi {
    std::string arch;    // -F arch= value: "b64", "b32"
    std::string machine; // libaudit machine name: "x86_64", "i386", "aarch64"
    std::set<std::string, std::less<>> absent;
    bool operator==(const Abi &) const = default;
};

class Mapping {
  public:
    static Result<Mapping> fromYaml(const Catalog &catalog, std::string_view mappingYaml, std::string_view mappingLabel,
                                    std::string_view syscallsYaml, std::string_view syscallsLabel);
    // The built-in mapping in the build's binary form (core/base/image.hxx): what fromYaml made of
    // rules/mapping.yaml and rules/syscalls.yaml at build time, read back without a YAML parser.
    void writeImage(ImageWriter &out) const;
    static Result<Mapping> readImage(const Catalog &catalog, ImageReader &in);
    bool operator==(const Mapping &) const = default;

    // Indexed like Catalog::subcategories().
    [[nodiscard]] const SubcategoryMapping &of(std::size_t subcategoryIndex) const
    {
        return entries_[subcategoryIndex];
    }
    [[nodiscard]] const std::vector<Abi> *platform(std::string_view machine) const;
    [[nodiscard]] std::vector<std::string> platformNames() const;
    [[nodiscard]] const std::vector<std::string> &permSyscalls(char perm) const;
    [[nodiscard]] bool suppressible(std::string_view recordType) const { return !neverSuppress_.contains(recordType); }
    [[nodiscard]] std::vector<std::string> expandSyscalls(const std::vector<std::string> &namesOrSets) const;
    [[nodiscard]] const std::set<std::string, std::less<>> &knownSyscalls() const { return known_; }
    [[nodiscard]] const std::vector<std::string> &fastPath() const { return fastPath_; }

  private:
    std::vector<SubcategoryMapping> entries_;
    std::map<std::string, std::vector<std::string>, std::less<>> sets_;
    std::map<char, std::vector<std::string>> perm_;
    std::map<std::string, std::vector<Abi>, std::less<>> platforms_;
    std::set<std::string, std::less<>> neverSuppress_;
    std::set<std::string, std::less<>> known_;
    std::vector<std::string> fastPath_;
};

// Parses "euid=0", "auid>=${UID_MIN}", "uid!=euid" into a FieldSpec. Returns nullopt on bad syntax.
std::optional<FieldSpec> parseFieldSpec(std::string_view text, bool compare);

} // namespace gpaudit::core
