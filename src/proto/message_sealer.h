// The msg layer (docs/PROTOCOL.md §6): msg.ct = AES-256-GCM(salt ‖ text) under this epoch's msg
// key of one direction, with the nonce made from the msg's seqno and
// AD = message_ad(session_id, dir, seqno, ts, epoch). Like the record layer's Sealer/Opener, each
// owns one direction's key and derives every nonce itself: no caller passes one.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/secret.h"
#include "proto/errors.h"
#include "proto/key_schedule.h"
#include "proto/signed_strings.h"

namespace sc::proto {

// Owns the seqno counter of its direction: seqnos run 1, 2, 3, … across epochs (a rekey installs
// a new key and the count goes on), so no (key, nonce) pair can ever repeat.
class MessageSealer {
  public:
    MessageSealer(SessionId session_id, Direction dir, std::uint32_t epoch, TrafficKey key)
        : session_id_(std::move(session_id)), dir_(dir), epoch_(epoch), key_(std::move(key)) {}

    struct Sealed {
        std::uint64_t seqno;
        Bytes ct;
    };
    // Seals `plaintext` (salt ‖ text) as the next msg, timestamped `ts`. The seqno is used even
    // when sealing fails: a failure is internal and ends the session.
    ProtoResult<Sealed> seal(std::uint64_t ts, ByteView plaintext);
    // Installs the next epoch's msg key; the old one is wiped.
    void rekey(std::uint32_t epoch, TrafficKey key);

    std::uint64_t next_seqno() const { return next_seqno_; }
    std::uint32_t epoch() const { return epoch_; }

  private:
    SessionId session_id_;
    Direction dir_;
    std::uint32_t epoch_;
    TrafficKey key_;
    std::uint64_t next_seqno_ = 1;
};

// Opens msgs of the peer's direction. Which seqnos are acceptable is the caller's rule (the
// channel wants the next one; conversations will use a ReplayWindow); opening the same msg twice
// reuses no nonce.
class MessageOpener {
  public:
    MessageOpener(SessionId session_id, Direction dir, std::uint32_t epoch, TrafficKey key)
        : session_id_(std::move(session_id)), dir_(dir), epoch_(epoch), key_(std::move(key)) {}

    // salt ‖ text of msg `seqno` timestamped `ts`, or an error if `ct` does not authenticate
    // under this epoch's key with exactly these values.
    Result<crypto::SecretBytes> open(std::uint64_t seqno, std::uint64_t ts, ByteView ct) const;
    void rekey(std::uint32_t epoch, TrafficKey key);

    std::uint32_t epoch() const { return epoch_; }

  private:
    SessionId session_id_;
    Direction dir_;
    std::uint32_t epoch_;
    TrafficKey key_;
};

}  // namespace sc::proto
