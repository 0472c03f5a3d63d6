// The server's own limits and defaults in one place (docs/SECURITY.md names each). Settings
// (settings.h) start from these; an operator may change them in the TOML file. The protocol's
// bounds are in proto/limits.h, and the ones the server shares with it are taken from there.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "proto/limits.h"

namespace sc::server::limits {

// ---- connections and admission (H2, L10) ----
inline constexpr std::size_t kMaxConnections = 10000;
inline constexpr std::size_t kMaxHandshakesInFlight = 256;  // not yet logged in, server-wide
inline constexpr std::size_t kMaxUnauthenticatedPerBlock = 32;
inline constexpr std::size_t kHandshakesPerBlockPerSecond = 20;
inline constexpr std::size_t kHandshakeBurstPerBlock = 100;

// ---- deadlines ----
inline constexpr std::chrono::seconds kHelloTimeout{2};       // connect → hello and dh_client
inline constexpr std::chrono::seconds kHandshakeTimeout{15};  // connect → logged in
inline constexpr std::chrono::seconds kIdleTimeout{300};
inline constexpr std::chrono::seconds kShutdownGrace{5};

// ---- queues and buffers ----
inline constexpr std::size_t kMaxOutboundBytes = 1024 * 1024;  // per connection
inline constexpr std::size_t kReadChunk = 16 * 1024;
inline constexpr std::size_t kWorkerThreads = 2;            // password hashing
inline constexpr std::size_t kMaxQueuedLogins = 256;        // waiting for a worker
inline constexpr std::size_t kMaxQueuedRegistrations = 32;  // served after logins
// Store queries of requests (friends, admin; ~ms each): their own threads, so they never wait
// behind Argon2id, and a bounded queue (a full one answers `unavailable`).
inline constexpr std::size_t kQueryThreads = 2;
inline constexpr std::size_t kMaxQueuedQueries = 256;
inline constexpr std::size_t kIoThreads = 0;  // 0 = one per core

// ---- failed logins (M2) ----
inline constexpr unsigned kLoginFreeFailures = 3;              // per (account, block)
inline constexpr unsigned kLoginFreeFailuresPerAccount = 100;  // from everywhere
inline constexpr unsigned kLoginFreeFailuresPerBlock = 10;     // for any account
inline constexpr std::chrono::seconds kLoginMaxDelay{300};
inline constexpr std::chrono::seconds kLoginForgetAfter{3600};  // older failures do not count
inline constexpr std::size_t kLoginMaxEntries = 100000;         // per throttle table
inline constexpr std::chrono::hours kLoginTrustSuccessFor{24 * 30};

// ---- registrations (M6), sessions (L15), transcripts (L4) ----
inline constexpr std::size_t kRegistrationsPerBlockPerHour = 10;
inline constexpr std::size_t kRegistrationsPerCertificatePerHour = 5;
inline constexpr std::size_t kMaxSessionsPerAccount = 16;
inline constexpr std::size_t kMaxAuthenticatedPerBlock = 512;
inline constexpr std::uint64_t kMaxTranscriptBytesPerAccountPerDay = std::uint64_t{256} << 20;

// ---- friend commands (issue 10): a token bucket per account, so that a loop of request and
// remove cannot flood the other side's sessions with friend_event (list_friends is not counted)
inline constexpr std::size_t kFriendOpsBurst = 20;
inline constexpr std::size_t kFriendOpsPerMinute = 30;

// ---- the end-to-end relay (issue 11): `send` and `bundle` per account, a token bucket, so that
// one account cannot flood other sessions with envelopes or drain a device's one-time prekeys
// (one message to a friend costs a send per device of theirs and of our own others)
inline constexpr std::size_t kRelayBurst = 100;
inline constexpr std::size_t kRelayPerMinute = 300;

// ---- stored envelopes (issue 12, docs/PROTOCOL.md §2.4): per recipient device, the envelopes
// and bytes of bodies kept until it says `received`, how long they are kept (at most the
// recipient's own window, proto::kE2eMaxAgeMs: a later one it would refuse anyway), and how
// often the expired ones are deleted.
inline constexpr std::uint64_t kHeldPerDevice = 10000;
inline constexpr std::uint64_t kHeldBytesPerDevice = std::uint64_t{256} << 20;
inline constexpr std::chrono::hours kHeldExpiry{336};
inline constexpr std::chrono::seconds kHeldSweepInterval{300};
static_assert(std::chrono::duration_cast<std::chrono::milliseconds>(kHeldExpiry).count() ==
              static_cast<std::int64_t>(proto::kE2eMaxAgeMs));

// ---- accounts (the field bounds themselves are proto/limits.h's accounts section) ----
inline constexpr std::size_t kMinPasswordLength = proto::kMinPasswordBytes;
inline constexpr std::size_t kMaxPasswordBytes = proto::kMaxPasswordBytes;
inline constexpr std::uint64_t kArgon2OpsLimit = 2;
inline constexpr std::uint64_t kArgon2MemLimit = 64 * 1024 * 1024;

// ---- trust ----
inline constexpr std::chrono::days kCrlWarnBefore{7};

}  // namespace sc::server::limits
