// The two hashes that bind a session, each its own type (common/strong.h), distinct from each
// other, from the SessionId made of one of them, and from any other SHA-256.
#pragma once

#include "common/ids.h"
#include "common/strong.h"
#include "crypto/sha256.h"

namespace sc::proto {

// HH = H(F(hello) ‖ F(server_hello) ‖ F(dh_server) ‖ F(dh_client)) (docs/PROTOCOL.md §3.2): the
// context of every key the schedule derives.
struct HandshakeHashTag;
using HandshakeHash = StrongArray<HandshakeHashTag, crypto::Sha256Digest{}.size()>;

// H(context ‖ H(header) ‖ Hc2s ‖ Hs2c) (§7): what a receipt signs, and "transcript_sha256".
struct TranscriptHashTag;
using TranscriptHash = StrongArray<TranscriptHashTag, crypto::Sha256Digest{}.size()>;

// §3.2: a session is named by its handshake hash.
inline SessionId session_id_of(const HandshakeHash& hh) {
    return SessionId(hh.bytes());
}

}  // namespace sc::proto
