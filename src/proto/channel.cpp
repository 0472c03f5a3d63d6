#include "proto/channel.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "proto/events.h"
#include "proto/limits.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

Failure<ProtocolError> internal(const std::string& what) {
    return proto_fail(ErrorCode::internal, what);
}

crypto::Sha256Digest fingerprint(const pki::Certificate& cert) {
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
    const auto& client = params.own_dir == Direction::c2s ? params.own_leaf : params.peer_leaf;
    const auto& server = params.own_dir == Direction::c2s ? params.peer_leaf : params.own_leaf;
    auto header = proto::transcript_header(params.session_id, client.to_der(), server.to_der());
    return std::unique_ptr<SecureChannel>(
        new SecureChannel(std::move(params), std::move(schedule), std::move(epoch0), header));
}

SecureChannel::SecureChannel(ChannelParams params, KeySchedule schedule, EpochKeys epoch0,
                             std::string header)
    : params_(std::move(params)),
      schedule_(std::move(schedule)),
      sealer_(params_.own_dir, 0,
              std::move(params_.own_dir == Direction::c2s ? epoch0.c2s : epoch0.s2c)),
      opener_(opposite(params_.own_dir), 0,
              std::move(params_.own_dir == Direction::c2s ? epoch0.s2c : epoch0.c2s)),
      header_(std::move(header)),
      transcript_(header_) {}

ProtoResult<Bytes> SecureChannel::seal(const msg::Inner& message) {
    auto plaintext = msg::encode(message);
    if (plaintext.size() > kMaxInnerPayload) {
        return internal("message too large to send");
    }
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
    sealer_.rekey(keys.epoch, std::move(client ? keys.c2s : keys.s2c));
    opener_.rekey(keys.epoch, std::move(client ? keys.s2c : keys.c2s));
    if (!message_keys_) {
        SC_TRY_ASSIGN(auto mk, schedule_.message_keys());
        message_keys_.emplace(std::move(mk));
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
    if (!message_keys_) {
        return proto_fail(ErrorCode::unexpected_message, "chat keys are not established yet");
    }
    if (text.size() > kMaxTextBytes) {
        return proto_fail(ErrorCode::malformed,
                          "message longer than " + std::to_string(kMaxTextBytes) + " bytes");
    }
    Direction dir = params_.own_dir;
    std::uint64_t seqno = last_sent_seqno_ + 1;
    const auto& key = dir == Direction::c2s ? message_keys_->c2s : message_keys_->s2c;
    Bytes plaintext(salt.begin(), salt.end());
    plaintext.insert(plaintext.end(), text.begin(), text.end());
    auto ct = crypto::seal(key.key, nonce_for(key.iv, seqno), plaintext,
                           message_ad(params_.session_id, dir, seqno, ts));
    crypto::secure_wipe(plaintext.data(), plaintext.size());
    if (!ct) {
        return internal(ct.error().message);
    }
    auto commit = commitment(salt, text);
    auto signed_bytes = message_signed(static_cast<std::uint8_t>(kProtocolVersion),
                                       params_.session_id, dir, seqno, ts, *ct, commit);
    auto sig = params_.own_key->sign(signed_bytes);
    if (!sig) {
        return internal(sig.error().message);
    }
    last_sent_seqno_ = seqno;
    TranscriptLine line{seqno, ts, dir, *ct, commit, *sig, fingerprint(params_.own_leaf)};
    unacked_.push_back(Pending{seqno, line.format()});
    return msg::Chat{seqno, ts, std::move(ct).value(), std::move(sig).value()};
}

ProtoResult<SecureChannel::Accepted> SecureChannel::accept_chat(const msg::Chat& chat,
                                                                std::uint64_t now_ms) {
    if (!message_keys_) {
        return proto_fail(ErrorCode::unexpected_message, "msg before the chat keys");
    }
    if (chat.seqno <= last_received_seqno_) {
        return proto_fail(ErrorCode::replay, "msg " + std::to_string(chat.seqno) +
                                                 " is not after msg " +
                                                 std::to_string(last_received_seqno_));
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
    const auto& key = dir == Direction::c2s ? message_keys_->c2s : message_keys_->s2c;
    auto plaintext = crypto::open(key.key, nonce_for(key.iv, chat.seqno), chat.ct,
                                  message_ad(params_.session_id, dir, chat.seqno, chat.ts));
    if (!plaintext || plaintext->size() < kSaltBytes) {
        return proto_fail(ErrorCode::bad_message_signature,
                          "msg " + std::to_string(chat.seqno) + " does not decrypt");
    }
    Bytes salt(plaintext->begin(), plaintext->begin() + kSaltBytes);
    std::string text(plaintext->begin() + kSaltBytes, plaintext->end());
    auto commit = commitment(salt, text);
    crypto::secure_wipe(plaintext->data(), plaintext->size());
    auto signed_bytes =
        message_signed(static_cast<std::uint8_t>(kProtocolVersion), params_.session_id, dir,
                       chat.seqno, chat.ts, chat.ct, commit);
    if (!params_.peer_leaf.public_key().verify(signed_bytes, chat.sig)) {
        return proto_fail(ErrorCode::bad_message_signature,
                          "msg " + std::to_string(chat.seqno) + " has an invalid signature");
    }
    last_received_seqno_ = chat.seqno;
    if (first_received_seqno_ == 0) {
        first_received_seqno_ = chat.seqno;
    }
    TranscriptLine line{
        chat.seqno, chat.ts, dir, chat.ct, commit, chat.sig, fingerprint(params_.peer_leaf)};
    auto text_line = line.format();
    transcript_.append(dir, text_line);
    return Accepted{chat.seqno, chat.ts, std::move(text), std::move(salt), std::move(text_line)};
}

ProtoResult<std::string> SecureChannel::accept_ack(const msg::Ack& ack) {
    if (unacked_.empty() || unacked_.front().seqno != ack.seqno) {
        return proto_fail(ErrorCode::unexpected_message,
                          "ack for msg " + std::to_string(ack.seqno) +
                              " which is not the next unacknowledged one");
    }
    auto line = std::move(unacked_.front().line);
    unacked_.pop_front();
    if (first_acked_seqno_ == 0) {
        first_acked_seqno_ = ack.seqno;
    }
    transcript_.append(params_.own_dir, line);
    return line;
}

std::string SecureChannel::transcript_hex() const {
    return to_hex(transcript_.digest());
}

msg::Receipt SecureChannel::make_receipt_unsigned() const {
    msg::Receipt r;
    r.peer = to_hex(fingerprint(params_.peer_leaf));
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
    if (receipt.peer != to_hex(own_fp)) {
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
    if (receipt.transcript_sha256 != to_hex(digest)) {
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
