// SPDX-License-Identifier: GPL-2.0-or-later
// The exit statuses of gpauditctl, also sent by gpauditd over the control socket (its 'x' frame), and
// gpauditd's own; documented in gpauditctl(8) and gpauditd(8). Only the programs pick them.
#pragma once

#include "core/report/report.hxx"

namespace gpaudit::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPartial = 3;       // a file was rejected or a GPO not fetched: the others apply
inline constexpr int kExitLastKnownGood = 4; // the domain could not be reached: the last policy stays

inline int exitStatus(const core::SyncReport &report)
{
    switch (report.result) {
    case core::SyncResult::Failed:
    case core::SyncResult::NotJoined:
        return kExitFailure;
    case core::SyncResult::LastKnownGood:
        return kExitLastKnownGood;
    case core::SyncResult::Ok:
    case core::SyncResult::Partial:
    case core::SyncResult::Cached:
        return report.partial ? kExitPartial : kExitOk;
    }
    return kExitFailure;
}

} // namespace gpaudit::cli
