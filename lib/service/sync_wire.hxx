// SPDX-License-Identifier: GPL-2.0-or-later
// The sync worker's wire: what gpauditd and its sync worker (gpauditctl --sync-worker) say to each other
// over their socket. The worker does the network half of a sync (fetchDomainPolicy: libkrb5, libldap,
// GnuTLS), so the idle daemon never maps those libraries; this carries the request down and the events
// and the result back. Pure: bytes in, values out; the socket and the processes are the programs'.
//   frame = kind (1 byte) | length (4 bytes, little-endian) | length bytes
//   'S' parent -> child: a sync request (encodeWorkerRequest)
//   'U' parent -> child: release the kept sessions (empty)
//   'E' child -> parent: one SyncEvent while the fetch runs (encodeSyncEvent)
//   'R' child -> parent: the fetch's result (encodeWorkerResult)
// Any other kind, or a length over the reader's bound, refuses the whole stream.
//
// The payloads are core::ImageWriter/ImageReader's form (core/base/image.hxx): numbers little-endian,
// texts and file contents as length and bytes (any bytes: GptTmpl.inf is UTF-16), lists as a count and
// their elements. Every field of every type is carried (the encoders name them all with a structured
// binding, so a field added to one of the types does not compile until it is carried here). Decoding is
// bounded like any input: a count is checked against the bytes left before anything is allocated, an
// enumeration or a flag out of range, a truncated payload and bytes after the end are errors naming the
// message and the offset, never a crash. The request and the result begin with the protocol's version,
// so a daemon and a worker of different builds (an upgrade while gpauditd runs) refuse each other
// clearly instead of misreading.
#pragma once

#include "core/base/config.hxx"
#include "core/base/result.hxx"
#include "core/report/report.hxx"
#include "service/domain_policy.hxx"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpaudit::service {

inline constexpr std::size_t kWireFrameHeader = 5;
// The layout of the request and the result; a change of either changes the number.
inline constexpr std::uint32_t kSyncWireVersion = 1;

struct WireFrame {
    char kind = 0;
    std::string payload;
    bool operator==(const WireFrame &) const = default;
};

// The bytes of one frame. The caller keeps the payload within the other side's bound (and under 4 GiB).
std::string encodeWireFrame(char kind, std::string_view payload);

// Frames out of a byte stream that arrives in pieces of any size (the contract of core::FetchFrameReader).
class WireFrameReader {
  public:
    // maxPayload: the largest payload accepted ('U' is always empty).
    explicit WireFrameReader(std::size_t maxPayload) : maxPayload_(maxPayload) {}
    // Appends received bytes; the caller takes every complete frame (next() until nullopt) after each
    // feed. A header is checked as soon as it is complete, before its payload is awaited.
    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete frame; nullopt when more bytes are needed; an error for a frame out of protocol
    // (an unknown kind, a length over the bound), then the same error from every later call.
    Result<std::optional<WireFrame>> next();
    // Bytes received and not yet taken as a frame (a stream that ends here ended mid-frame).
    [[nodiscard]] std::size_t pending() const { return buffer_.size() - start_; }

  private:
    std::size_t maxPayload_;
    std::string buffer_;
    std::size_t start_ = 0;
    std::optional<Error> broken_;
};

// 'S': what fetchDomainPolicy needs of SyncOptions (the session, the fetch worker command and the
// progress callback are the worker's own).
struct WorkerRequest {
    core::Config config;
    bool force = false;
    bool dryRun = false;
    bool operator==(const WorkerRequest &) const = default;
};
std::string encodeWorkerRequest(const WorkerRequest &request);
Result<WorkerRequest> decodeWorkerRequest(std::string_view bytes);

// 'E': event.apply is never carried (an Applied event is the parent's: the apply runs there); it is
// null once decoded.
std::string encodeSyncEvent(const core::SyncEvent &event);
Result<core::SyncEvent> decodeSyncEvent(std::string_view bytes);

// 'R'.
struct WorkerResult {
    std::string notJoined; // non-empty: the host is not joined (why); nothing else meaningful
    std::size_t stage = 0; // PendingSync::stage after the fetch
    Result<DomainPolicy> policy = fail("no result");
    bool ldapKept = false; // the worker keeps these sessions for the next sync
    bool smbKept = false;
    bool operator==(const WorkerResult &) const = default;
};
std::string encodeWorkerResult(const WorkerResult &result);
Result<WorkerResult> decodeWorkerResult(std::string_view bytes);

} // namespace gpaudit::service
