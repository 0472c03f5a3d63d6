// AES-256-GCM with an explicit 12-byte IV and a 16-byte tag: the raw primitive.
//
// It does not stop an IV from being used twice with one key, which would destroy both
// confidentiality and authenticity. Only the per-direction sealers of src/proto include this
// header (proto/record_layer.cpp, proto/message_sealer.cpp), and the tests that check them against
// the spec; they own the key and make each IV from a sequence number that never repeats. The one
// other user is the end-to-end Double Ratchet (e2e/ratchet.cpp): each of its message keys is
// derived once, deleted once used, and gives its own key and nonce (docs/PROTOCOL.md §10.4).
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/aead.h"

namespace sc::crypto::internal {

using AesGcmIv = std::span<const std::uint8_t, kAesGcmIvSize>;

// Encrypts `plaintext` and authenticates it together with `ad`: ciphertext || 16-byte tag.
Result<Bytes> seal(const Aes256GcmKey& key, AesGcmIv iv, ByteView plaintext, ByteView ad);
// The plaintext of `sealed` (ciphertext || tag), or "authentication failed" if the ciphertext,
// tag, IV, AD or key differ in any way from those it was sealed with.
Result<Bytes> open(const Aes256GcmKey& key, AesGcmIv iv, ByteView sealed, ByteView ad);

}  // namespace sc::crypto::internal
