// SPDX-License-Identifier: GPL-2.0-or-later
#include "service/sync_wire.hxx"

#include "core/base/image.hxx"

#include <limits>
#include <utility>

namespace gpaudit::service {

using core::ImageReader;
using core::ImageWriter;

Result<std::optional<WireFrame>> WireFrameReader::next()
{
    if (broken_)
        return tl::unexpected(*broken_);
    auto refuse = [&](std::string message) -> Result<std::optional<WireFrame>> {
        broken_ = Error{{}, "sync worker protocol: " + std::move(message)};
        return tl::unexpected(*broken_);
    };
    if (pending() < kWireFrameHeader)
        return std::nullopt;
    const auto *head = reinterpret_cast<const unsigned char *>(buffer_.data() + start_);
    std::uint32_t length = 0;
    for (int i = 3; i >= 0; --i)
        length = (length << 8) | head[1 + i];
    std::size_t limit = maxPayload_;
    switch (head[0]) {
    case 'S':
    case 'E':
    case 'R':
        break;
    case 'U':
        limit = 0;
        break;
    default:
        return refuse("unknown frame kind " + std::to_string(head[0]));
    }
    if (length > limit)
        return refuse("a frame of " + std::to_string(length) + " bytes where at most " + std::to_string(limit) +
                      " are allowed");
    if (pending() - kWireFrameHeader < length)
        return std::nullopt;
    WireFrame frame;
    frame.kind = static_cast<char>(head[0]);
    frame.payload.assign(buffer_, start_ + kWireFrameHeader, length);
    start_ += kWireFrameHeader + length;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    } else if (start_ > 65536) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    return frame;
}

std::string encodeWireFrame(char kind, std::string_view payload)
{
    std::string out;
    out.reserve(kWireFrameHeader + payload.size());
    out.push_back(kind);
    const auto length = static_cast<std::uint32_t>(payload.size());
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<char>((length >> shift) & 0xFFU));
    out += payload;
    return out;
}

namespace {

// The fewest bytes an element of a list takes, so that a count is checked against the bytes left
// before anything is allocated (ImageReader::count).
constexpr std::size_t kMinString = 4;
constexpr std::size_t kMinStage = 4 + 8;
constexpr std::size_t kMinGpoRecord = std::size_t{7} * 4 + std::size_t{4} * 4;
constexpr std::size_t kMinApplied = std::size_t{3} * 4;
constexpr std::size_t kMinInput = std::size_t{2} * 4 + std::size_t{3} * 4 + 4;

// --- writing ---------------------------------------------------------------------------------------

void putFlag(ImageWriter &out, bool flag)
{
    out.u32(flag ? 1 : 0);
}

void putSize(ImageWriter &out, std::size_t value)
{
    out.u64(static_cast<std::uint64_t>(value));
}

// Durations and other signed counts: two's complement in 64 bits.
void putSigned(ImageWriter &out, std::int64_t value)
{
    out.u64(static_cast<std::uint64_t>(value));
}

void putStrings(ImageWriter &out, const std::vector<std::string> &list)
{
    out.u32(static_cast<std::uint32_t>(list.size()));
    for (const auto &item : list)
        out.str(item);
}

void putOptional(ImageWriter &out, const std::optional<std::uint32_t> &value)
{
    putFlag(out, value.has_value());
    if (value)
        out.u32(*value);
}

void putOptional(ImageWriter &out, const std::optional<std::string> &value)
{
    putFlag(out, value.has_value());
    if (value)
        out.str(*value);
}

void putConfig(ImageWriter &out, const core::Config &config)
{
    const auto &[realm, machine, keytab, server, dcPin, site, stateDir, socket, rulesFile, legacy, uidMin, saclDirs,
                 idmap, refreshInterval, refreshRandomDelay, fullReapplyInterval, retryMin, retryMax,
                 driftCheckInterval, ldapTimeout, fetchWorkers, limits, guardrails, sambaAudit, sambaConf,
                 sambaIncludeFile, sambaAddInclude] = config;
    out.str(realm);
    out.str(machine);
    out.str(keytab);
    out.str(server);
    putStrings(out, dcPin);
    out.str(site);
    out.str(stateDir);
    out.str(socket);
    out.str(rulesFile);
    out.u32(static_cast<std::uint32_t>(legacy));
    out.u32(uidMin);
    putStrings(out, saclDirs);
    out.u32(static_cast<std::uint32_t>(idmap));
    for (const auto &seconds : {refreshInterval, refreshRandomDelay, fullReapplyInterval, retryMin, retryMax,
                                driftCheckInterval, ldapTimeout})
        putSigned(out, seconds.count());
    out.u32(fetchWorkers);
    const auto &[maxFileSize, maxPerUserSids, maxSaclAces, maxRules] = limits;
    putSize(out, maxFileSize);
    putSize(out, maxPerUserSids);
    putSize(out, maxSaclAces);
    putSize(out, maxRules);
    const auto &[reportOnly, failureModeMax, backlogMin, keepRecordTypes] = guardrails;
    putFlag(out, reportOnly);
    putOptional(out, failureModeMax);
    putOptional(out, backlogMin);
    putStrings(out, keepRecordTypes);
    putFlag(out, sambaAudit);
    out.str(sambaConf);
    out.str(sambaIncludeFile);
    putFlag(out, sambaAddInclude);
}

void putGpoRef(ImageWriter &out, const core::GpoRef &gpo)
{
    const auto &[guid, name] = gpo;
    out.str(guid);
    out.str(name);
}

void putRecord(ImageWriter &out, const core::SyncRecord &record)
{
    const auto &[time, realm, machine, dc, site, computerDn, gpos, applied, mode, kernelTime] = record;
    out.str(time);
    out.str(realm);
    out.str(machine);
    out.str(dc);
    out.str(site);
    out.str(computerDn);
    out.u32(static_cast<std::uint32_t>(gpos.size()));
    for (const auto &gpo : gpos) {
        const auto &[guid, name, som, enforced, isApplied, reason, version, audit, security, status, registry] = gpo;
        out.str(guid);
        out.str(name);
        out.str(som);
        putFlag(out, enforced);
        putFlag(out, isApplied);
        out.str(reason);
        out.u32(version);
        putFlag(out, audit);
        putFlag(out, security);
        out.str(status);
        putFlag(out, registry);
    }
    out.u32(static_cast<std::uint32_t>(applied.size()));
    for (const auto &entry : applied) {
        const auto &[guid, name, version] = entry;
        out.str(guid);
        out.str(name);
        out.u32(version);
    }
    out.str(mode);
    out.str(kernelTime);
}

void putInput(ImageWriter &out, const host::CachedInput &input)
{
    const auto &[gpo, files, extensions] = input;
    putGpoRef(out, gpo);
    const auto &[auditCsv, gptTmplInf, registryPol] = files;
    putOptional(out, auditCsv);
    putOptional(out, gptTmplInf);
    putOptional(out, registryPol);
    putFlag(out, extensions.has_value());
    if (extensions) {
        const auto &[cses, source] = *extensions;
        out.u32(static_cast<std::uint32_t>(cses.size()));
        for (const auto &cse : cses) // in the set's order: the reader takes them ascending only
            out.str(cse);
        out.str(source);
    }
}

void putStats(ImageWriter &out, const core::SyncStats &stats)
{
    const auto &[gposFetched, gposCached, newTicket, ticketExpires, ldapSearches, ldapRoundTrips, ssf, ldapSessionKept,
                 dcAddress, dcProved, dcProofKept, dcChecks, dcRefused, smbFiles, smbBytes, fetchWorkers,
                 cacheUnchanged, stages, total] = stats;
    putSize(out, gposFetched);
    putSize(out, gposCached);
    putFlag(out, newTicket);
    out.str(ticketExpires);
    putSize(out, ldapSearches);
    putSize(out, ldapRoundTrips);
    out.u32(ssf);
    putFlag(out, ldapSessionKept);
    out.str(dcAddress);
    putFlag(out, dcProved);
    putFlag(out, dcProofKept);
    putSize(out, dcChecks);
    putStrings(out, dcRefused);
    putSize(out, smbFiles);
    putSize(out, smbBytes);
    putSize(out, fetchWorkers);
    putSize(out, cacheUnchanged);
    out.u32(static_cast<std::uint32_t>(stages.size()));
    for (const auto &stage : stages) {
        const auto &[name, elapsed] = stage;
        out.str(name);
        putSigned(out, elapsed.count());
    }
    putSigned(out, total.count());
}

void putPolicy(ImageWriter &out, const DomainPolicy &policy)
{
    const auto &[identity, dc, site, state, inputs, notes, fetchErrors, stats, lastKnownGood, unreachable] = policy;
    const auto &[realm, machine, keytab, server, source, krb5Config] = identity;
    out.str(realm);
    out.str(machine);
    out.str(keytab);
    out.str(server);
    out.str(source);
    out.str(krb5Config);
    out.str(dc);
    out.str(site);
    putRecord(out, state);
    out.u32(static_cast<std::uint32_t>(inputs.size()));
    for (const auto &input : inputs)
        putInput(out, input);
    putStrings(out, notes);
    putFlag(out, fetchErrors);
    putStats(out, stats);
    putFlag(out, lastKnownGood);
    out.str(unreachable);
}

void putError(ImageWriter &out, const Error &error)
{
    const auto &[where, message] = error;
    const auto &[file, line, column] = where;
    out.str(file);
    out.u32(line);
    out.u32(column);
    out.str(message);
}

// --- reading ---------------------------------------------------------------------------------------

bool getFlag(ImageReader &in, bool &flag)
{
    std::uint32_t value = 0;
    if (!in.u32(value))
        return false;
    if (value > 1)
        return in.corrupt("a flag out of range");
    flag = value == 1;
    return true;
}

bool getSize(ImageReader &in, std::size_t &value)
{
    std::uint64_t wide = 0;
    if (!in.u64(wide))
        return false;
    if (wide > std::numeric_limits<std::size_t>::max())
        return in.corrupt("a size out of range");
    value = static_cast<std::size_t>(wide);
    return true;
}

template <typename Duration> bool getDuration(ImageReader &in, Duration &value)
{
    std::uint64_t wide = 0;
    if (!in.u64(wide))
        return false;
    value = Duration{static_cast<typename Duration::rep>(static_cast<std::int64_t>(wide))};
    return true;
}

// An enumeration whose values are 0..last.
template <typename Enum> bool getEnum(ImageReader &in, Enum &value, Enum last, std::string_view what)
{
    std::uint32_t number = 0;
    if (!in.u32(number))
        return false;
    if (number > static_cast<std::uint32_t>(last))
        return in.corrupt(std::string(what) + " out of range (" + std::to_string(number) + ")");
    value = static_cast<Enum>(number);
    return true;
}

bool getStrings(ImageReader &in, std::vector<std::string> &list)
{
    std::uint32_t size = 0;
    if (!in.count(size, kMinString))
        return false;
    list.clear();
    for (std::uint32_t i = 0; i < size; ++i)
        if (!in.str(list.emplace_back()))
            return false;
    return true;
}

bool getOptional(ImageReader &in, std::optional<std::uint32_t> &value)
{
    bool present = false;
    if (!getFlag(in, present))
        return false;
    value.reset();
    if (present && !in.u32(value.emplace()))
        return false;
    return true;
}

bool getOptional(ImageReader &in, std::optional<std::string> &value)
{
    bool present = false;
    if (!getFlag(in, present))
        return false;
    value.reset();
    if (present && !in.str(value.emplace()))
        return false;
    return true;
}

bool getConfig(ImageReader &in, core::Config &config)
{
    auto &[realm, machine, keytab, server, dcPin, site, stateDir, socket, rulesFile, legacy, uidMin, saclDirs, idmap,
           refreshInterval, refreshRandomDelay, fullReapplyInterval, retryMin, retryMax, driftCheckInterval,
           ldapTimeout, fetchWorkers, limits, guardrails, sambaAudit, sambaConf, sambaIncludeFile, sambaAddInclude] =
        config;
    if (!in.str(realm) || !in.str(machine) || !in.str(keytab) || !in.str(server) || !getStrings(in, dcPin) ||
        !in.str(site) || !in.str(stateDir) || !in.str(socket) || !in.str(rulesFile) ||
        !getEnum(in, legacy, core::LegacyMode::Ignore, "the legacy mode") || !in.u32(uidMin) ||
        !getStrings(in, saclDirs) || !getEnum(in, idmap, core::IdmapSource::None, "the idmap source"))
        return false;
    for (auto *seconds : {&refreshInterval, &refreshRandomDelay, &fullReapplyInterval, &retryMin, &retryMax,
                          &driftCheckInterval, &ldapTimeout})
        if (!getDuration(in, *seconds))
            return false;
    auto &[maxFileSize, maxPerUserSids, maxSaclAces, maxRules] = limits;
    auto &[reportOnly, failureModeMax, backlogMin, keepRecordTypes] = guardrails;
    return in.u32(fetchWorkers) && getSize(in, maxFileSize) && getSize(in, maxPerUserSids) &&
           getSize(in, maxSaclAces) && getSize(in, maxRules) && getFlag(in, reportOnly) &&
           getOptional(in, failureModeMax) && getOptional(in, backlogMin) && getStrings(in, keepRecordTypes) &&
           getFlag(in, sambaAudit) && in.str(sambaConf) && in.str(sambaIncludeFile) && getFlag(in, sambaAddInclude);
}

bool getGpoRef(ImageReader &in, core::GpoRef &gpo)
{
    auto &[guid, name] = gpo;
    return in.str(guid) && in.str(name);
}

bool getRecord(ImageReader &in, core::SyncRecord &record)
{
    auto &[time, realm, machine, dc, site, computerDn, gpos, applied, mode, kernelTime] = record;
    std::uint32_t count = 0;
    if (!in.str(time) || !in.str(realm) || !in.str(machine) || !in.str(dc) || !in.str(site) || !in.str(computerDn) ||
        !in.count(count, kMinGpoRecord))
        return false;
    gpos.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
        auto &[guid, name, som, enforced, isApplied, reason, version, audit, security, status, registry] =
            gpos.emplace_back();
        if (!in.str(guid) || !in.str(name) || !in.str(som) || !getFlag(in, enforced) || !getFlag(in, isApplied) ||
            !in.str(reason) || !in.u32(version) || !getFlag(in, audit) || !getFlag(in, security) || !in.str(status) ||
            !getFlag(in, registry))
            return false;
    }
    if (!in.count(count, kMinApplied))
        return false;
    applied.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
        auto &[guid, name, version] = applied.emplace_back();
        if (!in.str(guid) || !in.str(name) || !in.u32(version))
            return false;
    }
    return in.str(mode) && in.str(kernelTime);
}

bool getInput(ImageReader &in, host::CachedInput &input)
{
    auto &[gpo, files, extensions] = input;
    auto &[auditCsv, gptTmplInf, registryPol] = files;
    bool present = false;
    if (!getGpoRef(in, gpo) || !getOptional(in, auditCsv) || !getOptional(in, gptTmplInf) ||
        !getOptional(in, registryPol) || !getFlag(in, present))
        return false;
    extensions.reset();
    if (!present)
        return true;
    auto &[cses, source] = extensions.emplace();
    std::uint32_t count = 0;
    if (!in.count(count, kMinString))
        return false;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string cse;
        if (!in.str(cse))
            return false;
        // Ascending and unique, as a set is written: one encoding per value.
        if (!cses.empty() && !(*cses.rbegin() < cse))
            return in.corrupt("the extensions out of order or repeated");
        cses.insert(cses.end(), std::move(cse));
    }
    return in.str(source);
}

bool getStats(ImageReader &in, core::SyncStats &stats)
{
    auto &[gposFetched, gposCached, newTicket, ticketExpires, ldapSearches, ldapRoundTrips, ssf, ldapSessionKept,
           dcAddress, dcProved, dcProofKept, dcChecks, dcRefused, smbFiles, smbBytes, fetchWorkers, cacheUnchanged,
           stages, total] = stats;
    std::uint32_t count = 0;
    if (!getSize(in, gposFetched) || !getSize(in, gposCached) || !getFlag(in, newTicket) || !in.str(ticketExpires) ||
        !getSize(in, ldapSearches) || !getSize(in, ldapRoundTrips))
        return false;
    static_assert(sizeof(ssf) == sizeof(std::uint32_t));
    std::uint32_t ssfValue = 0;
    if (!in.u32(ssfValue))
        return false;
    ssf = ssfValue;
    if (!getFlag(in, ldapSessionKept) || !in.str(dcAddress) || !getFlag(in, dcProved) || !getFlag(in, dcProofKept) ||
        !getSize(in, dcChecks) || !getStrings(in, dcRefused) || !getSize(in, smbFiles) || !getSize(in, smbBytes) ||
        !getSize(in, fetchWorkers) || !getSize(in, cacheUnchanged) || !in.count(count, kMinStage))
        return false;
    stages.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
        auto &[name, elapsed] = stages.emplace_back();
        if (!in.str(name) || !getDuration(in, elapsed))
            return false;
    }
    return getDuration(in, total);
}

bool getPolicy(ImageReader &in, DomainPolicy &policy)
{
    auto &[identity, dc, site, state, inputs, notes, fetchErrors, stats, lastKnownGood, unreachable] = policy;
    auto &[realm, machine, keytab, server, source, krb5Config] = identity;
    std::uint32_t count = 0;
    if (!in.str(realm) || !in.str(machine) || !in.str(keytab) || !in.str(server) || !in.str(source) ||
        !in.str(krb5Config) || !in.str(dc) || !in.str(site) || !getRecord(in, state) || !in.count(count, kMinInput))
        return false;
    inputs.clear();
    for (std::uint32_t i = 0; i < count; ++i)
        if (!getInput(in, inputs.emplace_back()))
            return false;
    return getStrings(in, notes) && getFlag(in, fetchErrors) && getStats(in, stats) && getFlag(in, lastKnownGood) &&
           in.str(unreachable);
}

bool getError(ImageReader &in, Error &error)
{
    auto &[where, message] = error;
    auto &[file, line, column] = where;
    return in.str(file) && in.u32(line) && in.u32(column) && in.str(message);
}

bool getVersion(ImageReader &in)
{
    std::uint32_t version = 0;
    if (!in.u32(version))
        return false;
    if (version != kSyncWireVersion)
        return in.corrupt("version " + std::to_string(version) + " of the protocol where this program speaks " +
                          std::to_string(kSyncWireVersion));
    return true;
}

// A decoded value, or the reader's error (also for bytes left after the value).
template <typename T> Result<T> finish(const ImageReader &in, bool read, T &&value)
{
    if (!read || !in.atEnd())
        return tl::unexpected(in.error());
    return std::forward<T>(value);
}

} // namespace

std::string encodeWorkerRequest(const WorkerRequest &request)
{
    ImageWriter out;
    const auto &[config, force, dryRun] = request;
    out.u32(kSyncWireVersion);
    putConfig(out, config);
    putFlag(out, force);
    putFlag(out, dryRun);
    return out.take();
}

Result<WorkerRequest> decodeWorkerRequest(std::string_view bytes)
{
    ImageReader in(bytes, "sync worker request", "data");
    WorkerRequest request;
    auto &[config, force, dryRun] = request;
    const bool read = getVersion(in) && getConfig(in, config) && getFlag(in, force) && getFlag(in, dryRun);
    return finish(in, read, std::move(request));
}

std::string encodeSyncEvent(const core::SyncEvent &event)
{
    ImageWriter out;
    const auto &[kind, text, number, time, gpo, rejected, apply] = event;
    (void)apply; // never carried: see the header
    out.u32(static_cast<std::uint32_t>(kind));
    out.str(text);
    putSize(out, number);
    out.str(time);
    putGpoRef(out, gpo);
    putFlag(out, rejected);
    return out.take();
}

Result<core::SyncEvent> decodeSyncEvent(std::string_view bytes)
{
    ImageReader in(bytes, "sync worker event", "data");
    core::SyncEvent event;
    auto &[kind, text, number, time, gpo, rejected, apply] = event;
    apply = nullptr;
    const bool read = getEnum(in, kind, core::SyncEvent::Kind::Failed, "the event's kind") && in.str(text) &&
                      getSize(in, number) && in.str(time) && getGpoRef(in, gpo) && getFlag(in, rejected);
    return finish(in, read, std::move(event));
}

std::string encodeWorkerResult(const WorkerResult &result)
{
    ImageWriter out;
    const auto &[notJoined, stage, policy, ldapKept, smbKept] = result;
    out.u32(kSyncWireVersion);
    out.str(notJoined);
    putSize(out, stage);
    putFlag(out, policy.has_value());
    if (policy)
        putPolicy(out, *policy);
    else
        putError(out, policy.error());
    putFlag(out, ldapKept);
    putFlag(out, smbKept);
    return out.take();
}

Result<WorkerResult> decodeWorkerResult(std::string_view bytes)
{
    ImageReader in(bytes, "sync worker result", "data");
    WorkerResult result;
    auto &[notJoined, stage, policy, ldapKept, smbKept] = result;
    bool ok = false;
    bool read = getVersion(in) && in.str(notJoined) && getSize(in, stage) && getFlag(in, ok);
    if (read && ok) {
        DomainPolicy value;
        read = getPolicy(in, value);
        policy = std::move(value);
    } else if (read) {
        Error error;
        read = getError(in, error);
        policy = tl::unexpected(std::move(error));
    }
    read = read && getFlag(in, ldapKept) && getFlag(in, smbKept);
    return finish(in, read, std::move(result));
}

} // namespace gpaudit::service
