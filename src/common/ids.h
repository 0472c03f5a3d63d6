// The identifiers that cross layers, each its own type (common/strong.h), so that a session id
// is never taken for a fingerprint, nor either for a plain Bytes.
#pragma once

#include <cstddef>

#include "common/strong.h"

namespace sc {

inline constexpr std::size_t kSessionIdBytes = 32;
inline constexpr std::size_t kFingerprintBytes = 32;
inline constexpr std::size_t kMessageIdBytes = 16;

// One session: its handshake hash HH (docs/PROTOCOL.md §3.2), which names its evidence files
// and is bound into every message, ack and receipt signature. proto::session_id_of makes it.
struct SessionIdTag;
using SessionId = StrongArray<SessionIdTag, kSessionIdBytes>;

// SHA-256 of a certificate's DER encoding (pki::Certificate::fingerprint): who signed a line.
struct FingerprintTag;
using Fingerprint = StrongArray<FingerprintTag, kFingerprintBytes>;

// One end-to-end message across sessions, devices and nodes: 16 random bytes chosen by the
// sender, so that a relay or a second node can drop a duplicate without reading the message.
// End-to-end envelopes carry one (docs/PROTOCOL.md §10.5).
struct MessageIdTag;
using MessageId = StrongArray<MessageIdTag, kMessageIdBytes>;

// A device is named by its certificate's Fingerprint (docs/PKI.md "Users and devices"): the
// CA vouches for it, so nobody can claim another device's id.

}  // namespace sc
