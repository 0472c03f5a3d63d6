// Session setup (docs/PROTOCOL.md §10.3): X3DH without identity DHs, authenticated instead by
// the prekey signatures (§10.2) and the signature on every message (§10.5).
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/x25519.h"

namespace sc::e2e {

// What both sides put in the info string: who starts (A), who answers (B), the prekey ids
// (opk_id 0 = no one-time prekey) and A's ephemeral public key.
struct X3dhContext {
    Fingerprint fp_a;
    Fingerprint fp_b;
    std::uint64_t spk_id = 0;
    std::uint64_t opk_id = 0;
    Bytes ek_pub;  // 32 bytes
};

// SK = HKDF(salt = 32 × 0x00, ikm = 32 × 0xFF ‖ DH1 [‖ DH2], info = "securechat/v1 e2e x3dh"
//           ‖ 0x00 ‖ fp_A ‖ fp_B ‖ u64 spk_id ‖ u64 opk_id ‖ EK_A.pub, L = 32)
// `dh2` is empty when opk_id is 0.
Result<crypto::SecretBytes> x3dh_secret(const X3dhContext& ctx, const crypto::SecretBytes& dh1,
                                        const crypto::SecretBytes& dh2);

// A's side: DH1 = X25519(EK_A, SPK_B), DH2 = X25519(EK_A, OPK_B) (when ctx.opk_id ≠ 0).
Result<crypto::SecretBytes> x3dh_initiator(const X3dhContext& ctx, const crypto::X25519KeyPair& ek,
                                           ByteView spk_pub, ByteView opk_pub);
// B's side, with its private keys (`opk` null when ctx.opk_id is 0).
Result<crypto::SecretBytes> x3dh_responder(const X3dhContext& ctx, const crypto::X25519KeyPair& spk,
                                           const crypto::X25519KeyPair* opk);

}  // namespace sc::e2e
