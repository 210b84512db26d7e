// SPDX-License-Identifier: GPL-2.0-or-later
// Reading GPO files from SYSVOL with libsmbclient: Kerberos only (no NTLM fallback, no anonymous or
// guest login), SMB2 or later with signing required. KRB5CCNAME must name the machine's FILE: ccache.
#pragma once

#include "core/result.hxx"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace gpaudit::domain {

class SmbReader {
  public:
    // privateDir: a directory where the reader writes its own smb.conf (the host's /etc/samba/smb.conf is
    // not read: it could relax signing or allow NTLM).
    // keep: the libsmbclient context (and with it the SMB sessions it opened, which libsmbclient checks
    // with an echo before reuse) outlives the reader and serves the next create() of this process.
    static Result<SmbReader> create(const std::string &privateDir, unsigned timeoutSeconds, bool keep = false);
    SmbReader(SmbReader &&) noexcept;
    SmbReader &operator=(SmbReader &&) noexcept;
    ~SmbReader();

    // The whole file, or nullopt when it does not exist (MS-GPAC 3.2.5: no file = no settings). A file
    // larger than maxSize is an error and is not read further.
    Result<std::optional<std::string>> read(const std::string &url, std::size_t maxSize);

    [[nodiscard]] std::size_t filesRead() const { return filesRead_; }
    [[nodiscard]] std::size_t bytesRead() const { return bytesRead_; }

  private:
    SmbReader() = default;
    struct Context;
    std::shared_ptr<Context> context_;
    std::size_t filesRead_ = 0;
    std::size_t bytesRead_ = 0;
};

} // namespace gpaudit::domain
