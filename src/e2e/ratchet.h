// The Double Ratchet (docs/PROTOCOL.md §10.4): Signal's revision 1 without header encryption,
// with the KDFs of §10.4, skipped message keys bounded by proto/limits.h, and each message key
// deleted once used. A ratchet is a value: copy it, try a message on the copy, keep the copy
// only when the message opened, so a forged message never changes the state.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/x25519.h"
#include "proto/environment.h"

namespace sc::e2e {

// KDF_RK(rk, dh_out) = HKDF(salt = rk, ikm = dh_out, info = "securechat/v1 e2e root", L = 64)
struct RootStep {
    crypto::SecretBytes rk;  // bytes 0–31
    crypto::SecretBytes ck;  // bytes 32–63
};
Result<RootStep> kdf_rk(const crypto::SecretBytes& rk, const crypto::SecretBytes& dh_out);

// KDF_CK(ck): mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02)
struct ChainStep {
    crypto::SecretBytes mk;
    crypto::SecretBytes ck;
};
Result<ChainStep> kdf_ck(const crypto::SecretBytes& ck);

// HKDF(salt = 32 × 0x00, ikm = mk, info = "securechat/v1 e2e message", L = 44)
struct MessageKey {
    crypto::SecretBytes key;    // 32 bytes: AES-256-GCM
    crypto::SecretBytes nonce;  // 12 bytes: used with this key once
};
Result<MessageKey> message_key(const crypto::SecretBytes& mk);

// AES-256-GCM under the message key of `mk` (each mk seals exactly one message).
Result<Bytes> seal_with_message_key(const crypto::SecretBytes& mk,
                                    const crypto::SecretBytes& plaintext, ByteView ad);
Result<crypto::SecretBytes> open_with_message_key(const crypto::SecretBytes& mk, ByteView ct,
                                                  ByteView ad);

struct RatchetHeader {
    Bytes dh;  // the sender's ratchet public key, 32 bytes
    std::uint32_t pn = 0;
    std::uint32_t n = 0;
};

class Ratchet {
  public:
    // A (who fetched the bundle): DHs fresh, DHr = SPK_B, (RK, CKs) = KDF_RK(SK, DH(DHs, DHr)).
    static Result<Ratchet> initiator(const crypto::SecretBytes& sk, ByteView peer_spk,
                                     crypto::X25519KeyPair dhs);
    // B: DHs = SPK_B's pair, RK = SK, no chains yet.
    static Ratchet responder(crypto::SecretBytes sk, crypto::X25519KeyPair spk);

    bool can_send() const { return cks_.has_value(); }
    // The header of the next message and its mk; advances the sending chain (Ns + 1).
    struct Sending {
        RatchetHeader header;
        crypto::SecretBytes mk;
    };
    Result<Sending> next_send();
    // Opens `ct` (ad = the envelope head). A new `dh` in the header runs a DH ratchet step with
    // a fresh key pair from `entropy`. On failure the state is unchanged; on success the
    // message key is gone.
    Result<crypto::SecretBytes> decrypt(const RatchetHeader& header, ByteView ct, ByteView ad,
                                        proto::Entropy& entropy);

    const Bytes& own_public() const { return dhs_.public_key(); }
    std::size_t skipped_count() const { return skipped_.size(); }

    crypto::SecretBytes serialize() const;
    static Result<Ratchet> deserialize(ByteView state);

  private:
    struct Skipped {
        Bytes dh;
        std::uint32_t n = 0;
        crypto::SecretBytes mk;
    };
    Ratchet(crypto::SecretBytes rk, crypto::X25519KeyPair dhs)
        : rk_(std::move(rk)), dhs_(std::move(dhs)) {}
    Status skip_until(std::uint32_t until);
    Status dh_step(const Bytes& peer, proto::Entropy& entropy);
    Result<crypto::SecretBytes> try_skipped(const RatchetHeader& header, ByteView ct, ByteView ad);

    crypto::SecretBytes rk_;
    crypto::X25519KeyPair dhs_;
    std::optional<Bytes> dhr_;
    std::optional<crypto::SecretBytes> cks_, ckr_;
    std::uint32_t ns_ = 0, nr_ = 0, pn_ = 0;
    std::deque<Skipped> skipped_;  // oldest first
};

}  // namespace sc::e2e
