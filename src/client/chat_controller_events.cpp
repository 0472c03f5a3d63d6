// The protocol's events, as the controller sees them: notifications for the listener,
// completions for the commands waiting on them, and the session's evidence on disk.
#include "client/chat_connection.h"
#include "client/errors_text.h"

namespace sc::client {

void ChatController::on_event(const ConnectionPtr& c, proto::Event& event) {
    using namespace proto::event;
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, HandshakeDone>) {
                on_handshake_done(c, e);
            } else if constexpr (std::is_same_v<T, Authenticated>) {
                username_ = e.username;
                auth_action_ = e.action;
            } else if constexpr (std::is_same_v<T, ChatReady>) {
                on_chat_ready(c);
            } else if constexpr (std::is_same_v<T, Rekeyed>) {
                notify(note::Rekeyed{e.epoch});
            } else if constexpr (std::is_same_v<T, TranscriptAppend>) {
                if (!c->evidence) {
                    return;
                }
                if (auto appended = c->evidence->append(e.text); !appended) {
                    end_with(c, {code::evidence, appended.error().message}, true);
                }
            } else if constexpr (std::is_same_v<T, MessageSent>) {
                std::string text;
                if (!unnumbered_sends_.empty()) {
                    auto waiter = std::move(unnumbered_sends_.front());
                    unnumbered_sends_.pop_front();
                    text = std::move(waiter.text);
                    waiter.text.clear();
                    waiter.deadline = Clock::now() + settings_.timeout;
                    sends_[e.seqno] = std::move(waiter);
                }
                note::Sent sent;
                sent.seqno = e.seqno;
                sent.ts = e.ts;
                sent.text = std::move(text);
                notify(sent);
            } else if constexpr (std::is_same_v<T, Acknowledged>) {
                notify(note::Acked{e.seqno});
                if (auto it = sends_.find(e.seqno); it != sends_.end()) {
                    complete(std::move(it->second.done), {});
                    sends_.erase(it);
                }
            } else if constexpr (std::is_same_v<T, MessageReceived>) {
                note::Message m;
                m.from = c->peer ? c->peer->common_name() : std::string("server");
                m.seqno = e.seqno;
                m.ts = e.ts;
                m.text = e.text;
                notify(m);
            } else if constexpr (std::is_same_v<T, ReceiptsExchanged>) {
                on_receipts(c, e);
            } else if constexpr (std::is_same_v<T, PeerError>) {
                end_with(c, peer_error(e.code, e.message), false);
            } else if constexpr (std::is_same_v<T, Failed>) {
                end_with(c, protocol_failure(e.error), false);
            } else if constexpr (std::is_same_v<T, RequestSent>) {
                on_request_sent(e);
            } else if constexpr (std::is_same_v<T, Answered>) {
                on_answered(e);
            } else if constexpr (std::is_same_v<T, Pushed>) {
                if (const auto* envelope = std::get_if<proto::msg::Envelope>(&e.push)) {
                    if (e2e_) {
                        e2e_->on_envelope(*envelope);
                    }  // else: this device cannot read it, and was told why at /msg
                } else {
                    notify(push_note(e.push));
                }
            } else if constexpr (std::is_same_v<T, SessionEnding>) {
                on_session_ending(c, e);
            }
        },
        event);
}

void ChatController::on_handshake_done(const ConnectionPtr& c,
                                       const proto::event::HandshakeDone& e) {
    c->peer = e.peer;
    c->peer_certs = e.peer_certs;
    c->session_id = e.session_id;
    state_ = State::connected;
    notify(note::Connected{settings_.server.text(), settings_.server_name, e.peer.common_name(),
                           e.peer.fingerprint_text(), to_hex(e.session_id)});
    for (auto& done : std::exchange(connect_waiters_, {})) {
        complete(std::move(done), {});
    }
}

// The evidence files exist only for sessions that reach chat: a refused login leaves nothing.
void ChatController::on_chat_ready(const ConnectionPtr& c) {
    auto kept = SessionEvidence::create(settings_.transcripts_dir(), c->session_id, *c->peer);
    if (!kept) {
        end_with(c,
                 {code::evidence, "cannot keep this session's transcript: " + kept.error().message},
                 true);
        return;
    }
    c->evidence.emplace(std::move(kept).value());
    state_ = State::chatting;
    if (auth_action_ == proto::msg::AuthAction::registered) {
        notify(note::Registered{username_});
    } else {
        notify(note::LoggedIn{username_});
    }
    if (auth_) {
        complete(std::move(auth_->done), {});
        auth_.reset();
    }
    start_e2e();
}

void ChatController::on_receipts(const ConnectionPtr& c, const proto::event::ReceiptsExchanged& e) {
    if (!c->evidence || !c->peer) {
        end_with(c, {code::evidence, "the receipts arrived but the transcript was not kept"},
                 false);
        return;
    }
    auto saved =
        c->evidence->save_receipts(e, c->session_id, credentials_.identity.chain.front(), *c->peer);
    if (!saved) {
        end_with(c, {code::evidence, "cannot save the receipts: " + saved.error().message}, false);
        return;
    }
    c->receipts_saved = true;
    notify(*saved);
}

void ChatController::on_request_sent(const proto::event::RequestSent& e) {
    if (unnumbered_request_) {
        requests_.insert_or_assign(e.id, std::move(*unnumbered_request_));
        unnumbered_request_.reset();
    } else {
        last_request_id_ = e.id;  // one of the end-to-end layer's (send_request)
    }
}

// The session already checked that the answer is for a request in flight and of a kind that
// answers it (a friend_list only for list_friends): anything else failed it unexpected_message.
void ChatController::on_answered(const proto::event::Answered& e) {
    namespace msg = proto::msg;
    if (e2e_ && e2e_->owns(msg::request_id(e.answer))) {
        e2e_->on_answer(e.answer);
        return;
    }
    auto it = requests_.find(msg::request_id(e.answer));
    RequestSummary summary{std::string(e.request_type), "", ""};
    Completion done;
    if (it != requests_.end()) {
        summary = std::move(it->second.summary);
        done = std::move(it->second.done);
        requests_.erase(it);
    }
    Notification n = std::visit(
        [&](const auto& answer) -> Notification {
            using T = std::decay_t<decltype(answer)>;
            if constexpr (std::is_same_v<T, msg::Result>) {
                return result_note(answer, summary);
            } else if constexpr (std::is_same_v<T, msg::FriendList>) {
                return friends_note(answer);
            } else if constexpr (std::is_same_v<T, msg::WhoList>) {
                return who_note(answer);
            } else {
                return note::Error{"unexpected_message",
                                   "an end-to-end answer reached the wrong handler"};
            }
        },
        e.answer);
    notify(n);
    if (const auto* error = std::get_if<note::Error>(&n)) {
        complete(std::move(done), fail(*error));
    } else {
        complete(std::move(done), {});
    }
    if (e2e_) {
        e2e_->pump();  // a place in the session may have come free
    }
}

// The server ends the session (an admin's kick, a disabled account): receipts still follow, so
// the evidence is kept; the reason is told once, as note::Kicked, and is what commands still
// waiting fail with.
void ChatController::on_session_ending(const ConnectionPtr& c,
                                       const proto::event::SessionEnding& e) {
    auto kicked = kicked_note(e.code, e.message);
    notify(kicked);
    if (!c->error && !c->aborted) {
        c->error = note::Error{kicked.code, kicked.message};
        c->ended_by_server = true;
    }
    c->needs_receipts = true;
    if (state_ == State::chatting) {
        state_ = State::closing;
    }
}

}  // namespace sc::client
