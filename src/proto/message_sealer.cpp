#include "proto/message_sealer.h"

#include "common/check.h"
#include "crypto/internal/aead_raw.h"
#include "proto/record_layer.h"

namespace sc::proto {

ProtoResult<MessageSealer::Sealed> MessageSealer::seal(std::uint64_t ts, ByteView plaintext) {
    SC_CHECK(next_seqno_ != 0);  // 2^64 msgs: the counter would wrap and repeat a nonce
    std::uint64_t seqno = next_seqno_++;
    auto ct = crypto::internal::seal(key_.key, nonce_for(key_.iv, seqno), plaintext,
                                     message_ad(session_id_, dir_, seqno, ts, epoch_));
    if (!ct) {
        return proto_fail(ErrorCode::internal, ct.error().message);
    }
    return Sealed{seqno, std::move(ct).value()};
}

void MessageSealer::rekey(std::uint32_t epoch, TrafficKey key) {
    epoch_ = epoch;
    key_ = std::move(key);  // the old key is wiped by its allocator
}

Result<crypto::SecretBytes> MessageOpener::open(std::uint64_t seqno, std::uint64_t ts,
                                                ByteView ct) const {
    auto plaintext = crypto::internal::open(key_.key, nonce_for(key_.iv, seqno), ct,
                                            message_ad(session_id_, dir_, seqno, ts, epoch_));
    if (!plaintext) {
        return fail(std::move(plaintext).error());
    }
    crypto::SecretBytes out(*plaintext);
    crypto::secure_wipe(plaintext->data(), plaintext->size());
    return out;
}

void MessageOpener::rekey(std::uint32_t epoch, TrafficKey key) {
    epoch_ = epoch;
    key_ = std::move(key);
}

}  // namespace sc::proto
