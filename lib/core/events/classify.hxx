// SPDX-License-Identifier: GPL-2.0-or-later
// Which subcategories an audit event serves, decided from the same data that produced the rules
// (rules/mapping.yaml through core::Mapping), so the two cannot drift. Pure.
//
// A kernel rule may carry several keys: translate() merges the syscalls of subcategories with equal
// filters into one rule and propagates the keys of broader rules to narrower ones, and the kernel writes
// every key of the first matching rule into the record (events.md "Classification first"). So a key is
// necessary but not sufficient: an event serves a subcategory when it carries that subcategory's key AND
// one of the subcategory's rule templates covers it (its syscall set, or its watched path with a syscall
// of the watch's permission classes, and the template's fields and exit codes). Record types listed in
// the mapping (user-space records, kernel records such as CONFIG_CHANGE) carry no key: an event with
// such a record serves every subcategory whose mapping lists its type.
#pragma once

#include "core/events/event.hxx"
#include "core/linux/mapping.hxx"
#include "core/policy/catalog.hxx"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gpaudit::core::events {

struct ClassifyOptions {
    std::uint32_t uidMin = 1000; // ${UID_MIN}, as given to translate()
};

class Classifier {
  public:
    Classifier(const Catalog &catalog, const Mapping &mapping, ClassifyOptions options = {});

    // Catalog indexes (Catalog::subcategories()) of the subcategories the event serves, ascending.
    [[nodiscard]] std::vector<std::size_t> classify(const AuditEvent &event) const;
    // The same as slugs ("process-creation").
    [[nodiscard]] std::vector<std::string> slugs(const AuditEvent &event) const;

  private:
    struct Template {
        std::set<std::string, std::less<>> syscalls; // expanded; for a watch: its permission classes
        std::string path;                            // normalised watch path
        bool isDir = false;
        std::string perm; // a watch's -F perm letters
        std::vector<FieldSpec> fields;
        std::vector<std::int64_t> exits; // FailureExits: the exit codes (negative errno)
    };
    struct Entry {
        std::vector<Template> templates;
        bool fileGlobalSacl = false;
    };
    [[nodiscard]] bool covers(const Template &t, const AuditEvent &event) const;
    [[nodiscard]] bool fieldHolds(const FieldSpec &field, const AuditEvent &event) const;

    const Catalog &catalog_;
    ClassifyOptions options_;
    std::vector<Entry> entries_; // by catalog index
    std::map<std::string, std::vector<std::size_t>, std::less<>> byRecordType_;
    std::set<std::string, std::less<>> fileSyscalls_; // every syscall of a permission class (SACL rules)
};

} // namespace gpaudit::core::events
