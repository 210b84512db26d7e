// SPDX-License-Identifier: GPL-2.0-or-later
// The sync worker's wire (service/sync_wire): every field of the request, the events and the result
// survives the trip; frames come back whole from a stream in any pieces; truncated, oversized, trailing
// and out-of-range input is an error naming the message, never a crash.
// GPAUDIT_SYNC_WIRE_CORPUS=dir writes the fuzz target's seeds (tests/fuzz/corpus/sync_wire) there.
#include "service/sync_wire.hxx"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

using namespace gpaudit;
using namespace gpaudit::service;
using namespace std::literals;

namespace {

core::Config changedConfig()
{
    core::Config config;
    config.realm = "GPA.TEST";
    config.machine = "LINUX1$";
    config.keytab = "/etc/other.keytab";
    config.server = "dc1.gpa.test";
    config.dcPin = {"dc1.gpa.test", "dc2.gpa.test"};
    config.site = "Branch";
    config.stateDir = "/var/lib/other";
    config.socket = "/run/other.sock";
    config.rulesFile = "";
    config.legacy = core::LegacyMode::Ignore;
    config.uidMin = 500;
    config.saclDirs = {"/srv", "/home"};
    config.idmap = core::IdmapSource::None;
    config.refreshInterval = std::chrono::seconds{1};
    config.refreshRandomDelay = std::chrono::seconds{2};
    config.fullReapplyInterval = std::chrono::seconds{3};
    config.retryMin = std::chrono::seconds{4};
    config.retryMax = std::chrono::seconds{5};
    config.driftCheckInterval = std::chrono::seconds{6};
    config.ldapTimeout = std::chrono::seconds{7};
    config.fetchWorkers = 3;
    config.limits.maxFileSize = std::size_t{5} << 30; // over 32 bits
    config.limits.maxPerUserSids = 9;
    config.limits.maxSaclAces = 10;
    config.limits.maxRules = 11;
    config.guardrails.reportOnly = true;
    config.guardrails.failureModeMax = 1;
    config.guardrails.backlogMin = 0;
    config.guardrails.keepRecordTypes = {"SYSCALL", "USER_LOGIN"};
    config.sambaAudit = false;
    config.sambaConf = "/etc/samba/other.conf";
    config.sambaIncludeFile = "/etc/samba/other-audit.conf";
    config.sambaAddInclude = true;
    return config;
}

DomainPolicy fullPolicy()
{
    DomainPolicy policy;
    policy.identity = {"GPA.TEST", "LINUX1$", "/etc/krb5.keytab", "dc1.gpa.test", "sssd.conf", "/etc/krb5.conf"};
    policy.dc = "dc1.gpa.test";
    policy.site = "Default-First-Site-Name";
    auto &state = policy.state;
    state.time = "2026-12-02T14:00:00Z";
    state.realm = "GPA.TEST";
    state.machine = "LINUX1$";
    state.dc = "dc2.gpa.test";
    state.site = "Branch";
    state.computerDn = "CN=LINUX1,OU=Servers,DC=gpa,DC=test";
    state.gpos = {{"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy", "DC=gpa,DC=test", true, true, "", 7,
                   true, true, "fetched", true},
                  {"6AC1786C-016F-11D2-945F-00C04FB984F9", "Denied", "OU=Servers", false, false, "access denied", 0,
                   false, false, "", false}};
    state.applied = {{"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy", 7}};
    state.mode = "staged";
    state.kernelTime = "2026-12-01T10:00:00Z";
    host::CachedInput binary;
    binary.gpo = {"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy"};
    binary.files.auditCsv = "Machine Name,Policy Target\r\n"s;
    binary.files.gptTmplInf = "\xff\xfe[\0U\0n\0i\0c\0o\0d\0e\0]\0\r\0\n\0"s; // UTF-16LE with BOM
    binary.files.registryPol = std::nullopt;
    binary.extensions = core::ExtensionList{{std::string(core::kAuditCse), std::string(core::kSecurityCse)},
                                            "gPCMachineExtensionNames"};
    host::CachedInput bare;
    bare.gpo = {"", "/tmp/audit.csv"};
    bare.files.registryPol = "PReg\x01\0\0\0"s;
    bare.extensions = std::nullopt;
    host::CachedInput empty;
    empty.gpo = {"6AC1786C-016F-11D2-945F-00C04FB984F9", "Empty"};
    empty.files.auditCsv = ""s;
    empty.extensions = core::ExtensionList{{}, ""};
    policy.inputs = {binary, bare, empty};
    policy.notes = {"kept version 6 of Default Domain Policy", "\x1b[2J"};
    policy.fetchErrors = true;
    auto &stats = policy.stats;
    stats.gposFetched = 1;
    stats.gposCached = 2;
    stats.newTicket = true;
    stats.ticketExpires = "2026-12-03T00:00:00Z";
    stats.ldapSearches = 3;
    stats.ldapRoundTrips = 4;
    stats.ssf = 256;
    stats.ldapSessionKept = true;
    stats.dcAddress = "192.0.2.1";
    stats.dcProved = true;
    stats.dcProofKept = true;
    stats.dcChecks = 5;
    stats.dcRefused = {"dc9.gpa.test: did not prove it is a domain controller"};
    stats.smbFiles = 6;
    stats.smbBytes = 7ULL << 33;
    stats.fetchWorkers = 2;
    stats.cacheUnchanged = 1;
    stats.stages = {{"identity", std::chrono::microseconds{12}}, {"ldap", std::chrono::microseconds{-1}}};
    stats.total = std::chrono::microseconds{123456789012};
    policy.lastKnownGood = true;
    policy.unreachable = "dc1.gpa.test: connection refused";
    return policy;
}

WorkerResult fullResult()
{
    WorkerResult result;
    result.stage = 4;
    result.policy = fullPolicy();
    result.ldapKept = true;
    result.smbKept = true;
    return result;
}

std::string littleEndian(std::uint32_t value)
{
    std::string out;
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<char>((value >> shift) & 0xFFU));
    return out;
}

// The frames of a stream fed in pieces of `piece` bytes (all of them, or the first error).
Result<std::vector<WireFrame>> readFrames(const std::string &stream, std::size_t piece, std::size_t maxPayload)
{
    WireFrameReader reader(maxPayload);
    std::vector<WireFrame> frames;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
        reader.feed(std::string_view(stream).substr(at, piece));
        while (true) {
            auto frame = reader.next();
            if (!frame)
                return tl::unexpected(frame.error());
            if (!*frame)
                break;
            frames.push_back(std::move(**frame));
        }
    }
    if (reader.pending() != 0)
        return fail("ended mid-frame");
    return frames;
}

} // namespace

TEST_CASE("a request with every configuration key changed comes back equal")
{
    const core::Config defaults;
    const auto config = changedConfig();
    // Every field differs from its default, so a field the codec dropped would show.
    CHECK(config.realm != defaults.realm);
    CHECK(config.machine != defaults.machine);
    CHECK(config.keytab != defaults.keytab);
    CHECK(config.server != defaults.server);
    CHECK(config.dcPin != defaults.dcPin);
    CHECK(config.site != defaults.site);
    CHECK(config.stateDir != defaults.stateDir);
    CHECK(config.socket != defaults.socket);
    CHECK(config.rulesFile != defaults.rulesFile);
    CHECK(config.legacy != defaults.legacy);
    CHECK(config.uidMin != defaults.uidMin);
    CHECK(config.saclDirs != defaults.saclDirs);
    CHECK(config.idmap != defaults.idmap);
    CHECK(config.refreshInterval != defaults.refreshInterval);
    CHECK(config.refreshRandomDelay != defaults.refreshRandomDelay);
    CHECK(config.fullReapplyInterval != defaults.fullReapplyInterval);
    CHECK(config.retryMin != defaults.retryMin);
    CHECK(config.retryMax != defaults.retryMax);
    CHECK(config.driftCheckInterval != defaults.driftCheckInterval);
    CHECK(config.ldapTimeout != defaults.ldapTimeout);
    CHECK(config.fetchWorkers != defaults.fetchWorkers);
    CHECK(config.limits.maxFileSize != defaults.limits.maxFileSize);
    CHECK(config.limits.maxPerUserSids != defaults.limits.maxPerUserSids);
    CHECK(config.limits.maxSaclAces != defaults.limits.maxSaclAces);
    CHECK(config.limits.maxRules != defaults.limits.maxRules);
    CHECK(config.guardrails.reportOnly != defaults.guardrails.reportOnly);
    CHECK(config.guardrails.failureModeMax != defaults.guardrails.failureModeMax);
    CHECK(config.guardrails.backlogMin != defaults.guardrails.backlogMin);
    CHECK(config.guardrails.keepRecordTypes != defaults.guardrails.keepRecordTypes);
    CHECK(config.sambaAudit != defaults.sambaAudit);
    CHECK(config.sambaConf != defaults.sambaConf);
    CHECK(config.sambaIncludeFile != defaults.sambaIncludeFile);
    CHECK(config.sambaAddInclude != defaults.sambaAddInclude);

    for (const auto &request : {WorkerRequest{config, true, false}, WorkerRequest{config, false, true},
                                WorkerRequest{defaults, false, false}}) {
        auto back = decodeWorkerRequest(encodeWorkerRequest(request));
        REQUIRE(back);
        CHECK(*back == request);
    }
}

TEST_CASE("an event of each kind comes back equal, without its apply summary")
{
    for (auto kind = 0U; kind <= static_cast<unsigned>(core::SyncEvent::Kind::Failed); ++kind) {
        auto event = core::SyncEvent::of(static_cast<core::SyncEvent::Kind>(kind), "text \0\xff"s, 40 + kind);
        event.time = "2026-12-02T14:00:00Z";
        event.gpo = {"31B2F340-016D-11D2-945F-00C04FB984F9", "Default Domain Policy"};
        event.rejected = kind % 2 == 1;
        auto back = decodeSyncEvent(encodeSyncEvent(event));
        CAPTURE(kind);
        REQUIRE(back);
        CHECK(*back == event);
    }
    const core::ApplySummary summary;
    auto applied = core::SyncEvent::of(core::SyncEvent::Kind::Applied);
    applied.apply = &summary;
    auto back = decodeSyncEvent(encodeSyncEvent(applied));
    REQUIRE(back);
    CHECK(back->apply == nullptr);
    CHECK(back->kind == core::SyncEvent::Kind::Applied);
}

TEST_CASE("a full domain policy comes back equal: binary files, absent files, extensions or none, stages")
{
    const auto result = fullResult();
    const auto bytes = encodeWorkerResult(result);
    auto back = decodeWorkerResult(bytes);
    REQUIRE(back);
    REQUIRE(back->policy);
    CHECK(back->policy->inputs == result.policy->inputs);
    CHECK(back->policy->state == result.policy->state);
    CHECK(back->policy->stats == result.policy->stats);
    CHECK(*back->policy->inputs[0].files.gptTmplInf == "\xff\xfe[\0U\0n\0i\0c\0o\0d\0e\0]\0\r\0\n\0"s);
    CHECK_FALSE(back->policy->inputs[0].files.registryPol);
    CHECK_FALSE(back->policy->inputs[1].extensions);
    CHECK(back->policy->inputs[2].extensions->cses.empty());
    CHECK(*back == result);
    CHECK(encodeWorkerResult(*back) == bytes);
}

TEST_CASE("an error result and a not-joined result come back equal")
{
    WorkerResult error;
    error.stage = 2;
    error.policy = fail("no DC answered", {"/etc/krb5.conf", 3, 14});
    error.ldapKept = true;
    auto back = decodeWorkerResult(encodeWorkerResult(error));
    REQUIRE(back);
    REQUIRE_FALSE(back->policy);
    CHECK(back->policy.error().message == "no DC answered");
    CHECK(back->policy.error().where.file == "/etc/krb5.conf");
    CHECK(back->policy.error().where.line == 3);
    CHECK(back->policy.error().where.column == 14);
    CHECK(*back == error);

    WorkerResult notJoined;
    notJoined.notJoined = "no realm: set realm in /etc/gpauditd.conf";
    back = decodeWorkerResult(encodeWorkerResult(notJoined));
    REQUIRE(back);
    CHECK(back->notJoined == notJoined.notJoined);
    CHECK(back->policy.error().message == "no result");
    CHECK(*back == notJoined);
}

TEST_CASE("every truncation of a result is an error naming the message and the offset")
{
    const auto bytes = encodeWorkerResult(fullResult());
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        auto cut = decodeWorkerResult(std::string_view(bytes).substr(0, size));
        CAPTURE(size);
        REQUIRE_FALSE(cut);
        CHECK(cut.error().str().starts_with("sync worker result: corrupt data: "));
        CHECK(cut.error().message.find(" at byte ") != std::string::npos);
    }
    const auto request = encodeWorkerRequest({changedConfig(), true, true});
    for (std::size_t size = 0; size < request.size(); ++size)
        CHECK_FALSE(decodeWorkerRequest(std::string_view(request).substr(0, size)));
    const auto event = encodeSyncEvent(core::SyncEvent::of(core::SyncEvent::Kind::Note, "note", 1));
    for (std::size_t size = 0; size < event.size(); ++size)
        CHECK_FALSE(decodeSyncEvent(std::string_view(event).substr(0, size)));
}

TEST_CASE("a huge count or length is refused before anything is allocated")
{
    // version, notJoined "", stage, ok, identity (6 texts), dc, site, the record's 6 texts: the GPO count.
    const std::size_t gpoCount = 4 + 4 + 8 + 4 + 8 * 4 + 6 * 4;
    WorkerResult empty;
    empty.policy = DomainPolicy{};
    auto bytes = encodeWorkerResult(empty);
    REQUIRE(bytes.substr(gpoCount, 4) == littleEndian(0));
    REQUIRE(decodeWorkerResult(bytes));
    bytes.replace(gpoCount, 4, littleEndian(0xFFFFFFFFU));
    auto huge = decodeWorkerResult(bytes);
    REQUIRE_FALSE(huge);
    CHECK(huge.error().message ==
          "corrupt data: a count larger than the bytes left at byte " + std::to_string(gpoCount + 4));
    // A count that only just exceeds what the bytes left could hold.
    bytes.replace(gpoCount, 4, littleEndian(static_cast<std::uint32_t>((bytes.size() - gpoCount - 4) / 44 + 1)));
    CHECK_FALSE(decodeWorkerResult(bytes));

    auto text = encodeWorkerResult(empty);
    text.replace(4, 4, littleEndian(0xFFFFFFF0U)); // notJoined's length
    auto longText = decodeWorkerResult(text);
    REQUIRE_FALSE(longText);
    CHECK(longText.error().message.find("a text longer than the bytes left") != std::string::npos);
}

TEST_CASE("bytes after the end are refused")
{
    auto bytes = encodeWorkerResult(fullResult());
    auto extra = decodeWorkerResult(bytes + "x");
    REQUIRE_FALSE(extra);
    CHECK(extra.error().message == "corrupt data: 1 bytes after the end at byte " + std::to_string(bytes.size()));
    CHECK_FALSE(decodeWorkerRequest(encodeWorkerRequest({}) + "\0"s));
    CHECK_FALSE(decodeSyncEvent(encodeSyncEvent({}) + "\0"s));
}

TEST_CASE("an enumeration, a flag or a version out of range is refused")
{
    auto event = encodeSyncEvent(core::SyncEvent::of(core::SyncEvent::Kind::Failed, "x"));
    REQUIRE(event.substr(0, 4) == littleEndian(7));
    event.replace(0, 4, littleEndian(8));
    auto kind = decodeSyncEvent(event);
    REQUIRE_FALSE(kind);
    CHECK(kind.error().str() == "sync worker event: corrupt data: the event's kind out of range (8) at byte 4");

    // version, then the configuration: realm .. rulesFile (4 texts, dc_pin, 4 texts), then legacy.
    core::Config config;
    config.realm = config.machine = config.keytab = config.server = config.site = config.stateDir = config.socket =
        config.rulesFile = "";
    auto request = encodeWorkerRequest({config, false, false});
    const std::size_t legacy = 4 + 9 * 4;
    REQUIRE(request.substr(legacy, 4) == littleEndian(0));
    request.replace(legacy, 4, littleEndian(3));
    CHECK(decodeWorkerRequest(request).error().message.find("the legacy mode out of range (3)") != std::string::npos);
    request.replace(legacy, 4, littleEndian(0));
    REQUIRE(decodeWorkerRequest(request));
    request.replace(legacy + 4 + 4 + 4, 4, littleEndian(4)); // idmap, after uid_min and sacl_dirs
    CHECK(decodeWorkerRequest(request).error().message.find("the idmap source out of range (4)") != std::string::npos);

    auto flag = encodeWorkerResult({});
    flag.replace(flag.size() - 4, 4, littleEndian(2)); // smbKept
    CHECK(decodeWorkerResult(flag).error().message.find("a flag out of range") != std::string::npos);

    auto version = encodeWorkerResult({});
    version.replace(0, 4, littleEndian(kSyncWireVersion + 1));
    CHECK(decodeWorkerResult(version).error().message.find("version 2 of the protocol") != std::string::npos);

    WorkerResult extensions;
    extensions.policy = fullPolicy();
    auto swapped = encodeWorkerResult(extensions);
    // The set holds the security CSE (827D...) before the audit CSE (F3CC...): swapped, they descend.
    const auto audit = swapped.find(core::kAuditCse);
    const auto security = swapped.find(core::kSecurityCse);
    REQUIRE(security < audit);
    REQUIRE(audit != std::string::npos);
    REQUIRE(core::kAuditCse.size() == core::kSecurityCse.size());
    swapped.replace(audit, core::kAuditCse.size(), core::kSecurityCse);
    swapped.replace(security, core::kSecurityCse.size(), core::kAuditCse);
    CHECK(decodeWorkerResult(swapped).error().message.find("the extensions out of order") != std::string::npos);
}

TEST_CASE("frames come back whole from a stream fed byte by byte and in one go")
{
    const auto result = encodeWorkerResult(fullResult());
    const auto stream =
        encodeWireFrame('S', encodeWorkerRequest({changedConfig(), true, false})) +
        encodeWireFrame('E', encodeSyncEvent(core::SyncEvent::of(core::SyncEvent::Kind::Step, "ldap"))) +
        encodeWireFrame('R', result) + encodeWireFrame('U', "") + encodeWireFrame('E', "");
    CHECK(encodeWireFrame('R', result).substr(0, 5) == "R"s + littleEndian(static_cast<std::uint32_t>(result.size())));
    auto whole = readFrames(stream, stream.size(), 1 << 20);
    REQUIRE(whole);
    REQUIRE(whole->size() == 5);
    CHECK((*whole)[0].kind == 'S');
    CHECK((*whole)[2].kind == 'R');
    CHECK((*whole)[2].payload == result);
    CHECK((*whole)[3] == WireFrame{'U', ""});
    CHECK((*whole)[4] == WireFrame{'E', ""});
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
        auto pieces = readFrames(stream, piece, 1 << 20);
        CAPTURE(piece);
        REQUIRE(pieces);
        CHECK(*pieces == *whole);
    }
    WireFrameReader cut(100);
    cut.feed(encodeWireFrame('E', "12345").substr(0, 8));
    REQUIRE(cut.next());
    CHECK(cut.pending() == 8);
}

TEST_CASE("a length over the bound or an unknown kind refuses the stream, and everything after it")
{
    WireFrameReader over(10);
    over.feed(encodeWireFrame('R', "0123456789"));
    auto ok = over.next();
    REQUIRE(ok);
    REQUIRE(*ok);
    over.feed("R"s + littleEndian(11)); // refused from the header alone
    auto big = over.next();
    REQUIRE_FALSE(big);
    CHECK(big.error().message == "sync worker protocol: a frame of 11 bytes where at most 10 are allowed");
    over.feed(encodeWireFrame('E', ""));
    auto still = over.next();
    REQUIRE_FALSE(still);
    CHECK(still.error() == big.error());

    WireFrameReader huge(1 << 20);
    huge.feed("S"s + littleEndian(0xFFFFFFFFU));
    CHECK_FALSE(huge.next());

    WireFrameReader kind(100);
    kind.feed(encodeWireFrame('Q', ""));
    auto unknown = kind.next();
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message == "sync worker protocol: unknown frame kind 81");
    kind.feed(encodeWireFrame('E', ""));
    CHECK_FALSE(kind.next());

    WireFrameReader release(100);
    release.feed(encodeWireFrame('U', "x")); // a release is empty
    CHECK_FALSE(release.next());
}

TEST_CASE("the fuzz target's seeds (written only when GPAUDIT_SYNC_WIRE_CORPUS names a directory)")
{
    const char *dir = std::getenv("GPAUDIT_SYNC_WIRE_CORPUS");
    if (dir == nullptr || *dir == '\0')
        return;
    WorkerResult error;
    error.stage = 1;
    error.policy = fail("no DC answered", {"/etc/krb5.conf", 3, 14});
    WorkerResult notJoined;
    notJoined.notJoined = "not joined";
    WorkerResult empty;
    empty.policy = DomainPolicy{};
    const std::pair<const char *, WorkerResult> seeds[] = {
        {"full", fullResult()}, {"error", error}, {"not-joined", notJoined}, {"empty-policy", empty}};
    for (const auto &[name, result] : seeds) {
        std::ofstream out(std::string(dir) + "/" + name, std::ios::binary);
        const auto bytes = encodeWorkerResult(result);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        REQUIRE(out);
    }
}
