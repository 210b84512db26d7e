// SPDX-License-Identifier: GPL-2.0-or-later
// Reading GPO files from SYSVOL with libsmbclient: Kerberos only (no NTLM fallback, no anonymous or
// guest login), SMB2 or later with signing required.
// Which ccache: libsmbclient's public API has no per-context ccache name (smbc_setOptionUseCCache is
// a yes/no; its bundled Heimdal takes krb5_cc_default, that is KRB5CCNAME or krb5.conf, and cannot
// see an MIT MEMORY: ccache). So the programs set KRB5CCNAME once, at start and before any thread,
// to kerberos.hxx machineCcacheName() (daemon/): nothing in lib/ calls setenv.
#pragma once

#include "core/base/result.hxx"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace gpaudit::domain {

class SmbReader {
  public:
    // What outlives one reader: the libsmbclient context (and with it the SMB sessions it opened),
    // owned by the caller (gpauditd's domain::DomainSession), for one state directory. No process-wide
    // static: a reader made without one opens its own context and frees it.
    struct Context;
    struct Kept {
        std::shared_ptr<Context> context;
        std::string privateDir;
    };

    // privateDir: a directory where the reader writes its own smb.conf (the host's /etc/samba/smb.conf is
    // not read: it could relax signing or allow NTLM).
    // keep: when given, the context kept there serves this reader (it is made and kept there when
    // there is none). libsmbclient checks a cached session with an echo only when the last one is older
    // than the timeout, so a session the server dropped meanwhile (a DC restart, Windows' idle
    // autodisconnect) can fail the next read: read() then opens a new context and tries once more.
    static Result<SmbReader> create(const std::string &privateDir, unsigned timeoutSeconds, Kept *keep = nullptr);
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
    // keep: the caller's kept context, freed first (gpauditd's DomainSession; only between syncs).
    static bool unloadLibrary(Kept *keep = nullptr);

  private:
    SmbReader() = default;
    static Result<std::shared_ptr<Context>> newContext(const std::string &privateDir, unsigned timeoutSeconds);
    Result<std::optional<std::string>> readOnce(const std::string &url, std::size_t maxSize, bool &connectionLost);

    std::shared_ptr<Context> context_;
    std::string privateDir_;
    unsigned timeoutSeconds_ = 0;
    Kept *keep_ = nullptr;
    std::size_t filesRead_ = 0;
    std::size_t bytesRead_ = 0;
    std::size_t reconnects_ = 0;
};

} // namespace gpaudit::domain
