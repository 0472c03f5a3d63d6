// The record layer (docs/PROTOCOL.md §5): one Sealer and one Opener per direction, each owning
// its key and counter. Nonces are built from the counter, so callers never see or pass one.
#pragma once

#include <cstdint>

#include "crypto/secret.h"
#include "proto/key_schedule.h"
#include "proto/limits.h"
#include "proto/messages.h"
#include "proto/signed_strings.h"

namespace sc::proto {

std::array<std::uint8_t, 12> nonce_for(const std::array<std::uint8_t, 12>& iv, std::uint64_t seq);

// Both enforce the hard cap of `max_in_epoch` records per epoch and direction (I1): a Sealer
// seals at most max_in_epoch − 1 ordinary records and keeps the last one for the final `error`
// (`last_word`), so that the peer learns why the session ends; an Opener refuses record
// max_in_epoch + 1 with `key_exhausted`.
class Sealer {
  public:
    Sealer(Direction dir, std::uint32_t epoch, TrafficKey key,
           std::uint64_t max_in_epoch = kMaxRecordsPerEpoch)
        : dir_(dir), epoch_(epoch), key_(std::move(key)), max_in_epoch_(max_in_epoch) {}
    ProtoResult<msg::Record> seal(ByteView plaintext, bool last_word = false);
    // Whether seal() has room for one more record (key_exhausted, as seal() says, if not).
    ProtoResult<bool> room(bool last_word = false) const;
    // Installs the next epoch's key; the sequence continues (it never resets).
    void rekey(std::uint32_t epoch, TrafficKey key);
    std::uint64_t next_seq() const { return next_seq_; }
    std::uint64_t sealed_in_epoch() const { return in_epoch_; }
    std::uint32_t epoch() const { return epoch_; }

  private:
    Direction dir_;
    std::uint32_t epoch_;
    TrafficKey key_;
    std::uint64_t max_in_epoch_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t in_epoch_ = 0;
};

class Opener {
  public:
    Opener(Direction dir, std::uint32_t epoch, TrafficKey key,
           std::uint64_t max_in_epoch = kMaxRecordsPerEpoch)
        : dir_(dir), epoch_(epoch), key_(std::move(key)), max_in_epoch_(max_in_epoch) {}
    // Checks the sequence number before decrypting and advances only on success.
    ProtoResult<crypto::SecretBytes> open(const msg::Record& record);
    void rekey(std::uint32_t epoch, TrafficKey key);
    std::uint64_t next_seq() const { return next_seq_; }
    std::uint64_t opened_in_epoch() const { return in_epoch_; }

  private:
    Direction dir_;
    std::uint32_t epoch_;
    TrafficKey key_;
    std::uint64_t max_in_epoch_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t in_epoch_ = 0;
};

}  // namespace sc::proto
