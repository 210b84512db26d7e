// SPDX-License-Identifier: GPL-2.0-or-later
// gpauditd's control socket: a Unix stream socket, root only (the peer's credentials are checked).
// The client sends one request line ("sync --force --json\n"); the daemon answers with frames, each a
// kind byte ('o' standard output, 'e' standard error, 'x' exit status as decimal text), a 4-byte
// big-endian length and the data, and closes after the 'x' frame.
#pragma once

#include "core/base/control_request.hxx"
#include "core/base/result.hxx"
#include "host/files/unique_fd.hxx"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpaudit::host::control {

inline constexpr std::size_t kMaxRequest = core::kMaxControlRequest;
inline constexpr std::size_t kMaxFrame = 16u << 20;

std::string frame(char kind, std::string_view data);

// Server: creates the parent directory (0755) when missing, replaces a stale socket file (nothing
// listening), refuses when another daemon answers there, and leaves the socket 0600. The descriptor is
// the caller's (closed with the UniqueFd).
Result<UniqueFd> listenAt(const std::string &path);

// The peer's uid (SO_PEERCRED), with "uid N pid P" for messages.
struct Peer {
    unsigned uid = 0;
    int pid = 0;
};
Result<Peer> peerOf(int fd);

// Splits a request line into words; an error for an empty, oversized or non-printable line
// (core::splitControlRequest; core::parseControlRequest also checks the command and its flags).
Result<std::vector<std::string>> parseRequest(std::string_view line);

// Client: connects; `notRunning` is set (and an error returned) when nothing listens at the path.
Result<UniqueFd> connectTo(const std::string &path, bool &notRunning);

// Client: sends the request and copies the frames to the given descriptors until the exit frame.
// Returns the exit status, or an error when the daemon closed early or sent a malformed frame.
Result<int> exchange(int fd, const std::string &request, int outFd, int errFd);

// Server: writes a frame in full (blocking; MSG_NOSIGNAL). False once the client is gone.
bool sendFrame(int fd, char kind, std::string_view data);

} // namespace gpaudit::host::control
