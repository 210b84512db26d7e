// SPDX-License-Identifier: GPL-2.0-or-later
// Where a GPO's files are in SYSVOL, from its gPCFileSysPath (MS-GPOL 2.2.4): validated so that no
// path from the directory can leave the GPO's own folder. Pure.
#pragma once

#include "core/base/identifiers.hxx"
#include "core/base/result.hxx"

#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::core {

struct SysvolLocation {
    // Components after the share: "gpa.test", "Policies", "{GUID}". The server is not taken from the
    // UNC name: Kerberos needs the DC's own name (lab.md), which the caller knows.
    std::vector<std::string> components;

    // smb://SERVER/sysvol/<components>/<relative>, each component percent-encoded as libsmbclient expects.
    [[nodiscard]] std::string url(std::string_view server, std::string_view relative) const;
};

// Accepts "\\host\sysvol\domain\Policies\{GUID}" (any case, either slash). Refuses a share other than
// sysvol, empty or "." / ".." components, control characters, and a last component that is not the
// GPO's own {GUID}.
Result<SysvolLocation> parseGpcFileSysPath(std::string_view fileSysPath, const GuidText &gpoGuid);

// The files gpaudit reads, relative to the GPO folder (MS-GPAC 3.2.5, MS-GPSB 2.2).
inline constexpr std::string_view kAuditCsvPath = "Machine/Microsoft/Windows NT/Audit/audit.csv";
inline constexpr std::string_view kGptTmplPath = "Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf";
inline constexpr std::string_view kRegistryPolPath = "Machine/Registry.pol"; // MS-GPREG 2.2.1

} // namespace gpaudit::core
