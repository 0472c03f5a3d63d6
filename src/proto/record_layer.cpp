#include "proto/record_layer.h"

#include "crypto/internal/aead_raw.h"
#include "proto/limits.h"

namespace sc::proto {

std::array<std::uint8_t, 12> nonce_for(const std::array<std::uint8_t, 12>& iv, std::uint64_t seq) {
    auto nonce = iv;
    for (int i = 0; i < 8; ++i) {
        nonce[static_cast<std::size_t>(11 - i)] ^= static_cast<std::uint8_t>(seq >> (8 * i));
    }
    return nonce;
}

ProtoResult<bool> Sealer::room(bool last_word) const {
    if (in_epoch_ + (last_word ? 0 : 1) >= max_in_epoch_) {
        return proto_fail(ErrorCode::key_exhausted,
                          "this epoch's record key has protected " + std::to_string(in_epoch_) +
                              " records, the most allowed; the session must end");
    }
    return true;
}

ProtoResult<msg::Record> Sealer::seal(ByteView plaintext, bool last_word) {
    SC_TRY(room(last_word));
    auto nonce = nonce_for(key_.iv, next_seq_);
    auto ct =
        crypto::internal::seal(key_.key, nonce, plaintext, record_ad(dir_, next_seq_, epoch_));
    if (!ct) {
        return proto_fail(ErrorCode::internal, ct.error().message);
    }
    msg::Record record{next_seq_, std::move(ct).value()};
    ++next_seq_;
    ++in_epoch_;
    return record;
}

void Sealer::rekey(std::uint32_t epoch, TrafficKey key) {
    epoch_ = epoch;
    key_ = std::move(key);  // the old key is wiped by its allocator, the old IV overwritten
    in_epoch_ = 0;
}

ProtoResult<crypto::SecretBytes> Opener::open(const msg::Record& record) {
    if (record.seq < next_seq_) {
        return proto_fail(ErrorCode::replay, "record " + std::to_string(record.seq) +
                                                 " was already received (expected " +
                                                 std::to_string(next_seq_) + ")");
    }
    if (record.seq > next_seq_) {
        return proto_fail(ErrorCode::out_of_order, "record " + std::to_string(record.seq) +
                                                       " arrived before record " +
                                                       std::to_string(next_seq_));
    }
    if (in_epoch_ >= max_in_epoch_) {
        return proto_fail(ErrorCode::key_exhausted,
                          "the peer sent more than " + std::to_string(max_in_epoch_) +
                              " records under one epoch key without a rekey");
    }
    auto nonce = nonce_for(key_.iv, record.seq);
    auto pt =
        crypto::internal::open(key_.key, nonce, record.ct, record_ad(dir_, record.seq, epoch_));
    if (!pt) {
        return proto_fail(ErrorCode::decrypt_failed,
                          "record " + std::to_string(record.seq) + " failed authentication");
    }
    crypto::SecretBytes plaintext(*pt);
    crypto::secure_wipe(pt->data(), pt->size());
    ++next_seq_;
    ++in_epoch_;
    return plaintext;
}

void Opener::rekey(std::uint32_t epoch, TrafficKey key) {
    epoch_ = epoch;
    key_ = std::move(key);
    in_epoch_ = 0;
}

}  // namespace sc::proto
