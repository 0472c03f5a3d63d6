// The secure channel after the handshake, shared by both roles: records, epochs (DH #2 and
// rekeys), signed chat messages with acknowledgements, the transcript and receipts.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "crypto/key_exchange.h"
#include "proto/environment.h"
#include "proto/key_schedule.h"
#include "proto/limits.h"
#include "proto/message_sealer.h"
#include "proto/messages.h"
#include "proto/record_layer.h"
#include "proto/transcript.h"

namespace sc::proto {

struct ChannelParams {
    Direction own_dir = Direction::c2s;
    SessionId session_id;
    pki::Certificate own_leaf;
    pki::Certificate peer_leaf;  // verified by the handshake
    // Each side's `certs` of the handshake as sent (leaf first, with its intermediates), which
    // the transcript header holds (§7) so that a verifier can chain the leaves to the root.
    Bytes own_certs_der;
    Bytes peer_certs_der;
    std::shared_ptr<const crypto::PrivateKey> own_key;
    std::chrono::milliseconds ts_window = kDefaultTimestampWindow;
    // The hard cap of records per epoch and direction (§4.2); lower only in tests.
    std::uint64_t max_records_per_epoch = kMaxRecordsPerEpoch;
};

class SecureChannel {
  public:
    static ProtoResult<std::unique_ptr<SecureChannel>> create(ChannelParams params,
                                                              KeySchedule schedule);

    // ---- records ----
    ProtoResult<Bytes> seal(const msg::Inner& message);  // a whole frame
    // The final `error`: may use the record reserved by the per-epoch cap.
    ProtoResult<Bytes> seal_last_word(const msg::Error& error);
    ProtoResult<msg::Inner> open(const msg::Record& record);
    // Whether seal() has room for one more record in this epoch (the per-epoch cap).
    ProtoResult<bool> can_seal() const { return sealer_.room(); }

    // ---- epochs ----
    // Installs the next epoch for both directions (DH #2 gives epoch 1).
    ProtoResult<bool> next_epoch(const crypto::SecretBytes& dh,
                                 std::chrono::system_clock::time_point now);
    std::uint32_t epoch() const { return schedule_.epoch(); }
    bool rekey_due(std::chrono::system_clock::time_point now, std::uint64_t after_records,
                   std::chrono::seconds after) const;

    // ---- chat (epoch ≥ 1) ----
    // The sessions refuse a text that is not UTF-8 before they call this (§6).
    ProtoResult<msg::Chat> make_chat(std::string_view text, std::uint64_t ts, ByteView salt);
    struct Accepted {
        std::uint64_t seqno;
        std::uint64_t ts;
        std::string text;
        Bytes salt;
        msg::Ack ack;      // signed; to send now (or right after a rekey switch)
        std::string line;  // the msg line and our ack line, to append now
    };
    ProtoResult<Accepted> accept_chat(const msg::Chat& chat, std::uint64_t now_ms);
    // Our message `seqno` was acknowledged with a valid signature: returns its transcript line
    // followed by the ack line.
    ProtoResult<std::string> accept_ack(const msg::Ack& ack);
    bool has_unacked() const { return !unacked_.empty(); }

    // ---- transcript and receipts ----
    const std::string& transcript_header() const { return header_; }
    msg::Receipt make_receipt_unsigned() const;
    ProtoResult<msg::Receipt> make_receipt() const;
    ProtoResult<bool> check_receipt(const msg::Receipt& receipt) const;
    TranscriptHash transcript_hash() const;
    std::string transcript_hex() const;
    const SessionId& session_id() const { return params_.session_id; }

    // For tests only (Hardening.M7_*): the key schedule, whose held secrets can be inspected.
    const KeySchedule& key_schedule_for_test() const { return schedule_; }

  private:
    SecureChannel(ChannelParams params, KeySchedule schedule, EpochKeys epoch0, std::string header);
    struct Pending {
        std::uint64_t seqno;
        std::string line;
    };

    SessionParties parties() const;

    ChannelParams params_;
    Fingerprint client_fp_;
    Fingerprint server_fp_;
    KeySchedule schedule_;
    Sealer sealer_;
    Opener opener_;
    // From epoch 1 on: this epoch's msg keys only, replaced (wiped) on rekey.
    std::optional<MessageSealer> message_sealer_;
    std::optional<MessageOpener> message_opener_;
    std::chrono::system_clock::time_point epoch_started_{};

    std::string header_;
    TranscriptHasher transcript_;
    std::uint64_t last_sent_seqno_ = 0;
    std::uint64_t last_received_seqno_ = 0;
    std::uint64_t first_received_seqno_ = 0;
    std::uint64_t first_acked_seqno_ = 0;
    std::list<Pending> unacked_;  // a list: empty, it allocates nothing (idle sessions)
};

}  // namespace sc::proto
