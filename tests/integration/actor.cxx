// SPDX-License-Identifier: GPL-2.0-or-later
// Causes one audited activity for the event tests, with the outcome the test expects; exit status 0
// means the kernel answered as expected. Nothing here changes the system: every privileged attempt
// is made so that it fails (or, like adjtimex with modes 0, only reads).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <linux/keyctl.h>
#include <string>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <unistd.h>

namespace {
int expect(bool ok, const char *what)
{
    if (!ok) {
        (void)std::fprintf(stderr, "actor: %s: unexpected result (%s)\n", what, std::strerror(errno));
        return 1;
    }
    return 0;
}
} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        (void)std::fprintf(stderr,
                           "usage: actor exec-denied PATH | adjtimex-read | settime-denied | finit-module-bad | "
                           "ptrace-denied | mount-denied DIR | ipc | keyctl\n");
        return 2;
    }
    const std::string action = argv[1];
    if (action == "exec-denied" && argc == 3) {
        char *const args[] = {argv[2], nullptr};
        execv(argv[2], args);
        return expect(errno == EACCES, "execve of a non-executable file");
    }
    if (action == "adjtimex-read") {
        timex tx{};
        tx.modes = 0; // read only
        return expect(syscall(SYS_adjtimex, &tx) >= 0, "adjtimex(modes=0)");
    }
    if (action == "settime-denied") {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        return expect(clock_settime(CLOCK_REALTIME, &now) != 0 && errno == EPERM, "clock_settime without privilege");
    }
    if (action == "finit-module-bad") // EBADF; EPERM or ENOSYS where modules are not allowed or not built
        return expect(syscall(SYS_finit_module, -1, "", 0) != 0, "finit_module(-1)");
    if (action == "ptrace-denied")
        return expect(ptrace(PTRACE_ATTACH, 1, nullptr, nullptr) != 0 && errno == EPERM, "ptrace attach to pid 1");
    if (action == "mount-denied" && argc == 3)
        return expect(mount("gpaudit-test", argv[2], "tmpfs", 0, nullptr) != 0 && errno == EPERM,
                      "mount without privilege");
    if (action == "ipc") {
        const int id = msgget(IPC_PRIVATE, 0600);
        if (expect(id >= 0, "msgget") != 0 || expect(msgctl(id, IPC_RMID, nullptr) == 0, "msgctl IPC_RMID") != 0)
            return 1;
        return expect(msgctl(-1, IPC_RMID, nullptr) != 0 && errno == EINVAL, "msgctl on no queue");
    }
    if (action == "keyctl")
        return expect(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 1) >= 0, "keyctl");
    (void)std::fprintf(stderr, "actor: unknown action %s\n", action.c_str());
    return 2;
}
