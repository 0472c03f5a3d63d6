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
// An epoch key never protects more records than this (far below AES-GCM's limits).
inline constexpr std::uint64_t kMaxRecordsPerEpoch = std::uint64_t{1} << 32;

// ---- implementation limits and defaults ----
inline constexpr int kMaxJsonDepth = 8;
inline constexpr std::size_t kMaxCredentialBytes = 256;
inline constexpr std::uint64_t kDefaultRekeyAfterRecords = std::uint64_t{1} << 20;
inline constexpr std::chrono::seconds kDefaultRekeyAfter{3600};
inline constexpr std::chrono::milliseconds kDefaultTimestampWindow{300'000};
inline constexpr std::chrono::seconds kDefaultCertificateSkew{300};

}  // namespace sc::proto
