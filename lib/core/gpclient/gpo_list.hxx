// SPDX-License-Identifier: GPL-2.0-or-later
// Which GPOs apply to a computer, in which order (MS-GPOL 3.2.5.1), from what LDAP returns: the
// scopes of management (site, domain, OUs) with their gPLink/gPOptions, and the groupPolicyContainer
// objects. Pure: the LDAP adapter fills these structures, this decides.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

// The client-side extensions whose files gpaudit reads (MS-GPAC 1.9, MS-GPSB 1.9).
inline constexpr std::string_view kAuditCse = "F3CCC681-B74C-4060-9F26-CD84525DCA2A";
inline constexpr std::string_view kSecurityCse = "827D319E-6EAC-11D2-A4EA-00C04F79F83A";
// The Registry (Administrative Templates) CSE, which reads Machine/Registry.pol (MS-GPREG 3.2.5).
inline constexpr std::string_view kRegistryCse = "35378EAC-683F-11D2-A89A-00C04FBBCFA2";
// The "Apply Group Policy" extended right (MS-ADTS 5.1.3.2.1, MS-GPOL 3.2.5.1.6).
inline constexpr std::string_view kApplyGroupPolicyRight = "EDACFD8F-FFB3-11D1-B41D-00A0C968F939";

// One entry of a gPLink attribute: "[LDAP://cn={GUID},cn=policies,cn=system,DC=...;options]".
struct GpoLink {
    std::string dn;
    GuidText guid;
    bool disabled = false; // option bit 1
    bool enforced = false; // option bit 2 ("no override")
};

// Parses a gPLink value (MS-GPOL 2.2.2). Entries come in string order; the last has link order 1.
Result<std::vector<GpoLink>> parseGpLink(std::string_view gpLink);

// The CSE GUIDs of gPCMachineExtensionNames: "[{CSE}{tool}...][{CSE}{tool}...]" (MS-GPOL 2.2.4).
Result<std::set<GuidText>> parseExtensionNames(std::string_view extensionNames);

// The client-side extensions a GPO registers for the computer, and where the list came from.
struct ExtensionList {
    std::set<GuidText> cses;
    std::string source; // "gPCMachineExtensionNames", "Backup.xml MachineExtensionGuids"
    bool operator==(const ExtensionList &) const = default;
};

// Reads a GPMC backup's Backup.xml MachineExtensionGuids value (same syntax as gPCMachineExtensionNames).
Result<ExtensionList> backupExtensionList(std::string_view machineExtensionGuids);

// Whether a GPO's policy file is read, per the extensions it registers (MS-GPOL 3.2.5.1.10: each
// extension is invoked only for the GPOs whose gPCMachineExtensionNames list its CSE GUID). No list
// known (a SYSVOL folder on disk, a backup without Backup.xml): the file is read, and `why` says the
// list was not available.
enum class PolicyFile { AuditCsv, GptTmplInf, RegistryPol };
struct FileDecision {
    bool read = false;
    std::string why;
};
FileDecision decidePolicyFile(PolicyFile file, const std::optional<ExtensionList> &extensions);
std::string_view policyFileName(PolicyFile file); // "audit.csv", "GptTmpl.inf", "Registry.pol"

// A scope of management on the path from the site and domain down to the computer's OU.
struct Som {
    enum class Kind { Site, Domain, OrganizationalUnit };
    Kind kind = Kind::Domain;
    std::string dn;
    std::string gpLink;          // raw attribute, may be empty
    std::uint32_t gpOptions = 0; // 1 = block inheritance
};

// A groupPolicyContainer as LDAP returns it.
struct GroupPolicyContainer {
    GuidText guid;
    std::string displayName;
    std::string fileSysPath; // gPCFileSysPath
    std::uint32_t versionNumber = 0;
    std::uint32_t flags = 0; // bit 2 (0x2): computer settings disabled
    std::string machineExtensionNames;
    std::string wqlFilter;                        // gPCWQLFilter, empty when none
    std::vector<std::uint8_t> securityDescriptor; // nTSecurityDescriptor (self-relative, MS-DTYP 2.4.6)
};

// What the Group Policy client decided about one linked GPO.
struct GpoDecision {
    GuidText guid;
    std::string name;
    std::string somDn;
    bool enforced = false;
    bool applied = false;
    std::string reason;       // why not applied, or notes ("WMI filter not evaluated")
    bool hasAudit = false;    // its machine extensions name the audit CSE: look for audit.csv
    bool hasSecurity = false; // ... the security CSE: look for GptTmpl.inf
    const GroupPolicyContainer *container = nullptr;
    bool hasRegistry = false; // its machine extensions name the registry CSE: look for Registry.pol (MS-GPREG)
};

struct GpoListResult {
    std::vector<GpoDecision> considered; // every link, in processing order, applied or not
    std::vector<GpoDecision> applied;    // lowest precedence first: the order to merge them in
};

// soms: site first, then the domain, then the OUs from the domain down to the computer's OU.
// token: the computer's SIDs (its own, tokenGroups; Authenticated Users and Everyone are added).
Result<GpoListResult> buildGpoList(const std::vector<Som> &soms, const std::vector<GroupPolicyContainer> &containers,
                                   const std::vector<Sid> &token);

// Access check of a self-relative security descriptor (MS-DTYP 2.4.6, 2.5.3.2): may the token read the
// object and does it hold the Apply Group Policy extended right? Errors for a malformed descriptor.
struct GpoAccess {
    bool read = false;
    bool apply = false;
};
Result<GpoAccess> checkGpoAccess(const std::vector<std::uint8_t> &securityDescriptor, const std::vector<Sid> &token);

} // namespace gpaudit::core
