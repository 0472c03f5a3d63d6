#include "proto/server_session.h"

#include <algorithm>
#include <utility>

#include "common/check.h"
#include "common/display_text.h"
#include "pki/name_match.h"

namespace sc::proto {

ServerSession::ServerSession(ServerConfig config, const Clock& clock, Entropy& entropy)
    : SessionBase(clock, entropy),
      config_(std::move(config)),
      rekey_tokens_(config_.rekey_burst),
      rekey_tokens_at_(clock.now()) {}

// ---- handshake ----

// The chain must come from our CA; when the operator lists accepted names, the certificate
// must also carry one of them. One chain verification, then the names on the verified leaf (L9).
ProtoResult<pki::VerifiedCertificate> ServerSession::verify_client(
    const std::vector<Bytes>& certs) {
    SC_TRY_ASSIGN(auto verified, verify_peer_chain(certs, config_.trust, pki::Purpose::client,
                                                   std::nullopt, clock_.now()));
    if (!config_.allowed_client_names.empty() &&
        !pki::matches_any_name(verified, config_.allowed_client_names)) {
        return certificate_fail(pki::CertError::name_mismatch,
                                "certificate name does not match [name_mismatch]: the client "
                                "certificate carries none of the names this server accepts");
    }
    return verified;
}

ProtoResult<bool> ServerSession::on_handshake(const Frame& frame, msg::Outer message, Output& out) {
    auto type = msg::type_name(message);
    // What a client sends (server_hello, dh_server) has no place here, and no handler.
    if (auto inbound = msg::narrow<msg::ServerInbound>(std::move(message))) {
        if (auto* m = std::get_if<msg::Hello>(&*inbound); m && phase_ == Phase::waiting_hello) {
            return on_hello(frame, *m, out);
        }
        if (auto* m = std::get_if<msg::DhClient>(&*inbound);
            m && phase_ == Phase::waiting_dh_client) {
            return on_dh_client(frame, *m, out);
        }
    }
    return unexpected_message(type, "at this point of the handshake");
}

ProtoResult<bool> ServerSession::on_hello(const Frame& frame, const msg::Hello& m, Output& out) {
    // Highest common version; first group of our preference that the client offered.
    std::optional<std::uint64_t> version;
    for (auto v : config_.versions) {
        if (std::find(m.versions.begin(), m.versions.end(), v) != m.versions.end() &&
            (!version || v > *version)) {
            version = v;
        }
    }
    if (!version) {
        return proto_fail(ErrorCode::unsupported_version, "no protocol version in common");
    }
    for (auto g : config_.groups) {
        if (std::find(m.groups.begin(), m.groups.end(), crypto::dh_group_name(g)) !=
            m.groups.end()) {
            group_ = g;
            break;
        }
    }
    if (!group_) {
        return proto_fail(ErrorCode::no_common_group, "no key-exchange group in common");
    }
    SC_TRY_ASSIGN(auto verified, verify_client(m.certs));
    client_.emplace(std::move(verified));
    nonce_c_ = m.nonce;
    handshake_hash_.update(frame.wire());

    auto nonce = entropy_.random(kNonceBytes);
    if (!nonce) {
        return as_protocol_error(ErrorCode::internal, nonce.error());
    }
    nonce_s_ = std::move(nonce).value();
    msg::ServerHello hello{*version, std::string(crypto::dh_group_name(*group_)), nonce_s_,
                           chain_der(config_.identity)};
    auto hello_frame = make_frame(msg::encode(msg::Outer{std::move(hello)}));
    handshake_hash_.update(hello_frame.wire());

    auto own = entropy_.ephemeral(*group_);
    if (!own) {
        return as_protocol_error(ErrorCode::internal, own.error());
    }
    Bytes share = own->public_share();
    ephemeral_.emplace(std::move(own).value());
    // sig_s covers TH_hs = H(F(hello) ‖ F(server_hello)) and our share.
    auto sig = config_.identity.key->sign(handshake_server_signed(handshake_hash_.peek(), share));
    if (!sig) {
        return as_protocol_error(ErrorCode::internal, sig.error());
    }
    auto dh_frame =
        make_frame(msg::encode(msg::Outer{msg::DhServer{share, std::move(sig).value()}}));
    handshake_hash_.update(dh_frame.wire());
    out.send.push_back(hello_frame.wire());
    out.send.push_back(dh_frame.wire());
    phase_ = Phase::waiting_dh_client;
    return true;
}

ProtoResult<bool> ServerSession::on_dh_client(const Frame& frame, const msg::DhClient& m,
                                              Output& out) {
    // sig_c covers TH_dhs = H(F(hello) ‖ F(server_hello) ‖ F(dh_server)) and the client's share.
    if (!client_->leaf().public_key().verify(
            handshake_client_signed(handshake_hash_.peek(), m.share), m.sig)) {
        return proto_fail(ErrorCode::bad_handshake_signature,
                          "the client's handshake signature does not verify: the handshake was "
                          "altered or the client does not hold its certificate's key");
    }
    handshake_hash_.update(frame.wire());
    auto dh1 = std::exchange(ephemeral_, std::nullopt).value().derive(m.share);
    if (!dh1) {
        return as_protocol_error(ErrorCode::bad_share, dh1.error());
    }
    HandshakeHash hh(handshake_hash_.peek());
    SC_TRY_ASSIGN(auto schedule, KeySchedule::start(*dh1, nonce_c_, nonce_s_, hh));
    ChannelParams params{.own_dir = Direction::s2c,
                         .session_id = session_id_of(hh),
                         .own_leaf = config_.identity.chain.front(),
                         .peer_leaf = client_->leaf(),
                         .own_certs_der = pki::Certificate::chain_to_der(config_.identity.chain),
                         .peer_certs_der = client_->presented_der(),
                         .own_key = config_.identity.key,
                         .ts_window = config_.ts_window,
                         .max_records_per_epoch = config_.max_records_per_epoch};
    SC_TRY_ASSIGN(channel_, SecureChannel::create(std::move(params), std::move(schedule)));
    phase_ = Phase::waiting_auth;
    out.events.push_back(
        event::HandshakeDone{client_->leaf(), channel_->session_id(), client_->presented()});
    return true;
}

// ---- authentication (decided by the owner) and DH #2 ----

Output ServerSession::accept_auth(Principal principal, msg::AuthAction action) {
    Output out;
    if (finished() || phase_ != Phase::auth_pending) {
        out.events.push_back(event::Refused{"no authentication is pending"});
        return out;
    }
    auto sent = send_sealed(msg::Inner{msg::AuthOk{principal.username, action}}, out);
    if (!sent) {
        fail(sent.error(), out);
        return out;
    }
    principal.device = client_->leaf().fingerprint_text();
    principal_ = std::move(principal);
    phase_ = Phase::waiting_chat_dh;
    return out;
}

Output ServerSession::reject_auth(ErrorCode code, const std::string& message) {
    Output out;
    if (finished() || phase_ != Phase::auth_pending) {
        out.events.push_back(event::Refused{"no authentication is pending"});
        return out;
    }
    fail(ProtocolError{code, message}, out);
    return out;
}

ProtoResult<bool> ServerSession::on_chat_dh(const msg::ChatDhClient& m, Output& out) {
    SC_TRY(on_rekey(msg::Rekey{m.share}, out, true));
    phase_ = Phase::chat;
    out.events.push_back(event::ChatReady{channel_->epoch()});
    out.events.push_back(event::TranscriptAppend{channel_->transcript_header()});
    return true;
}

// The responder's half of DH #2 and of every rekey (§4.2): reply under the current epoch,
// then switch both directions.
ProtoResult<bool> ServerSession::on_rekey(const msg::Rekey& m, Output& out, bool first) {
    if (!first) {
        SC_TRY(take_rekey_token());
    }
    auto own = entropy_.ephemeral(*group_);
    if (!own) {
        return as_protocol_error(ErrorCode::internal, own.error());
    }
    Bytes share = own->public_share();
    auto dh = std::move(own).value().derive(m.share);
    if (!dh) {
        return as_protocol_error(ErrorCode::bad_share, dh.error());
    }
    if (first) {
        SC_TRY(send_sealed(msg::Inner{msg::ChatDhServer{std::move(share)}}, out));
    } else {
        SC_TRY(send_sealed(msg::Inner{msg::Rekey{std::move(share)}}, out));
    }
    SC_TRY(channel_->next_epoch(*dh, clock_.now()));
    rekey_requested_in_epoch_ = false;
    if (!first) {
        out.events.push_back(event::Rekeyed{channel_->epoch()});
    }
    return true;
}

// M4: each rekey costs a DH keygen and derive on the I/O thread, so a client gets
// `rekey_burst` of them at once and one more per `rekey_token_interval`.
ProtoResult<bool> ServerSession::take_rekey_token() {
    auto now = clock_.now();
    if (now > rekey_tokens_at_ && config_.rekey_token_interval.count() > 0) {
        std::chrono::duration<double> elapsed = now - rekey_tokens_at_;
        rekey_tokens_ = std::min<double>(
            config_.rekey_burst,
            rekey_tokens_ +
                elapsed.count() / static_cast<double>(config_.rekey_token_interval.count()));
    }
    rekey_tokens_at_ = now;
    if (rekey_tokens_ < 1.0) {
        return proto_fail(ErrorCode::unexpected_message,
                          "rekeys too frequent: at most " + std::to_string(config_.rekey_burst) +
                              " at once, then one per " +
                              std::to_string(config_.rekey_token_interval.count()) + " s");
    }
    rekey_tokens_ -= 1.0;
    return true;
}

// ---- chat ----

// Validated: the ack waits for the owner's store (acknowledge_stored), and so does the input.
ProtoResult<bool> ServerSession::on_chat(const msg::Chat& m, Output& out) {
    SC_TRY_ASSIGN(auto accepted, channel_->accept_chat(m, now_ms()));
    // The ack's record must exist before its line is stored (the per-epoch cap, §4.2).
    SC_TRY(channel_->can_seal());
    held_ack_ = std::move(accepted.ack);
    pause_input();
    out.events.push_back(event::TranscriptAppend{std::move(accepted.line)});
    out.events.push_back(event::MessageReceived{
        accepted.seqno, accepted.ts, std::move(accepted.text), std::move(accepted.salt)});
    return true;
}

std::optional<std::uint64_t> ServerSession::store_pending() const {
    if (!held_ack_ || finished()) {
        return std::nullopt;
    }
    return held_ack_->seqno;
}

// The frames are those on_chat sealed before the ack waited for the store: the ack, then a due
// rekey_request, then what the buffered input brings.
Output ServerSession::acknowledge_stored(std::uint64_t seqno) {
    SC_CHECK(held_ack_ && held_ack_->seqno == seqno);
    Output out;
    auto ack = *std::exchange(held_ack_, std::nullopt);
    if (finished()) {
        return out;  // terminated meanwhile: no ack goes
    }
    auto sent = [&]() -> ProtoResult<bool> {
        SC_TRY(send_sealed(msg::Inner{std::move(ack)}, out));
        // Once per epoch (§4.2); the hard cap per epoch enforces it if the client ignores us.
        if (!rekey_requested_in_epoch_ &&
            channel_->rekey_due(clock_.now(), config_.rekey_after_records, config_.rekey_after)) {
            SC_TRY(send_sealed(msg::Inner{msg::RekeyRequest{}}, out));
            rekey_requested_in_epoch_ = true;
        }
        return flush_held_pushes(out);
    }();
    if (!sent) {
        fail(sent.error(), out);
        return out;
    }
    if (auto end = std::exchange(held_end_, std::nullopt)) {
        out.append(end_session(end->code, end->message));
    }
    resume_input(out);
    return out;
}

ProtoResult<bool> ServerSession::on_ack(const msg::Ack& m, Output& out) {
    SC_TRY_ASSIGN(auto line, channel_->accept_ack(m));
    out.events.push_back(event::TranscriptAppend{std::move(line)});
    out.events.push_back(event::Acknowledged{m.seqno});
    return true;
}

Output ServerSession::send_text(std::string text) {
    Output out;
    if (!is_valid_utf8(text)) {  // §6: the client would refuse it (bad_text)
        out.events.push_back(event::Refused{"the message is not valid UTF-8 text"});
        return out;
    }
    if (finished() || phase_ != Phase::chat || held_ack_) {
        out.events.push_back(event::Refused{"send is not possible now"});
        return out;
    }
    auto body = [&]() -> ProtoResult<bool> {
        auto salt = entropy_.random(kSaltBytes);
        if (!salt) {
            return as_protocol_error(ErrorCode::internal, salt.error());
        }
        SC_TRY_ASSIGN(auto chat, channel_->make_chat(text, now_ms(), *salt));
        auto sent = event::MessageSent{chat.seqno, chat.ts, *salt};
        SC_TRY(send_sealed(msg::Inner{std::move(chat)}, out));
        out.events.push_back(sent);
        return true;
    };
    if (auto done = body(); !done) {
        fail(done.error(), out);
    }
    return out;
}

Output ServerSession::request_rekey() {
    Output out;
    // Once per epoch; not between a message and its ack (acknowledge_stored asks if due).
    if (!finished() && phase_ == Phase::chat && !rekey_requested_in_epoch_ && !held_ack_) {
        if (auto sent = send_sealed(msg::Inner{msg::RekeyRequest{}}, out); !sent) {
            fail(sent.error(), out);
        }
        rekey_requested_in_epoch_ = true;
    }
    return out;
}

// ---- closing ----

Output ServerSession::close() {
    Output out;
    if (finished()) {
        return out;
    }
    // A message between validation and its store gets no receipt over it: it is not acked.
    if (phase_ != Phase::chat || held_ack_) {
        fail(ProtocolError{ErrorCode::shutting_down, "the server is shutting down"}, out);
        phase_ = Phase::closed;
        return out;
    }
    auto receipt = channel_->make_receipt();
    if (!receipt) {
        fail(receipt.error(), out);
        return out;
    }
    own_receipt_ = *receipt;
    if (auto sent = send_sealed(msg::Inner{std::move(receipt).value()}, out); !sent) {
        fail(sent.error(), out);
        return out;
    }
    phase_ = Phase::closing;
    return out;
}

ProtoResult<bool> ServerSession::on_receipt(const msg::Receipt& m, Output& out) {
    SC_TRY(channel_->check_receipt(m));
    if (!own_receipt_) {
        SC_TRY_ASSIGN(auto receipt, channel_->make_receipt());
        own_receipt_ = receipt;
        SC_TRY(send_sealed(msg::Inner{std::move(receipt)}, out));
    }
    out.events.push_back(event::ReceiptsExchanged{*own_receipt_, m, channel_->transcript_hash()});
    phase_ = Phase::closed;
    finish(out);
    return true;
}

// ---- dispatch of sealed messages: the table, then one handler per message ----

namespace {

using P = ServerSession::Phase;
// clang-format off
constexpr std::array<DispatchRule<P>, 17> kRules{{
    // type                    phases                         least role    once
    {msg::Register::kType,     {P::waiting_auth},             std::nullopt, true},
    {msg::Login::kType,        {P::waiting_auth},             std::nullopt, true},
    {msg::ChatDhClient::kType, {P::waiting_chat_dh},          Role::user,   true},
    {msg::Chat::kType,         {P::chat, P::closing},         Role::user,   false},
    {msg::Ack::kType,          {P::chat, P::closing},         Role::user,   false},
    {msg::Rekey::kType,        {P::chat, P::closing},         Role::user,   false},
    {msg::Receipt::kType,      {P::chat, P::closing},         Role::user,   true},
    // Requests: any role reaches the handler, which answers `forbidden` below kLeastRole.
    {msg::FriendCommand::kType, {P::chat, P::closing},        Role::user,   false},
    {msg::ListFriends::kType,  {P::chat, P::closing},         Role::user,   false},
    {msg::Who::kType,          {P::chat, P::closing},         Role::user,   false},
    {msg::UserAdd::kType,      {P::chat, P::closing},         Role::user,   false},
    {msg::UserCommand::kType,  {P::chat, P::closing},         Role::user,   false},
    {msg::PublishPrekeys::kType, {P::chat, P::closing},       Role::user,   false},
    {msg::ListDevices::kType,  {P::chat, P::closing},         Role::user,   false},
    {msg::FetchBundle::kType,  {P::chat, P::closing},         Role::user,   false},
    {msg::Relay::kType,        {P::chat, P::closing},         Role::user,   false},
    {msg::Received::kType,     {P::chat, P::closing},         Role::user,   false},
}};
// clang-format on
static_assert(rules_cover<msg::ServerInboundRecord>(kRules));
static_assert(kRules.size() <= 32, "seen_once_ has one bit per rule");

}  // namespace

ProtoResult<bool> ServerSession::on_inner(msg::Inner received, Output& out) {
    auto type = msg::type_name(received);
    // What a server sends (auth_ok, its DH #2 share, rekey_request) has no row and no handler.
    auto inbound = msg::narrow<msg::ServerInboundRecord>(std::move(received));
    if (!inbound) {
        return unexpected_message(type, "in this phase of the session");
    }
    auto index = rule_index(kRules, type);
    const auto& rule = kRules[index];
    if (!rule.phases.contains(phase_)) {
        return unexpected_message(type, "in this phase of the session");
    }
    if (rule.least_role && (!principal_ || principal_->role < *rule.least_role)) {
        return unexpected_message(type, "for this account's role");
    }
    auto bit = std::uint32_t{1} << index;
    if (rule.once && (seen_once_ & bit) != 0) {
        return unexpected_message(type, "twice in one session");
    }
    seen_once_ |= bit;  // disarmed before the handler runs
    return std::visit([&](auto& m) { return handle(m, out); }, *inbound);
}

ProtoResult<bool> ServerSession::handle(msg::Register& m, Output& out) {
    phase_ = Phase::auth_pending;
    out.events.push_back(
        event::RegisterRequested{std::move(m.email), std::move(m.username), std::move(m.password)});
    return true;
}

ProtoResult<bool> ServerSession::handle(msg::Login& m, Output& out) {
    phase_ = Phase::auth_pending;
    out.events.push_back(event::LoginRequested{std::move(m.username), std::move(m.password)});
    return true;
}

ProtoResult<bool> ServerSession::handle(msg::ChatDhClient& m, Output& out) {
    return on_chat_dh(m, out);
}

ProtoResult<bool> ServerSession::handle(msg::Chat& m, Output& out) {
    if (phase_ == Phase::closing) {
        // After our receipt we take no new messages: not acknowledged, so in neither transcript.
        return true;
    }
    return on_chat(m, out);
}

ProtoResult<bool> ServerSession::handle(msg::Ack& m, Output& out) {
    return on_ack(m, out);  // still counts after our receipt
}

ProtoResult<bool> ServerSession::handle(msg::Rekey& m, Output& out) {
    // In `closing` too: a rekey the client started before our receipt reached it.
    return on_rekey(m, out, false);
}

ProtoResult<bool> ServerSession::handle(msg::Receipt& m, Output& out) {
    return on_receipt(m, out);
}

}  // namespace sc::proto
