#include "proto/key_schedule.h"

#include "common/check.h"

#include "common/byte_writer.h"
#include "crypto/hkdf.h"

namespace sc::proto {
namespace {

Failure<ProtocolError> internal(const Error& e) {
    return proto_fail(ErrorCode::internal, "key schedule: " + e.message);
}

}  // namespace

ProtoResult<KeySchedule> KeySchedule::start(const crypto::SecretBytes& dh1, ByteView nonce_c,
                                            ByteView nonce_s, const HandshakeHash& handshake_hash) {
    Bytes salt(nonce_c.begin(), nonce_c.end());
    salt.insert(salt.end(), nonce_s.begin(), nonce_s.end());
    auto auth_secret = crypto::hkdf_extract(salt, dh1);
    if (!auth_secret) {
        return internal(auth_secret.error());
    }
    return KeySchedule(std::move(auth_secret).value(), handshake_hash);
}

ProtoResult<TrafficKey> KeySchedule::traffic_key(const crypto::SecretBytes& secret,
                                                 std::string_view label, ByteView context) const {
    auto key = crypto::hkdf_expand_label(secret, std::string(label) + " key", context, 32);
    auto iv = crypto::hkdf_expand_label(secret, std::string(label) + " iv", context,
                                        crypto::kAesGcmIvSize);
    if (!key || !iv) {
        return internal(!key ? key.error() : iv.error());
    }
    auto aes = crypto::Aes256GcmKey::create(*key);
    if (!aes) {
        return internal(aes.error());
    }
    TrafficKey out{std::move(aes).value(), {}};
    auto iv_bytes = iv->reveal(crypto::SecretAccess{});
    std::copy(iv_bytes.begin(), iv_bytes.end(), out.iv.begin());
    return out;
}

ProtoResult<EpochKeys> KeySchedule::auth_keys() const {
    SC_CHECK(stage_ == Stage::auth);
    SC_TRY_ASSIGN(auto c2s, traffic_key(chain_, "auth c2s", handshake_hash_.view()));
    SC_TRY_ASSIGN(auto s2c, traffic_key(chain_, "auth s2c", handshake_hash_.view()));
    return EpochKeys{0, std::move(c2s), std::move(s2c)};
}

ProtoResult<ChatEpochKeys> KeySchedule::advance(const crypto::SecretBytes& dh) {
    auto salt = crypto::hkdf_expand_label(chain_, "next", handshake_hash_.view(), 32);
    if (!salt) {
        return internal(salt.error());
    }
    auto next = crypto::hkdf_extract(salt->reveal(crypto::SecretAccess{}), dh);
    if (!next) {
        return internal(next.error());
    }
    SC_CHECK(epoch_ < UINT32_MAX);  // the epoch is a u32 in every key context: never wrap
    ++epoch_;
    chain_ = std::move(next).value();  // the previous chain secret is wiped by its allocator
    stage_ = Stage::chat;
    Bytes context = ByteWriter().raw(handshake_hash_.view()).u32(epoch_).bytes();
    SC_TRY_ASSIGN(auto c2s, traffic_key(chain_, "chat c2s", context));
    SC_TRY_ASSIGN(auto s2c, traffic_key(chain_, "chat s2c", context));
    SC_TRY_ASSIGN(auto msg_c2s, traffic_key(chain_, "msg c2s", context));
    SC_TRY_ASSIGN(auto msg_s2c, traffic_key(chain_, "msg s2c", context));
    return ChatEpochKeys{EpochKeys{epoch_, std::move(c2s), std::move(s2c)},
                         EpochKeys{epoch_, std::move(msg_c2s), std::move(msg_s2c)}};
}

// Views into the wiped containers, never copies: valid until the schedule changes.
std::vector<ByteView> KeySchedule::held_secrets_for_test(crypto::SecretAccess access) const {
    return {chain_.reveal(access)};
}

}  // namespace sc::proto
