// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/smb.hxx"

#include "host/files/files.hxx"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <libsmbclient.h>
#include <link.h>
#include <set>
#include <string_view>
#include <sys/mman.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace gpaudit::domain {

namespace {

// libsmbclient pulls in more than a hundred of Samba's libraries (about 50 ms of dynamic loading at
// every start here), and most runs read nothing over SMB (nothing changed, or show/rules/mapping): it
// is loaded at the first SMB read instead of at start.
struct SmbApi {
    decltype(&smbc_new_context) newContext = nullptr;
    decltype(&smbc_free_context) freeContext = nullptr;
    decltype(&smbc_setDebug) setDebug = nullptr;
    decltype(&smbc_setOptionDebugToStderr) debugToStderr = nullptr;
    decltype(&smbc_setTimeout) setTimeout = nullptr;
    decltype(&smbc_setPort) setPort = nullptr;
    decltype(&smbc_setOptionUseKerberos) useKerberos = nullptr;
    decltype(&smbc_setOptionFallbackAfterKerberos) fallbackAfterKerberos = nullptr;
    decltype(&smbc_setOptionNoAutoAnonymousLogin) noAutoAnonymousLogin = nullptr;
    decltype(&smbc_setOptionUseCCache) useCCache = nullptr;
    decltype(&smbc_setFunctionAuthDataWithContext) authData = nullptr;
    decltype(&smbc_init_context) initContext = nullptr;
    decltype(&smbc_setConfiguration) setConfiguration = nullptr;
    decltype(&smbc_setOptionProtocols) setProtocols = nullptr;
    decltype(&smbc_getFunctionOpen) getOpen = nullptr;
    decltype(&smbc_getFunctionRead) getRead = nullptr;
    decltype(&smbc_getFunctionClose) getClose = nullptr;
};

// The loaded library, until unloadLibrary() (gpauditd, idle): its handle and the functions taken from it.
struct Loaded {
    SmbApi api;
    std::string error;
    bool tried = false;
    void *handle = nullptr;
    std::size_t contexts = 0; // libsmbclient contexts alive: none may outlive the library
    // Every signal's disposition before the library was loaded: Samba sets handlers of its own (a child's
    // SIGCHLD, its fault handlers) that must not outlive its code (a fetch worker ending after dlclose
    // ran a handler in unmapped memory, in a loop).
    std::array<struct sigaction, NSIG> signalsBefore{};
    // The objects loaded before the library (dropErrorTablesOfSince).
    std::set<std::uintptr_t> objectsBefore;
};
Loaded &loaded()
{
    static Loaded state;
    return state;
}

// com_err's lists of error tables (`_et_list` and `_et_dynamic_list` of libcom_err.so.2, which libkrb5
// links): error_message() walks them for every Kerberos error text. Samba's own Kerberos (Heimdal)
// registers its tables in them when libsmbclient is loaded, each a node in the heap whose message array
// is in a Samba library; Heimdal's krb5 table has MIT's base, so it answers MIT's codes too. Once those
// libraries are unloaded the nodes point into unmapped memory: the next Kerberos error text looked up
// (the GSSAPI bind of a new LDAP session looks one up) crashed gpauditd in error_message(). Same node
// layout in e2fsprogs' and Heimdal's com_err.
struct EtList {
    EtList *next;
    const char *const *const *table; // struct error_table, whose first member is its messages
};
// The objects loaded before libsmbclient (their load addresses): what stays after unloadLibrary().
std::set<std::uintptr_t> loadedObjects()
{
    std::set<std::uintptr_t> bases;
    ::dl_iterate_phdr(
        [](dl_phdr_info *info, std::size_t, void *out) {
            static_cast<std::set<std::uintptr_t> *>(out)->insert(info->dlpi_addr);
            return 0;
        },
        &bases);
    return bases;
}
// Before libsmbclient is closed: the nodes whose messages are in an object loaded since (Samba's) are
// unlinked, and freed when they are in the heap (Heimdal's initialize_error_table_r makes them there).
void dropErrorTablesOfSince(const std::set<std::uintptr_t> &before)
{
    for (const char *name : {"_et_list", "_et_dynamic_list"}) {
        auto **list = static_cast<EtList **>(::dlsym(RTLD_DEFAULT, name));
        if (list == nullptr)
            continue;
        std::size_t seen = 0;
        for (EtList **link = list; *link != nullptr && ++seen < 10000;) {
            EtList *node = *link;
            Dl_info info{};
            const bool samba = node->table != nullptr && ::dladdr(*node->table, &info) != 0 &&
                               !before.contains(reinterpret_cast<std::uintptr_t>(info.dli_fbase));
            if (!samba) {
                link = &node->next;
                continue;
            }
            *link = node->next;
            if (::dladdr(node, &info) == 0)
                std::free(node); // NOLINT(cppcoreguidelines-no-malloc): malloc'd by Samba's com_err
        }
    }
}

Result<const SmbApi *> smbApi()
{
    Loaded &state = loaded();
    SmbApi &api = state.api;
    std::string &error = state.error;
    if (!state.tried) {
        state.tried = true;
        for (int signal = 1; signal < NSIG; ++signal)
            ::sigaction(signal, nullptr, &state.signalsBefore[static_cast<std::size_t>(signal)]);
        state.objectsBefore = loadedObjects();
        void *handle = ::dlopen("libsmbclient.so.0", RTLD_NOW | RTLD_LOCAL);
        state.handle = handle;
        if (handle == nullptr) {
            const char *why = ::dlerror();
            error = std::string("SMB: cannot load libsmbclient.so.0 (package libsmbclient): ") + (why ? why : "");
        } else {
            auto load = [&](auto &target, const char *name) {
                target = reinterpret_cast<std::remove_reference_t<decltype(target)>>(::dlsym(handle, name));
                if (target == nullptr && error.empty())
                    error = std::string("SMB: libsmbclient.so.0 lacks ") + name;
            };
            load(api.newContext, "smbc_new_context");
            load(api.freeContext, "smbc_free_context");
            load(api.setDebug, "smbc_setDebug");
            load(api.debugToStderr, "smbc_setOptionDebugToStderr");
            load(api.setTimeout, "smbc_setTimeout");
            load(api.setPort, "smbc_setPort");
            load(api.useKerberos, "smbc_setOptionUseKerberos");
            load(api.fallbackAfterKerberos, "smbc_setOptionFallbackAfterKerberos");
            load(api.noAutoAnonymousLogin, "smbc_setOptionNoAutoAnonymousLogin");
            load(api.useCCache, "smbc_setOptionUseCCache");
            load(api.authData, "smbc_setFunctionAuthDataWithContext");
            load(api.initContext, "smbc_init_context");
            load(api.setConfiguration, "smbc_setConfiguration");
            load(api.setProtocols, "smbc_setOptionProtocols");
            load(api.getOpen, "smbc_getFunctionOpen");
            load(api.getRead, "smbc_getFunctionRead");
            load(api.getClose, "smbc_getFunctionClose");
        }
    }
    if (!error.empty())
        return fail(error);
    return &api;
}

// Samba's gencache.tdb (its name cache), opened by libsmbclient and never closed: a mapping of
// hundreds of KiB and a descriptor that outlive the library. Called once libsmbclient and every
// library of Samba's are unloaded (no code is left that could use them): unmapped and closed.
void releaseSambaCaches()
{
    std::ifstream maps("/proc/self/maps");
    std::string line;
    for (int lines = 0; lines < 100000 && std::getline(maps, line); ++lines) {
        if (!line.ends_with("/gencache.tdb"))
            continue;
        unsigned long start = 0;
        unsigned long end = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx", &start, &end) == 2 && end > start)
            // An address read from /proc/self/maps: a pointer from an integer is the point here.
            ::munmap(reinterpret_cast<void *>(start), end - start); // NOLINT(performance-no-int-to-ptr)
    }
    if (DIR *fds = ::opendir("/proc/self/fd"); fds != nullptr) {
        std::vector<int> open;
        while (const dirent *entry = ::readdir(fds)) {
            char target[4096];
            const std::string link = std::string("/proc/self/fd/") + entry->d_name;
            const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
            if (n > 0 && std::string_view(target, static_cast<std::size_t>(n)).ends_with("/gencache.tdb"))
                open.push_back(std::atoi(entry->d_name));
        }
        ::closedir(fds);
        for (int fd : open)
            ::close(fd);
    }
}

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
                                 "\tsmb ports = 445\n"
                                 "\tload printers = no\n";

} // namespace

struct SmbReader::Context {
    const SmbApi *api = nullptr;
    SMBCCTX *ctx = nullptr;
    Context() { ++loaded().contexts; }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;
    ~Context()
    {
        if (ctx != nullptr)
            api->freeContext(ctx, 1);
        --loaded().contexts;
    }
};

SmbReader::SmbReader(SmbReader &&) noexcept = default;
SmbReader &SmbReader::operator=(SmbReader &&) noexcept = default;
SmbReader::~SmbReader() = default;

bool SmbReader::unloadLibrary(Kept *keep)
{
    Loaded &state = loaded();
    if (keep != nullptr && keep->context && keep->context.use_count() == 1)
        *keep = {}; // frees the context: its SMB session is closed
    if (state.contexts > 0)
        return false; // a reader is alive: the library stays
    const bool wasLoaded = state.handle != nullptr;
    if (wasLoaded) {
        // Nothing of Samba's runs any more: each signal gets back the disposition it had before the
        // library came (before its code goes).
        for (int signal = 1; signal < NSIG; ++signal) {
            const auto &before = state.signalsBefore[static_cast<std::size_t>(signal)];
            struct sigaction now {};
            if (::sigaction(signal, nullptr, &now) == 0 &&
                (now.sa_handler != before.sa_handler || now.sa_flags != before.sa_flags))
                ::sigaction(signal, &before, nullptr);
        }
        dropErrorTablesOfSince(state.objectsBefore); // before their messages go
        ::dlclose(state.handle);
        // Samba's module loader opens plugins (samba/gensec/krb5.so for the Kerberos login) and never
        // closes them; each holds dozens of Samba's libraries. Once libsmbclient is closed nothing of
        // Samba's runs any more: the loader's reference to each plugin still mapped is dropped too (a
        // handle of our own by RTLD_NOLOAD, closed twice: ours and the loader's).
        std::set<std::string> plugins;
        std::ifstream maps("/proc/self/maps");
        std::string line;
        for (int lines = 0; lines < 100000 && std::getline(maps, line); ++lines) {
            // a plugin sits in a folder of Samba's private library folder: .../samba/<kind>/<name>.so
            const auto samba = line.find("/samba/");
            if (samba == std::string::npos || line.find('/', samba + 7) == std::string::npos || !line.ends_with(".so"))
                continue;
            plugins.insert(line.substr(line.rfind(' ', samba) + 1));
        }
        for (const auto &path : plugins)
            if (void *plugin = ::dlopen(path.c_str(), RTLD_NOLOAD | RTLD_LAZY); plugin != nullptr) {
                ::dlclose(plugin);
                ::dlclose(plugin);
            }
        releaseSambaCaches();
    }
    state = Loaded{};
    return wasLoaded;
}

Result<SmbReader> SmbReader::create(const std::string &privateDir, unsigned timeoutSeconds, Kept *keep)
{
    SmbReader reader;
    reader.privateDir_ = privateDir;
    reader.timeoutSeconds_ = timeoutSeconds;
    reader.keep_ = keep;
    if (keep != nullptr && keep->context && keep->privateDir == privateDir) {
        reader.context_ = keep->context;
        return reader;
    }
    auto context = newContext(privateDir, timeoutSeconds);
    if (!context)
        return tl::unexpected(context.error());
    reader.context_ = std::move(*context);
    if (keep != nullptr)
        *keep = {reader.context_, privateDir};
    return reader;
}

Result<std::shared_ptr<SmbReader::Context>> SmbReader::newContext(const std::string &privateDir,
                                                                  unsigned timeoutSeconds)
{
    const std::string confPath = privateDir + "/smb-client.conf";
    if (auto current = host::readFileBounded(confPath); !current || *current != kSmbConf)
        if (auto written = host::writeFileAtomic(confPath, kSmbConf, 0644); !written)
            return tl::unexpected(written.error());
    auto api = smbApi();
    if (!api)
        return tl::unexpected(api.error());
    const SmbApi &smb = **api;
    auto context = std::make_shared<Context>();
    context->api = &smb;
    SMBCCTX *ctx = smb.newContext();
    if (ctx == nullptr)
        return fail(std::string("SMB: cannot create a libsmbclient context: ") + std::strerror(errno));
    context->ctx = ctx;
    // Samba's messages (even "unknown parameter") go to standard error, never into our standard output.
    smb.debugToStderr(ctx, 1);
    smb.setDebug(ctx, 0);
    smb.setTimeout(ctx, static_cast<int>(timeoutSeconds * 1000));
    smb.setPort(ctx, 445); // SMB over TCP only: no fallback to NetBIOS session service on 139
    smb.useKerberos(ctx, 1);
    smb.fallbackAfterKerberos(ctx, 0);
    smb.noAutoAnonymousLogin(ctx, 1);
    smb.useCCache(ctx, 1);
    smb.authData(ctx, noPassword);
    if (smb.initContext(ctx) == nullptr)
        return fail(std::string("SMB: cannot initialise libsmbclient: ") + std::strerror(errno));
    // After init: the context's own configuration replaces whatever smb.conf was loaded.
    if (smb.setConfiguration(ctx, confPath.c_str()) != 0)
        return fail("SMB: cannot load " + confPath);
    smb.setProtocols(ctx, "SMB2_02", "SMB3");
    return context;
}

Result<std::optional<std::string>> SmbReader::read(const std::string &url, std::size_t maxSize)
{
    bool connectionLost = false;
    auto content = readOnce(url, maxSize, connectionLost);
    if (content || !connectionLost || reconnects_ > 0)
        return content;
    // The session went away under a reused context: a new context, a new connection, one more try.
    auto fresh = newContext(privateDir_, timeoutSeconds_);
    if (!fresh)
        return content;
    ++reconnects_;
    context_ = std::move(*fresh);
    if (keep_ != nullptr)
        *keep_ = {context_, privateDir_};
    return readOnce(url, maxSize, connectionLost);
}

Result<std::optional<std::string>> SmbReader::readOnce(const std::string &url, std::size_t maxSize,
                                                       bool &connectionLost)
{
    SMBCCTX *ctx = context_->ctx;
    const SmbApi &smb = *context_->api;
    auto lost = [&](int error) {
        connectionLost = error == ECONNABORTED || error == ECONNRESET || error == EPIPE || error == ENOTCONN ||
                         error == ETIMEDOUT || error == EIO;
    };
    errno = 0;
    SMBCFILE *file = smb.getOpen(ctx)(ctx, url.c_str(), O_RDONLY, 0);
    if (file == nullptr) {
        const int saved = errno;
        if (saved == ENOENT || saved == ENOTDIR)
            return std::optional<std::string>();
        lost(saved);
        return fail("SMB: cannot open " + url + ": " + std::strerror(saved) +
                    (saved == EACCES || saved == EPERM ? " (Kerberos ticket, signing, or the file's ACL)" : ""));
    }
    // libsmbclient's read returns fewer bytes than asked only at the end of the file (its cli_read goes
    // on reading until the count is met or a read returns nothing): a short read ends the loop, without
    // one more READ round trip to see the end (4 round trips per file instead of 5: CREATE, READ, the
    // READ that meets the end, CLOSE).
    std::string content;
    constexpr std::size_t kChunk = 65536;
    while (true) {
        const std::size_t want = std::min(kChunk, maxSize + 1 - content.size());
        const std::size_t had = content.size();
        content.resize(had + want);
        const ssize_t n = smb.getRead(ctx)(ctx, file, content.data() + had, want);
        if (n < 0) {
            const int saved = errno;
            smb.getClose(ctx)(ctx, file);
            lost(saved);
            return fail("SMB: reading " + url + ": " + std::strerror(saved));
        }
        content.resize(had + static_cast<std::size_t>(n));
        bytesRead_ += static_cast<std::size_t>(n);
        if (content.size() > maxSize) {
            smb.getClose(ctx)(ctx, file);
            return fail("SMB: " + url + " is larger than " + std::to_string(maxSize) +
                        " bytes (max_file_size, gpauditd.conf(5)); refused (a policy file is a few KiB)");
        }
        if (static_cast<std::size_t>(n) < want)
            break;
    }
    smb.getClose(ctx)(ctx, file);
    ++filesRead_;
    return std::optional<std::string>(std::move(content));
}

} // namespace gpaudit::domain
