// Every bound of the protocol in one place (docs/PROTOCOL.md). "Protocol constants" are part of
// the wire format; "implementation limits" are ours and may be tuned.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sc::proto {

// ---- protocol constants ----
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxFramePayload = 65536;
inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kMaxInnerPayload = kMaxFramePayload - 1024;
inline constexpr std::size_t kMaxTextBytes = 16 * 1024;
inline constexpr std::size_t kMaxCertsInChain = 4;
inline constexpr std::size_t kMaxGroupsOffered = 8;
inline constexpr std::size_t kMaxVersionsOffered = 8;
inline constexpr std::size_t kMaxErrorMessageBytes = 512;
// An epoch key never protects more records than this per direction (security review I1: with
// ≤ 64 KiB per record, 2^24 records keep AES-GCM's confidentiality bound near TLS 1.3's 2^-60
// margin). The last one is reserved for the `key_exhausted` error that ends the session.
inline constexpr std::uint64_t kMaxRecordsPerEpoch = std::uint64_t{1} << 24;

// ---- implementation limits and defaults ----
inline constexpr int kMaxJsonDepth = 8;
// No message has more than 8 fields; the cap keeps the duplicate-key check linear in the frame
// (a 64 KiB frame of distinct keys would otherwise cost a quadratic search before any check).
inline constexpr std::size_t kMaxJsonMembers = 32;
inline constexpr std::size_t kMaxCredentialBytes = 256;
inline constexpr std::uint64_t kDefaultRekeyAfterRecords = std::uint64_t{1} << 20;
inline constexpr std::chrono::seconds kDefaultRekeyAfter{3600};
inline constexpr std::chrono::milliseconds kDefaultTimestampWindow{300'000};
inline constexpr std::chrono::seconds kDefaultCertificateSkew{300};
// Rekeys a client may start (security review M4): a token bucket per session, this many at once,
// then one more per interval. A rekey without a token is `unexpected_message`.
inline constexpr std::uint32_t kDefaultRekeyBurst = 8;
inline constexpr std::chrono::seconds kDefaultRekeyTokenInterval{10};

// ---- accounts ----
// The registration rules (store/accounts.h). Each fits the wire's kMaxCredentialBytes, so a
// value the rules accept is never cut off by the decoder.
inline constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321's limit on a forward path
inline constexpr std::size_t kMinUsernameBytes = 3;
inline constexpr std::size_t kMaxUsernameBytes = 32;
inline constexpr std::size_t kMinPasswordBytes = 10;  // PasswordPolicy's default
inline constexpr std::size_t kMaxPasswordBytes = 256;
static_assert(kMaxEmailBytes <= kMaxCredentialBytes && kMaxUsernameBytes <= kMaxCredentialBytes &&
              kMaxPasswordBytes <= kMaxCredentialBytes);

}  // namespace sc::proto
