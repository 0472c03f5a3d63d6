// The signatures on prekeys (docs/PROTOCOL.md §10.2): what the owner's certificate key signs,
// so that the server, which hands prekeys out, cannot swap one. The server checks them when a
// device publishes; every client checks them again before it uses a key.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/keys.h"

namespace sc::e2e {

enum class PrekeyKind : std::uint8_t { signed_prekey = 1, one_time = 2 };

// "securechat/v1 e2e prekey" ‖ 0x00 ‖ u8 kind ‖ fp_owner ‖ u64 key_id ‖ key (32) ‖ u64 ts
Bytes prekey_signed(PrekeyKind kind, const Fingerprint& owner, std::uint64_t key_id, ByteView key,
                    std::uint64_t ts);

Result<Bytes> sign_prekey(const crypto::PrivateKey& owner_key, PrekeyKind kind,
                          const Fingerprint& owner, std::uint64_t key_id, ByteView key,
                          std::uint64_t ts);
// Fails, saying which, for a key that is not 32 bytes, an id of 0, or a signature that does not
// verify with `owner_key`.
Status verify_prekey(const crypto::PublicKey& owner_key, PrekeyKind kind, const Fingerprint& owner,
                     std::uint64_t key_id, ByteView key, std::uint64_t ts, ByteView sig);

}  // namespace sc::e2e
