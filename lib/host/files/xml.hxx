// SPDX-License-Identifier: GPL-2.0-or-later
// The few values gpaudit reads from XML files it does not own (a GPMC backup's bkupInfo.xml and
// Backup.xml), with a real parser: expat, refusing any DTD (so no entity of the document's own is
// ever expanded and nothing is fetched: expat loads no external entity unless asked, and is not asked).
#pragma once

#include "core/base/result.hxx"

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace gpaudit::host {

// Longest element text kept; a longer one is an error (a GUID or a display name is far shorter).
inline constexpr std::size_t kMaxXmlValue = std::size_t{64} << 10;

// The text (character data and CDATA, references resolved) of the children named in `names` of the
// first element named `parent`, by local name (a namespace prefix is ignored). A child that appears is
// in the map even when empty (<MachineExtensionGuids/>); the first of a name counts. The document is
// UTF-8 (core::decodeText's output: its own encoding declaration is overridden). Errors name the
// label, line and column: not well-formed, a DTD, a value longer than kMaxXmlValue.
Result<std::map<std::string, std::string>> xmlChildTexts(std::string_view xml, const std::string &label,
                                                         std::string_view parent, const std::set<std::string> &names);

} // namespace gpaudit::host
