// The key schedule of docs/PROTOCOL.md §4, as a class with named stages. It alone derives
// traffic keys; copying is impossible, so no secret is forked by accident.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "crypto/aead.h"
#include "crypto/secret.h"
#include "proto/errors.h"
#include "proto/hashes.h"

namespace sc::proto {

struct TrafficKey {
    crypto::Aes256GcmKey key;
    std::array<std::uint8_t, crypto::kAesGcmIvSize> iv{};
};

struct EpochKeys {
    std::uint32_t epoch = 0;
    TrafficKey c2s;
    TrafficKey s2c;
};

// Epoch n ≥ 1 (§4.2): the record keys and the msg.ct keys (§6) of that epoch, both derived from
// epoch_secret_n, so that a rekey replaces both.
struct ChatEpochKeys {
    EpochKeys records;
    EpochKeys messages;
};

class KeySchedule {
  public:
    enum class Stage { auth, chat };

    // §4.1: auth_secret = HKDF-Extract(nonce_c ‖ nonce_s, dh1); epoch 0 keys from it.
    static ProtoResult<KeySchedule> start(const crypto::SecretBytes& dh1, ByteView nonce_c,
                                          ByteView nonce_s, const HandshakeHash& handshake_hash);
    KeySchedule(KeySchedule&&) noexcept = default;
    KeySchedule& operator=(KeySchedule&&) noexcept = default;
    KeySchedule(const KeySchedule&) = delete;
    KeySchedule& operator=(const KeySchedule&) = delete;

    Stage stage() const { return stage_; }
    std::uint32_t epoch() const { return epoch_; }

    // Epoch 0 (k_auth). Only in stage auth.
    ProtoResult<EpochKeys> auth_keys() const;
    // §4.2: the next epoch's record and msg keys from a fresh DH secret; the chain secret
    // before it is wiped. The first call moves the schedule to stage chat (and wipes
    // auth_secret).
    ProtoResult<ChatEpochKeys> advance(const crypto::SecretBytes& dh);

    // For tests only (Hardening.M7_*): every secret byte string the schedule holds now.
    std::vector<ByteView> held_secrets_for_test(crypto::SecretAccess) const;

  private:
    KeySchedule(crypto::SecretBytes auth_secret, HandshakeHash handshake_hash)
        : chain_(std::move(auth_secret)), handshake_hash_(std::move(handshake_hash)) {}
    ProtoResult<TrafficKey> traffic_key(const crypto::SecretBytes& secret, std::string_view label,
                                        ByteView context) const;

    Stage stage_ = Stage::auth;
    std::uint32_t epoch_ = 0;
    crypto::SecretBytes chain_;  // auth_secret, then epoch_secret_n: the only secret held
    HandshakeHash handshake_hash_;
};

}  // namespace sc::proto
