// SPDX-License-Identifier: GPL-2.0-or-later
#include "smb.hxx"

#include "host/files.hxx"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <libsmbclient.h>

namespace gpaudit::domain {

namespace {

// No password: Kerberos from the ccache or nothing.
void noPassword(SMBCCTX *, const char *, const char *, char *, int, char *, int, char *password, int passwordLength)
{
    if (passwordLength > 0)
        password[0] = '\0';
}

// The private configuration: Kerberos required, signing required, SMB2+ (lab.md: the DC negotiates
// SMB3.11 with AES-GMAC signing). Fixed text, no value from outside.
constexpr const char *kSmbConf = "# written by gpaudit: the SMB client settings it reads SYSVOL with\n"
                                 "[global]\n"
                                 "\tclient use kerberos = required\n"
                                 "\tclient signing = required\n"
                                 "\tclient ipc signing = required\n"
                                 "\tclient min protocol = SMB2_02\n"
                                 "\tclient protection = sign\n"
                                 "\tname resolve order = host\n"
                                 "\tclient smb transports = 445\n"
                                 "\tload printers = no\n";

} // namespace

struct SmbReader::Context {
    SMBCCTX *ctx = nullptr;
    ~Context()
    {
        if (ctx != nullptr)
            smbc_free_context(ctx, 1);
    }
};

SmbReader::SmbReader(SmbReader &&) noexcept = default;
SmbReader &SmbReader::operator=(SmbReader &&) noexcept = default;
SmbReader::~SmbReader() = default;

Result<SmbReader> SmbReader::create(const std::string &privateDir, unsigned timeoutSeconds)
{
    const std::string confPath = privateDir + "/smb-client.conf";
    if (auto written = host::writeFileAtomic(confPath, kSmbConf, 0644); !written)
        return tl::unexpected(written.error());
    SmbReader reader;
    reader.context_ = std::make_unique<Context>();
    SMBCCTX *ctx = smbc_new_context();
    if (ctx == nullptr)
        return fail(std::string("SMB: cannot create a libsmbclient context: ") + std::strerror(errno));
    reader.context_->ctx = ctx;
    smbc_setDebug(ctx, 0);
    smbc_setTimeout(ctx, static_cast<int>(timeoutSeconds * 1000));
    smbc_setOptionUseKerberos(ctx, 1);
    smbc_setOptionFallbackAfterKerberos(ctx, 0);
    smbc_setOptionNoAutoAnonymousLogin(ctx, 1);
    smbc_setOptionUseCCache(ctx, 1);
    smbc_setFunctionAuthDataWithContext(ctx, noPassword);
    if (smbc_init_context(ctx) == nullptr)
        return fail(std::string("SMB: cannot initialise libsmbclient: ") + std::strerror(errno));
    // After init: the context's own configuration replaces whatever smb.conf was loaded.
    if (smbc_setConfiguration(ctx, confPath.c_str()) != 0)
        return fail("SMB: cannot load " + confPath);
    smbc_setOptionProtocols(ctx, "SMB2_02", "SMB3");
    return reader;
}

Result<std::optional<std::string>> SmbReader::read(const std::string &url, std::size_t maxSize)
{
    SMBCCTX *ctx = context_->ctx;
    errno = 0;
    SMBCFILE *file = smbc_getFunctionOpen(ctx)(ctx, url.c_str(), O_RDONLY, 0);
    if (file == nullptr) {
        const int saved = errno;
        if (saved == ENOENT || saved == ENOTDIR)
            return std::optional<std::string>();
        return fail("SMB: cannot open " + url + ": " + std::strerror(saved) +
                    (saved == EACCES || saved == EPERM ? " (Kerberos ticket, signing, or the file's ACL)" : ""));
    }
    std::string content;
    char buffer[16384];
    while (true) {
        const ssize_t n = smbc_getFunctionRead(ctx)(ctx, file, buffer, sizeof buffer);
        if (n < 0) {
            const int saved = errno;
            smbc_getFunctionClose(ctx)(ctx, file);
            return fail("SMB: reading " + url + ": " + std::strerror(saved));
        }
        if (n == 0)
            break;
        bytesRead_ += static_cast<std::size_t>(n);
        if (content.size() + static_cast<std::size_t>(n) > maxSize) {
            smbc_getFunctionClose(ctx)(ctx, file);
            return fail("SMB: " + url + " is larger than " + std::to_string(maxSize) +
                        " bytes; refused (a policy file is a few KiB)");
        }
        content.append(buffer, static_cast<std::size_t>(n));
    }
    smbc_getFunctionClose(ctx)(ctx, file);
    ++filesRead_;
    return std::optional<std::string>(std::move(content));
}

} // namespace gpaudit::domain
