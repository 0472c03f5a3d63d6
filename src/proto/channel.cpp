#include "proto/channel.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/display_text.h"
#include "proto/events.h"
#include "proto/limits.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

Failure<ProtocolError> internal(const std::string& what) {
    return proto_fail(ErrorCode::internal, what);
}

Fingerprint fingerprint(const pki::Certificate& cert) {
    return cert.fingerprint();
}

}  // namespace

void Output::append(Output&& other) {
    for (auto& frame : other.send) {
        send.push_back(std::move(frame));
    }
    for (auto& e : other.events) {
        events.push_back(std::move(e));
    }
    close = close || other.close;
}

ProtoResult<std::unique_ptr<SecureChannel>> SecureChannel::create(ChannelParams params,
                                                                  KeySchedule schedule) {
    SC_TRY_ASSIGN(auto epoch0, schedule.auth_keys());
    bool client_side = params.own_dir == Direction::c2s;
    const auto& client = client_side ? params.own_certs_der : params.peer_certs_der;
    const auto& server = client_side ? params.peer_certs_der : params.own_certs_der;
    auto header = proto::transcript_header(params.session_id, client, server);
    return std::unique_ptr<SecureChannel>(
        new SecureChannel(std::move(params), std::move(schedule), std::move(epoch0), header));
}

SecureChannel::SecureChannel(ChannelParams params, KeySchedule schedule, EpochKeys epoch0,
                             std::string header)
    : params_(std::move(params)),
      client_fp_(
          (params_.own_dir == Direction::c2s ? params_.own_leaf : params_.peer_leaf).fingerprint()),
      server_fp_(
          (params_.own_dir == Direction::c2s ? params_.peer_leaf : params_.own_leaf).fingerprint()),
      schedule_(std::move(schedule)),
      sealer_(params_.own_dir, 0,
              std::move(params_.own_dir == Direction::c2s ? epoch0.c2s : epoch0.s2c),
              params_.max_records_per_epoch),
      opener_(opposite(params_.own_dir), 0,
              std::move(params_.own_dir == Direction::c2s ? epoch0.s2c : epoch0.c2s),
              params_.max_records_per_epoch),
      header_(std::move(header)),
      transcript_(header_) {}

SessionParties SecureChannel::parties() const {
    return SessionParties{params_.session_id, client_fp_, server_fp_};
}

ProtoResult<Bytes> SecureChannel::seal_last_word(const msg::Error& error) {
    auto plaintext = msg::encode(msg::Inner{error});
    SC_TRY_ASSIGN(auto record, sealer_.seal(plaintext.reveal(crypto::SecretAccess{}), true));
    return make_frame(msg::encode(msg::Outer{std::move(record)})).wire();
}

ProtoResult<Bytes> SecureChannel::seal(const msg::Inner& message) {
    static_assert(kAeadTagBytes == crypto::kAesGcmTagSize);  // kMaxInnerPayload counts it
    SC_TRY_ASSIGN(auto plaintext, msg::encode_for_record(message));
    SC_TRY_ASSIGN(auto record, sealer_.seal(plaintext.reveal(crypto::SecretAccess{})));
    return make_frame(msg::encode(msg::Outer{std::move(record)})).wire();
}

ProtoResult<msg::Inner> SecureChannel::open(const msg::Record& record) {
    SC_TRY_ASSIGN(auto plaintext, opener_.open(record));
    if (plaintext.size() > kMaxInnerPayload) {
        return proto_fail(ErrorCode::malformed, "inner message too large");
    }
    return msg::decode_inner(plaintext.reveal_text(crypto::SecretAccess{}));
}

ProtoResult<bool> SecureChannel::next_epoch(const crypto::SecretBytes& dh,
                                            std::chrono::system_clock::time_point now) {
    SC_TRY_ASSIGN(auto keys, schedule_.advance(dh));
    bool client = params_.own_dir == Direction::c2s;
    auto& records = keys.records;
    sealer_.rekey(records.epoch, std::move(client ? records.c2s : records.s2c));
    opener_.rekey(records.epoch, std::move(client ? records.s2c : records.c2s));
    // M7: the previous epoch's msg keys go now (their memory is wiped by its allocator).
    auto& messages = keys.messages;
    auto& own = client ? messages.c2s : messages.s2c;
    auto& peer = client ? messages.s2c : messages.c2s;
    if (message_sealer_) {
        message_sealer_->rekey(messages.epoch, std::move(own));
        message_opener_->rekey(messages.epoch, std::move(peer));
    } else {
        message_sealer_.emplace(params_.session_id, params_.own_dir, messages.epoch,
                                std::move(own));
        message_opener_.emplace(params_.session_id, opposite(params_.own_dir), messages.epoch,
                                std::move(peer));
    }
    epoch_started_ = now;
    return true;
}

bool SecureChannel::rekey_due(std::chrono::system_clock::time_point now,
                              std::uint64_t after_records, std::chrono::seconds after) const {
    return sealer_.sealed_in_epoch() >= after_records ||
           opener_.opened_in_epoch() >= after_records || now - epoch_started_ >= after;
}

ProtoResult<msg::Chat> SecureChannel::make_chat(std::string_view text, std::uint64_t ts,
                                                ByteView salt) {
    if (!message_sealer_) {
        return proto_fail(ErrorCode::unexpected_message, "chat keys are not established yet");
    }
    if (text.size() > kMaxTextBytes) {
        return proto_fail(ErrorCode::malformed,
                          "message longer than " + std::to_string(kMaxTextBytes) + " bytes");
    }
    Direction dir = params_.own_dir;
    Bytes plaintext(salt.begin(), salt.end());
    plaintext.insert(plaintext.end(), text.begin(), text.end());
    auto sealed = message_sealer_->seal(ts, plaintext);
    crypto::secure_wipe(plaintext.data(), plaintext.size());
    SC_TRY_ASSIGN(auto msg, std::move(sealed));
    std::uint64_t seqno = msg.seqno;
    auto ct = std::move(msg.ct);
    auto commit = commitment(salt, text);
    auto signed_bytes = message_signed(static_cast<std::uint8_t>(kProtocolVersion), parties(), dir,
                                       seqno, ts, ct, commit);
    auto sig = params_.own_key->sign(signed_bytes);
    if (!sig) {
        return internal(sig.error().message);
    }
    last_sent_seqno_ = seqno;
    TranscriptLine line{seqno, ts, dir, ct, commit, *sig, fingerprint(params_.own_leaf)};
    unacked_.push_back(Pending{seqno, line.format()});
    return msg::Chat{seqno, ts, std::move(ct), std::move(sig).value()};
}

ProtoResult<SecureChannel::Accepted> SecureChannel::accept_chat(const msg::Chat& chat,
                                                                std::uint64_t now_ms) {
    if (!message_opener_) {
        return proto_fail(ErrorCode::unexpected_message, "msg before the chat keys");
    }
    // Seqnos are consecutive from 1 (§6): the sender never skips one.
    if (chat.seqno <= last_received_seqno_) {
        return proto_fail(ErrorCode::replay, "msg " + std::to_string(chat.seqno) +
                                                 " is not after msg " +
                                                 std::to_string(last_received_seqno_));
    }
    if (chat.seqno != last_received_seqno_ + 1) {
        return proto_fail(ErrorCode::out_of_order,
                          "msg " + std::to_string(chat.seqno) + " arrived, but msg " +
                              std::to_string(last_received_seqno_ + 1) + " is the next one");
    }
    auto window = static_cast<std::uint64_t>(params_.ts_window.count());
    std::uint64_t skew = chat.ts > now_ms ? chat.ts - now_ms : now_ms - chat.ts;
    if (skew > window) {
        return proto_fail(ErrorCode::stale_timestamp,
                          "msg " + std::to_string(chat.seqno) + " is timestamped " +
                              std::to_string(skew) + " ms away from now (window " +
                              std::to_string(window) + " ms)");
    }
    Direction dir = opposite(params_.own_dir);
    auto opened = message_opener_->open(chat.seqno, chat.ts, chat.ct);
    if (!opened || opened->size() < kSaltBytes) {
        return proto_fail(ErrorCode::bad_message_signature,
                          "msg " + std::to_string(chat.seqno) + " does not decrypt");
    }
    auto plaintext = opened->reveal(crypto::SecretAccess{});
    Bytes salt(plaintext.begin(), plaintext.begin() + kSaltBytes);
    std::string text(plaintext.begin() + kSaltBytes, plaintext.end());
    auto commit = commitment(salt, text);
    auto signed_bytes = message_signed(static_cast<std::uint8_t>(kProtocolVersion), parties(), dir,
                                       chat.seqno, chat.ts, chat.ct, commit);
    if (!params_.peer_leaf.public_key().verify(signed_bytes, chat.sig)) {
        crypto::secure_wipe(text.data(), text.size());
        return proto_fail(ErrorCode::bad_message_signature,
                          "msg " + std::to_string(chat.seqno) + " has an invalid signature");
    }
    if (!is_valid_utf8(text)) {
        crypto::secure_wipe(text.data(), text.size());
        return proto_fail(ErrorCode::bad_text,
                          "msg " + std::to_string(chat.seqno) + " holds text that is not UTF-8");
    }
    // M5(a): the ack is signed over the session, the msg and everything of its direction so far.
    TranscriptLine line{
        chat.seqno, chat.ts, dir, chat.ct, commit, chat.sig, fingerprint(params_.peer_leaf)};
    auto msg_line = line.format();
    auto running = transcript_.running_with(dir, msg_line);
    auto ack_sig = params_.own_key->sign(
        ack_signed(params_.session_id, dir, chat.seqno, transcript_.header_hash(), running));
    if (!ack_sig) {
        return internal(ack_sig.error().message);
    }
    AckLine ack_line{chat.seqno, dir, *ack_sig, fingerprint(params_.own_leaf)};
    auto ack_text = ack_line.format();
    transcript_.append(dir, msg_line);
    transcript_.append(dir, ack_text);
    last_received_seqno_ = chat.seqno;
    if (first_received_seqno_ == 0) {
        first_received_seqno_ = chat.seqno;
    }
    return Accepted{
        chat.seqno,
        chat.ts,
        std::move(text),
        std::move(salt),
        msg::Ack{chat.seqno, msg::DeliveryStatus::delivered, std::move(ack_sig).value()},
        msg_line + ack_text};
}

ProtoResult<std::string> SecureChannel::accept_ack(const msg::Ack& ack) {
    if (unacked_.empty() || unacked_.front().seqno != ack.seqno) {
        return proto_fail(ErrorCode::unexpected_message,
                          "ack for msg " + std::to_string(ack.seqno) +
                              " which is not the next unacknowledged one");
    }
    Direction dir = params_.own_dir;
    const auto& msg_line = unacked_.front().line;
    auto running = transcript_.running_with(dir, msg_line);
    if (!params_.peer_leaf.public_key().verify(
            ack_signed(params_.session_id, dir, ack.seqno, transcript_.header_hash(), running),
            ack.sig)) {
        return proto_fail(
            ErrorCode::bad_message_signature,
            "the ack of msg " + std::to_string(ack.seqno) + " has an invalid signature");
    }
    auto ack_text = AckLine{ack.seqno, dir, ack.sig, fingerprint(params_.peer_leaf)}.format();
    auto lines = msg_line + ack_text;
    transcript_.append(dir, msg_line);
    transcript_.append(dir, ack_text);
    unacked_.pop_front();
    if (first_acked_seqno_ == 0) {
        first_acked_seqno_ = ack.seqno;
    }
    return lines;
}

TranscriptHash SecureChannel::transcript_hash() const {
    return transcript_.digest();
}

std::string SecureChannel::transcript_hex() const {
    return transcript_hash().hex();
}

msg::Receipt SecureChannel::make_receipt_unsigned() const {
    msg::Receipt r;
    r.peer = fingerprint(params_.peer_leaf).hex();
    r.first_seq = first_received_seqno_;
    r.last_seq = first_received_seqno_ == 0 ? 0 : last_received_seqno_;
    r.transcript_sha256 = transcript_hex();
    return r;
}

ProtoResult<msg::Receipt> SecureChannel::make_receipt() const {
    auto r = make_receipt_unsigned();
    auto sig =
        params_.own_key->sign(receipt_signed(params_.session_id, fingerprint(params_.peer_leaf),
                                             r.first_seq, r.last_seq, transcript_.digest()));
    if (!sig) {
        return internal(sig.error().message);
    }
    r.sig = std::move(sig).value();
    return r;
}

ProtoResult<bool> SecureChannel::check_receipt(const msg::Receipt& receipt) const {
    auto own_fp = fingerprint(params_.own_leaf);
    if (receipt.peer != own_fp.hex()) {
        return proto_fail(ErrorCode::transcript_mismatch, "the peer's receipt names another party");
    }
    std::uint64_t last_acked = last_sent_seqno_ - unacked_.size();
    std::uint64_t expected_first = first_acked_seqno_;
    std::uint64_t expected_last = first_acked_seqno_ == 0 ? 0 : last_acked;
    if (receipt.first_seq != expected_first || receipt.last_seq != expected_last) {
        return proto_fail(ErrorCode::transcript_mismatch,
                          "the peer's receipt covers msgs " + std::to_string(receipt.first_seq) +
                              "-" + std::to_string(receipt.last_seq) + ", we sent " +
                              std::to_string(expected_first) + "-" + std::to_string(expected_last));
    }
    auto digest = transcript_.digest();
    if (receipt.transcript_sha256 != digest.hex()) {
        return proto_fail(ErrorCode::transcript_mismatch,
                          "the peer's transcript hash differs from ours");
    }
    auto signed_bytes =
        receipt_signed(params_.session_id, own_fp, receipt.first_seq, receipt.last_seq, digest);
    if (!params_.peer_leaf.public_key().verify(signed_bytes, receipt.sig)) {
        return proto_fail(ErrorCode::bad_message_signature,
                          "the peer's receipt signature is invalid");
    }
    return true;
}

}  // namespace sc::proto
