// SPDX-License-Identifier: GPL-2.0-or-later
// gPCFileSysPath: no path from SYSVOL may leave the GPO's folder.
#include "core/gpclient/sysvol_path.hxx"

#include <doctest/doctest.h>

using namespace gpaudit::core;

namespace {
const GuidText kGuid = "31B2F340-016D-11D2-945F-00C04FB984F9";
}

TEST_CASE("gPCFileSysPath as Windows and Samba write it")
{
    auto location =
        parseGpcFileSysPath(R"(\\gpa.test\sysvol\gpa.test\Policies\{31B2F340-016D-11D2-945F-00C04FB984F9})", kGuid);
    REQUIRE(location);
    CHECK(location->components ==
          std::vector<std::string>{"gpa.test", "Policies", "{31B2F340-016D-11D2-945F-00C04FB984F9}"});
    // The DC's own name, not the UNC host; "Windows NT" percent-encoded.
    CHECK(location->url("dc1.gpa.test", kAuditCsvPath) ==
          "smb://dc1.gpa.test/sysvol/gpa.test/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Microsoft/"
          "Windows%20NT/Audit/audit.csv");
    CHECK(parseGpcFileSysPath(R"(\\GPA\SysVol\gpa.test\policies\{31b2f340-016d-11d2-945f-00c04fb984f9})", kGuid));
}

TEST_CASE("paths that would leave the GPO folder, or are not SYSVOL, are refused")
{
    const char *bad[] = {
        R"(\\gpa.test\sysvol\gpa.test\Policies\{31B2F340-016D-11D2-945F-00C04FB984F9}\..)",
        R"(\\gpa.test\sysvol\gpa.test\Policies\..\..\{31B2F340-016D-11D2-945F-00C04FB984F9})",
        R"(\\gpa.test\sysvol\gpa.test\Policies\{7C6E2D30-4B5F-4071-ACBD-2E3F4A5B6C7D})", // another GPO's folder
        R"(\\gpa.test\netlogon\gpa.test\Policies\{31B2F340-016D-11D2-945F-00C04FB984F9})",
        R"(\\gpa.test\sysvol)",
        R"(\\gpa.test\sysvol\\{31B2F340-016D-11D2-945F-00C04FB984F9})",
        R"(C:\Windows\SYSVOL\{31B2F340-016D-11D2-945F-00C04FB984F9})",
        "\\\\gpa.test\\sysvol\\gpa\ntest\\{31B2F340-016D-11D2-945F-00C04FB984F9}",
        R"(\\gpa.test\sysvol\gpa.test\Policies\.\{31B2F340-016D-11D2-945F-00C04FB984F9})",
        "",
    };
    for (const char *path : bad) {
        CAPTURE(path);
        auto location = parseGpcFileSysPath(path, kGuid);
        REQUIRE_FALSE(location);
        CHECK_FALSE(location.error().message.empty());
    }
}
