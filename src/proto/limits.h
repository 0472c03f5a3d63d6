// Every bound of the protocol in one place (docs/PROTOCOL.md). "Protocol constants" are part of
// the wire format; "implementation limits" are ours and may be tuned. A leaf header (only the
// standard library), so the layers below proto (pki, evidence) may take their defaults from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sc::proto {

// ---- protocol constants ----
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxFramePayload = 65536;
inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kMaxTextBytes = 16 * 1024;
inline constexpr std::size_t kMaxCertsInChain = 4;
inline constexpr std::size_t kMaxGroupsOffered = 8;
inline constexpr std::size_t kMaxVersionsOffered = 8;
inline constexpr std::size_t kMaxErrorMessageBytes = 512;
// Field bounds of §2 (a credential's is kMaxCredentialBytes below).
inline constexpr std::size_t kMaxCertBytes = 8192;  // one DER certificate
inline constexpr std::size_t kMaxShareBytes = 512;  // a DH public share (ffdhe3072: 384)
inline constexpr std::size_t kMaxSigBytes = 1024;   // a signature (RSA-4096: 512)
inline constexpr std::size_t kMaxNameBytes = 64;    // a group, an error code, an enum value
inline constexpr std::size_t kHexDigestChars = 64;  // a SHA-256 in hex (receipts)
inline constexpr std::size_t kAeadTagBytes = 16;    // the AES-256-GCM tag (a record, a msg ct)
// A msg's ct: the salt and the text, sealed with the message key (§6).
inline constexpr std::size_t kMaxChatCt = kSaltBytes + kMaxTextBytes + kAeadTagBytes;

// The largest inner payload a record can carry (derived, §4.1): sealed (+ tag), base64 (4 per
// 3, padded) and put in the `record` object with the longest seq, it must still be one frame.
inline constexpr std::string_view kEmptyRecordJson = R"({"ct":"","seq":,"type":"record"})";
inline constexpr std::size_t kMaxUint64Digits = 20;  // 18446744073709551615
inline constexpr std::size_t kRecordFrameOverhead = kEmptyRecordJson.size() + kMaxUint64Digits;
inline constexpr std::size_t kMaxInnerPayload =
    (kMaxFramePayload - kRecordFrameOverhead) / 4 * 3 - kAeadTagBytes;
constexpr std::size_t base64_length(std::size_t bytes) {
    return (bytes + 2) / 3 * 4;
}
static_assert(kRecordFrameOverhead + base64_length(kMaxInnerPayload + kAeadTagBytes) <=
              kMaxFramePayload);
static_assert(kRecordFrameOverhead + base64_length(kMaxInnerPayload + 1 + kAeadTagBytes) >
              kMaxFramePayload);
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

// ---- users: friends, requests, presence, admin lists (issue 10) ----
// Every list the server keeps or sends about users is bounded here, so a friend_list or a
// who_list always fits one record (kMaxInnerPayload) and a presence change reaches a bounded
// number of sessions.
inline constexpr std::size_t kMaxFriends = 256;           // friends per user
inline constexpr std::size_t kMaxOutgoingRequests = 64;   // pending requests a user has sent
inline constexpr std::size_t kMaxIncomingRequests = 128;  // pending requests a user has received
inline constexpr std::size_t kMaxWhoEntries = 200;        // sessions one who_list names
inline constexpr std::size_t kMaxDeviceNameBytes = 64;    // a device's name from its certificate
inline constexpr std::size_t kMaxDevicesPerUser = 16;     // devices the server records per account
// Requests a client has sent and not had answered; the server answers one at a time.
inline constexpr std::size_t kMaxRequestsInFlight = 16;
// Pushes a server session holds while a message waits for its store (then they follow the ack);
// past this the oldest is dropped: presence and friend events are hints, list_friends is the truth.
inline constexpr std::size_t kMaxHeldPushes = 64;

// ---- end to end between users (issue 11, docs/PROTOCOL.md §2.4 and §10) ----
inline constexpr std::size_t kPrekeyBytes = 32;  // an X25519 public key
// One-time prekeys the server keeps per device, and how many one `prekeys` request may carry
// (25 of them with the largest signatures still fit one record).
inline constexpr std::size_t kMaxOneTimePrekeys = 100;
inline constexpr std::size_t kMaxOneTimePrekeysPerPublish = 25;
// A device tops its one-time prekeys up to kMaxOneTimePrekeys when fewer than this are left.
inline constexpr std::size_t kOneTimePrekeysLowWater = 25;
// A device makes a new signed prekey when its current one is older than this, and keeps the
// private half of the one before it for kSignedPrekeyGraceMs more (initial messages in flight).
inline constexpr std::uint64_t kSignedPrekeyRotationMs = 7ull * 24 * 3600 * 1000;
inline constexpr std::uint64_t kSignedPrekeyGraceMs = 14ull * 24 * 3600 * 1000;
// An envelope's body (§10.5): the largest text, its salt and tag, a certificate of
// kMaxCertBytes, a signature of kMaxSigBytes and the fixed fields, with room to spare.
inline constexpr std::size_t kMaxEnvelopeBytes = 28 * 1024;
static_assert(kMaxEnvelopeBytes >= kMaxTextBytes + 16 + 16 + kMaxCertBytes + kMaxSigBytes + 512);
// The Double Ratchet's bounds (§10.4): message keys skipped in one chain, and kept in all.
inline constexpr std::size_t kMaxSkippedPerChain = 1000;
inline constexpr std::size_t kMaxSkippedKeys = 2000;
// Sessions a device keeps with one peer device (the newest sends; older ones still decrypt).
inline constexpr std::size_t kMaxSessionsPerPeerDevice = 4;
// The recipient's timestamp window: at most this far ahead of its clock, at most this old.
inline constexpr std::uint64_t kE2eFutureSkewMs = 300'000;
inline constexpr std::uint64_t kE2eMaxAgeMs = 14ull * 24 * 3600 * 1000;
// Message ids a recipient remembers per sender device and conversation, to drop duplicates.
inline constexpr std::size_t kMaxSeenMessageIds = 1024;

// ---- nothing lost (issue 12, docs/PROTOCOL.md §2.4 and §10.6) ----
// Held ids one `received` names.
inline constexpr std::size_t kMaxReceivedPerRequest = 64;
// Stored envelopes a server session has pushed to its device and not yet had `received` for:
// the next ones wait until the device catches up (a backlog drains at the device's pace).
inline constexpr std::size_t kMaxHeldInFlight = 32;

}  // namespace sc::proto
