#include "proto/client_session.h"

#include <algorithm>

#include "common/display_text.h"

namespace sc::proto {

ClientSession::ClientSession(ClientConfig config, const Clock& clock, Entropy& entropy)
    : SessionBase(clock, entropy), config_(std::move(config)) {}

Output ClientSession::guarded(Phase required, const char* action, auto&& body) {
    Output out;
    if (finished()) {
        out.events.push_back(event::Refused{std::string(action) + ": the session has ended"});
        return out;
    }
    if (phase_ != required) {
        out.events.push_back(event::Refused{std::string(action) + " is not possible now"});
        return out;
    }
    auto done = body(out);
    if (!done) {
        fail(done.error(), out);
    }
    return out;
}

// ---- handshake ----

Output ClientSession::start() {
    return guarded(Phase::idle, "start", [&](Output& out) -> ProtoResult<bool> {
        auto nonce = entropy_.random(kNonceBytes);
        if (!nonce) {
            return as_protocol_error(ErrorCode::internal, nonce.error());
        }
        nonce_c_ = std::move(nonce).value();
        msg::Hello hello;
        hello.versions = config_.versions;
        for (auto g : config_.groups) {
            hello.groups.emplace_back(crypto::dh_group_name(g));
        }
        hello.nonce = nonce_c_;
        hello.certs = chain_der(config_.identity);
        auto frame = make_frame(msg::encode(msg::Outer{std::move(hello)}));
        handshake_hash_.update(frame.wire());
        out.send.push_back(frame.wire());
        phase_ = Phase::hello_sent;
        return true;
    });
}

ProtoResult<bool> ClientSession::on_handshake(const Frame& frame, msg::Outer message, Output& out) {
    auto type = msg::type_name(message);
    // What a client sends (hello, dh_client) has no place here, and no handler.
    if (auto inbound = msg::narrow<msg::ClientInbound>(std::move(message))) {
        if (auto* m = std::get_if<msg::ServerHello>(&*inbound); m && phase_ == Phase::hello_sent) {
            return on_server_hello(frame, *m);
        }
        if (auto* m = std::get_if<msg::DhServer>(&*inbound);
            m && phase_ == Phase::server_hello_seen) {
            return on_dh_server(frame, *m, out);
        }
    }
    return unexpected_message(type, "at this point of the handshake");
}

ProtoResult<bool> ClientSession::on_server_hello(const Frame& frame, const msg::ServerHello& m) {
    // The server must choose from what we offered (the offer is signed, so it cannot be cut).
    if (std::find(config_.versions.begin(), config_.versions.end(), m.version) ==
        config_.versions.end()) {
        return proto_fail(ErrorCode::unsupported_version,
                          "server chose version " + std::to_string(m.version) + ", not offered");
    }
    auto group = crypto::parse_dh_group(m.group);
    if (!group ||
        std::find(config_.groups.begin(), config_.groups.end(), *group) == config_.groups.end()) {
        return proto_fail(ErrorCode::no_common_group,
                          "server chose group '" + quote_peer(m.group, 32) + "', not offered");
    }
    SC_TRY_ASSIGN(auto verified, verify_peer_chain(m.certs, config_.trust, pki::Purpose::server,
                                                   config_.server_name, clock_.now()));
    server_.emplace(std::move(verified));
    group_ = *group;
    nonce_s_ = m.nonce;
    handshake_hash_.update(frame.wire());
    phase_ = Phase::server_hello_seen;
    return true;
}

ProtoResult<bool> ClientSession::on_dh_server(const Frame& frame, const msg::DhServer& m,
                                              Output& out) {
    // sig_s covers TH_hs = H(F(hello) ‖ F(server_hello)) and the server's share.
    auto th_hs = handshake_hash_.peek();
    if (!server_->leaf().public_key().verify(handshake_server_signed(th_hs, m.share), m.sig)) {
        return proto_fail(ErrorCode::bad_handshake_signature,
                          "the server's handshake signature does not verify: the handshake was "
                          "altered or the server does not hold its certificate's key");
    }
    handshake_hash_.update(frame.wire());
    auto own = entropy_.ephemeral(*group_);
    if (!own) {
        return as_protocol_error(ErrorCode::internal, own.error());
    }
    Bytes share = own->public_share();
    auto dh1 = std::move(own).value().derive(m.share);
    if (!dh1) {
        return as_protocol_error(ErrorCode::bad_share, dh1.error());
    }
    // sig_c covers TH_dhs = H(F(hello) ‖ F(server_hello) ‖ F(dh_server)) and our share.
    auto sig = config_.identity.key->sign(handshake_client_signed(handshake_hash_.peek(), share));
    if (!sig) {
        return as_protocol_error(ErrorCode::internal, sig.error());
    }
    auto reply = make_frame(msg::encode(msg::Outer{msg::DhClient{share, std::move(sig).value()}}));
    handshake_hash_.update(reply.wire());
    out.send.push_back(reply.wire());
    HandshakeHash hh(handshake_hash_.peek());
    SC_TRY_ASSIGN(auto schedule, KeySchedule::start(*dh1, nonce_c_, nonce_s_, hh));
    ChannelParams params{.own_dir = Direction::c2s,
                         .session_id = session_id_of(hh),
                         .own_leaf = config_.identity.chain.front(),
                         .peer_leaf = server_->leaf(),
                         .own_certs_der = pki::Certificate::chain_to_der(config_.identity.chain),
                         .peer_certs_der = server_->presented_der(),
                         .own_key = config_.identity.key,
                         .ts_window = config_.ts_window,
                         .max_records_per_epoch = config_.max_records_per_epoch};
    SC_TRY_ASSIGN(channel_, SecureChannel::create(std::move(params), std::move(schedule)));
    phase_ = Phase::authenticating;
    out.events.push_back(
        event::HandshakeDone{server_->leaf(), channel_->session_id(), server_->presented()});
    return true;
}

// ---- authentication and DH #2 ----

Output ClientSession::register_user(std::string email, std::string username,
                                    crypto::SecretBytes password) {
    return guarded(Phase::authenticating, "register", [&](Output& out) -> ProtoResult<bool> {
        SC_TRY(send_sealed(
            msg::Inner{msg::Register{std::move(email), std::move(username), std::move(password)}},
            out));
        phase_ = Phase::auth_sent;
        return true;
    });
}

Output ClientSession::login(std::string username, crypto::SecretBytes password) {
    return guarded(Phase::authenticating, "login", [&](Output& out) -> ProtoResult<bool> {
        SC_TRY(send_sealed(msg::Inner{msg::Login{std::move(username), std::move(password)}}, out));
        phase_ = Phase::auth_sent;
        return true;
    });
}

ProtoResult<bool> ClientSession::on_auth_ok(const msg::AuthOk& m, Output& out) {
    out.events.push_back(event::Authenticated{m.username, m.action});
    auto own = entropy_.ephemeral(*group_);
    if (!own) {
        return as_protocol_error(ErrorCode::internal, own.error());
    }
    Bytes share = own->public_share();
    ephemeral_.emplace(std::move(own).value());
    SC_TRY(send_sealed(msg::Inner{msg::ChatDhClient{std::move(share)}}, out));
    phase_ = Phase::chat_dh_sent;
    return true;
}

ProtoResult<bool> ClientSession::on_chat_dh_server(const msg::ChatDhServer& m, Output& out) {
    auto dh = std::exchange(ephemeral_, std::nullopt).value().derive(m.share);
    if (!dh) {
        return as_protocol_error(ErrorCode::bad_share, dh.error());
    }
    SC_TRY(channel_->next_epoch(*dh, clock_.now()));
    phase_ = Phase::chat;
    out.events.push_back(event::ChatReady{channel_->epoch()});
    out.events.push_back(event::TranscriptAppend{channel_->transcript_header()});
    return true;
}

// ---- chat ----

Output ClientSession::send_text(std::string text) {
    Output out;
    if (!is_valid_utf8(text)) {  // §6: a peer would refuse it (bad_text)
        out.events.push_back(event::Refused{"the message is not valid UTF-8 text"});
        return out;
    }
    if (!finished() && phase_ == Phase::rekey_sent) {
        if (queued_.size() >= config_.max_queued_texts) {
            out.events.push_back(event::Refused{"too many messages waiting for the rekey"});
        } else {
            queued_.push_back(std::move(text));
        }
        return out;
    }
    return guarded(Phase::chat, "send", [&](Output& o) { return send_chat_now(text, o); });
}

Output ClientSession::send_crafted_text(std::string text, std::uint64_t ts,
                                        const std::function<void(msg::Chat&)>& alter) {
    return guarded(Phase::chat, "send", [&](Output& out) -> ProtoResult<bool> {
        auto salt = entropy_.random(kSaltBytes);
        if (!salt) {
            return as_protocol_error(ErrorCode::internal, salt.error());
        }
        SC_TRY_ASSIGN(auto chat, channel_->make_chat(text, ts, *salt));
        alter(chat);
        return send_sealed(msg::Inner{std::move(chat)}, out);
    });
}

ProtoResult<bool> ClientSession::send_chat_now(const std::string& text, Output& out) {
    auto salt = entropy_.random(kSaltBytes);
    if (!salt) {
        return as_protocol_error(ErrorCode::internal, salt.error());
    }
    SC_TRY_ASSIGN(auto chat, channel_->make_chat(text, now_ms(), *salt));
    auto sent = event::MessageSent{chat.seqno, chat.ts, *salt};
    SC_TRY(send_sealed(msg::Inner{std::move(chat)}, out));
    out.events.push_back(sent);
    if (channel_->rekey_due(clock_.now(), config_.rekey_after_records, config_.rekey_after)) {
        SC_TRY(start_rekey(out));
    }
    return true;
}

Output ClientSession::rekey() {
    return guarded(Phase::chat, "rekey", [&](Output& out) { return start_rekey(out); });
}

ProtoResult<bool> ClientSession::start_rekey(Output& out) {
    auto own = entropy_.ephemeral(*group_);
    if (!own) {
        return as_protocol_error(ErrorCode::internal, own.error());
    }
    Bytes share = own->public_share();
    ephemeral_.emplace(std::move(own).value());
    SC_TRY(send_sealed(msg::Inner{msg::Rekey{std::move(share)}}, out));
    phase_ = Phase::rekey_sent;
    return true;
}

ProtoResult<bool> ClientSession::on_rekey(const msg::Rekey& m, Output& out) {
    auto dh = std::exchange(ephemeral_, std::nullopt).value().derive(m.share);
    if (!dh) {
        return as_protocol_error(ErrorCode::bad_share, dh.error());
    }
    SC_TRY(channel_->next_epoch(*dh, clock_.now()));
    phase_ = Phase::chat;
    out.events.push_back(event::Rekeyed{channel_->epoch()});
    while (!deferred_.empty()) {
        auto message = std::move(deferred_.front());
        deferred_.pop_front();
        SC_TRY(send_sealed(message, out));
    }
    if (finished_after_receipt_) {
        phase_ = Phase::closed;
        finish(out);
        return true;
    }
    while (!queued_.empty() && phase_ == Phase::chat) {
        auto text = std::move(queued_.front());
        queued_.pop_front();
        SC_TRY(send_chat_now(text, out));
    }
    if (close_requested_ && phase_ == Phase::chat) {
        phase_ = Phase::closing;
        if (!channel_->has_unacked()) {
            SC_TRY(send_receipt(out));
        }
    }
    return true;
}

ProtoResult<bool> ClientSession::on_chat(const msg::Chat& m, Output& out) {
    if (receipt_sent_) {
        return true;  // L8(b): after our receipt, a msg is dropped unacknowledged (§7)
    }
    SC_TRY_ASSIGN(auto accepted, channel_->accept_chat(m, now_ms()));
    SC_TRY(send_or_defer(msg::Inner{std::move(accepted.ack)}, out));
    out.events.push_back(event::TranscriptAppend{std::move(accepted.line)});
    out.events.push_back(event::MessageReceived{
        accepted.seqno, accepted.ts, std::move(accepted.text), std::move(accepted.salt)});
    return true;
}

ProtoResult<bool> ClientSession::on_ack(const msg::Ack& m, Output& out) {
    SC_TRY_ASSIGN(auto line, channel_->accept_ack(m));
    out.events.push_back(event::TranscriptAppend{std::move(line)});
    out.events.push_back(event::Acknowledged{m.seqno});
    if (phase_ == Phase::closing && !receipt_sent_ && !channel_->has_unacked()) {
        SC_TRY(send_receipt(out));
    }
    return true;
}

// ---- closing ----

Output ClientSession::close() {
    Output out;
    if (finished()) {
        return out;
    }
    if (phase_ == Phase::rekey_sent) {
        close_requested_ = true;
        return out;
    }
    if (phase_ != Phase::chat) {
        // Nothing to vouch for yet: just close.
        finish(out);
        phase_ = Phase::closed;
        return out;
    }
    phase_ = Phase::closing;
    if (!channel_->has_unacked()) {
        auto sent = send_receipt(out);
        if (!sent) {
            fail(sent.error(), out);
        }
    }
    return out;
}

ProtoResult<bool> ClientSession::send_receipt(Output& out) {
    SC_TRY_ASSIGN(auto receipt, channel_->make_receipt());
    own_receipt_ = receipt;
    SC_TRY(send_or_defer(msg::Inner{std::move(receipt)}, out));
    receipt_sent_ = true;
    return true;
}

ProtoResult<bool> ClientSession::send_or_defer(msg::Inner message, Output& out) {
    if (phase_ == Phase::rekey_sent) {
        deferred_.push_back(std::move(message));
        return true;
    }
    return send_sealed(message, out);
}

ProtoResult<bool> ClientSession::on_receipt(const msg::Receipt& m, Output& out) {
    // L8(a): the server may close while our last messages are in flight (it drops them after
    // its receipt). check_receipt accepts a receipt that covers exactly our acknowledged
    // messages; the unacknowledged ones are in neither transcript.
    SC_TRY(channel_->check_receipt(m));
    if (!receipt_sent_) {  // the server closes first: answer with ours
        SC_TRY(send_receipt(out));
    }
    out.events.push_back(event::ReceiptsExchanged{*own_receipt_, m, channel_->transcript_hash()});
    if (phase_ == Phase::rekey_sent) {
        finished_after_receipt_ = true;  // our receipt goes out after the rekey reply
        return true;
    }
    phase_ = Phase::closed;
    finish(out);
    return true;
}

// ---- requests, answers, pushes (§2.3) ----

Output ClientSession::request(msg::Request request) {
    Output out;
    if (finished() || close_requested_ || (phase_ != Phase::chat && phase_ != Phase::rekey_sent)) {
        out.events.push_back(event::Refused{std::string(msg::type_name(request)) +
                                            " is not possible now: not logged in, or closing"});
        return out;
    }
    if (requests_in_flight_.size() >= kMaxRequestsInFlight) {
        out.events.push_back(
            event::Refused{"too many requests waiting for the server's answer (at most " +
                           std::to_string(kMaxRequestsInFlight) + "); try again"});
        return out;
    }
    auto id = next_request_id_++;
    auto type = msg::type_name(request);
    auto sent = std::visit(
        [&](auto&& m) {
            m.id = id;
            return send_or_defer(msg::Inner{std::forward<decltype(m)>(m)}, out);
        },
        std::move(request));
    if (!sent) {
        fail(sent.error(), out);
        return out;
    }
    requests_in_flight_.emplace(id, type);
    out.events.push_back(event::RequestSent{id, type});
    return out;
}

// A hostile server could answer what was never asked, or answer a who with a friend list.
ProtoResult<bool> ClientSession::on_answer(msg::Answer answer, Output& out) {
    auto id = msg::request_id(answer);
    auto it = requests_in_flight_.find(id);
    if (it == requests_in_flight_.end()) {
        return unexpected_message(msg::type_name(answer),
                                  "for request " + std::to_string(id) + ", which is not waiting");
    }
    auto request_type = it->second;
    bool fits = std::holds_alternative<msg::Result>(answer) ||
                (std::holds_alternative<msg::FriendList>(answer) &&
                 request_type == msg::ListFriends::kType) ||
                (std::holds_alternative<msg::WhoList>(answer) && request_type == msg::Who::kType) ||
                (std::holds_alternative<msg::PrekeyStatus>(answer) &&
                 request_type == msg::PublishPrekeys::kType) ||
                (std::holds_alternative<msg::DeviceList>(answer) &&
                 request_type == msg::ListDevices::kType) ||
                (std::holds_alternative<msg::KeyBundle>(answer) &&
                 request_type == msg::FetchBundle::kType) ||
                (std::holds_alternative<msg::Stored>(answer) && request_type == msg::Relay::kType);
    if (!fits) {
        return unexpected_message(msg::type_name(answer),
                                  "as the answer to '" + std::string(request_type) + "'");
    }
    requests_in_flight_.erase(it);
    out.events.push_back(event::Answered{std::move(answer), request_type});
    return true;
}

ProtoResult<bool> ClientSession::on_user_message(msg::ClientInboundRecord& message, Output& out) {
    if (auto* m = std::get_if<msg::Result>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::FriendList>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::WhoList>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::PrekeyStatus>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::DeviceList>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::KeyBundle>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::Stored>(&message)) {
        return on_answer(msg::Answer{std::move(*m)}, out);
    }
    if (auto* m = std::get_if<msg::Presence>(&message)) {
        out.events.push_back(event::Pushed{msg::Push{std::move(*m)}});
        return true;
    }
    if (auto* m = std::get_if<msg::Envelope>(&message)) {
        out.events.push_back(event::Pushed{msg::Push{std::move(*m)}});
        return true;
    }
    if (auto* m = std::get_if<msg::FriendEvent>(&message)) {
        out.events.push_back(event::Pushed{msg::Push{std::move(*m)}});
        return true;
    }
    if (auto* m = std::get_if<msg::SessionEnd>(&message)) {
        out.events.push_back(event::SessionEnding{m->code, std::move(m->message)});
        return true;
    }
    return unexpected_message(msg::type_name(message), "in this phase of the session");
}

// ---- dispatch of inner messages: the table of what each phase allows ----

ProtoResult<bool> ClientSession::on_inner(msg::Inner received, Output& out) {
    auto type = msg::type_name(received);
    // What a client sends (register, login, its DH #2 share) has no handler here.
    auto inbound = msg::narrow<msg::ClientInboundRecord>(std::move(received));
    if (!inbound) {
        return unexpected_message(type, "in this phase of the session");
    }
    auto& message = *inbound;
    switch (phase_) {
        case Phase::auth_sent:
            if (auto* m = std::get_if<msg::AuthOk>(&message)) {
                return on_auth_ok(*m, out);
            }
            break;
        case Phase::chat_dh_sent:
            if (auto* m = std::get_if<msg::ChatDhServer>(&message)) {
                return on_chat_dh_server(*m, out);
            }
            break;
        case Phase::chat:
        case Phase::rekey_sent:
        case Phase::closing:
            if (auto* m = std::get_if<msg::Chat>(&message)) {
                return on_chat(*m, out);
            }
            if (auto* m = std::get_if<msg::Ack>(&message)) {
                return on_ack(*m, out);
            }
            if (auto* m = std::get_if<msg::Receipt>(&message)) {
                return on_receipt(*m, out);
            }
            if (phase_ == Phase::rekey_sent) {
                if (auto* m = std::get_if<msg::Rekey>(&message)) {
                    return on_rekey(*m, out);
                }
            }
            if (std::holds_alternative<msg::RekeyRequest>(message)) {
                return phase_ == Phase::chat ? start_rekey(out) : ProtoResult<bool>(true);
            }
            return on_user_message(message, out);
        default:
            break;
    }
    return unexpected_message(type, "in this phase of the session");
}

}  // namespace sc::proto
