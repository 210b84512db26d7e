// SPDX-License-Identifier: GPL-2.0-or-later
// Reading GPO files from SYSVOL with libsmbclient: Kerberos only (no NTLM fallback, no anonymous or
// guest login), SMB2 or later with signing required. KRB5CCNAME must name the machine's FILE: ccache.
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace gpaudit::domain {

class SmbReader {
  public:
    // privateDir: a directory where the reader writes its own smb.conf (the host's /etc/samba/smb.conf is
    // not read: it could relax signing or allow NTLM).
    // keep: the libsmbclient context (and with it the SMB sessions it opened) outlives the reader and
    // serves the next create() of this process. libsmbclient checks a cached session with an echo only
    // when the last one is older than the timeout, so a session the server dropped meanwhile (a DC
    // restart, Windows' idle autodisconnect) can fail the next read: read() then opens a new context
    // and tries once more.
    static Result<SmbReader> create(const std::string &privateDir, unsigned timeoutSeconds, bool keep = false);
    SmbReader(SmbReader &&) noexcept;
    SmbReader &operator=(SmbReader &&) noexcept;
    ~SmbReader();

    // The whole file, or nullopt when it does not exist (MS-GPAC 3.2.5: no file = no settings). A file
    // larger than maxSize is an error and is not read further.
    Result<std::optional<std::string>> read(const std::string &url, std::size_t maxSize);

    [[nodiscard]] std::size_t filesRead() const { return filesRead_; }
    [[nodiscard]] std::size_t bytesRead() const { return bytesRead_; }
    // How many times the connection was lost and made again (at most once per reader).
    [[nodiscard]] std::size_t reconnects() const { return reconnects_; }

    // libsmbclient is loaded (dlopen) at the first read of the process, with about a hundred of Samba's
    // libraries: 3 to 4 MiB of a process's memory (Pss). gpauditd gives them back once idle: the kept
    // context (and its SMB session) is freed and the library closed (dlclose), unless a reader is alive
    // (then nothing is done). The next read loads it again. True when it was loaded and is now closed.
    static bool unloadLibrary();

  private:
    SmbReader() = default;
    struct Context;
    struct Kept;
    static Kept &kept();
    static Result<std::shared_ptr<Context>> newContext(const std::string &privateDir, unsigned timeoutSeconds);
    Result<std::optional<std::string>> readOnce(const std::string &url, std::size_t maxSize, bool &connectionLost);

    std::shared_ptr<Context> context_;
    std::string privateDir_;
    unsigned timeoutSeconds_ = 0;
    bool keep_ = false;
    std::size_t filesRead_ = 0;
    std::size_t bytesRead_ = 0;
    std::size_t reconnects_ = 0;
};

} // namespace gpaudit::domain
