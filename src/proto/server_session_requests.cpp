// The server's side of requests, answers, pushes and session_end (docs/PROTOCOL.md §2.3):
// the role check, the one request in flight, pushes held behind a pending store.
#include <utility>

#include "common/check.h"
#include "proto/server_session.h"

namespace sc::proto {

template <class RequestMessage>
ProtoResult<bool> ServerSession::handle(
    RequestMessage& m, Output& out) requires msg::is_alternative_v<RequestMessage, msg::Request> {
    if (phase_ == Phase::closing) {
        return true;  // after our receipt nothing new is taken on; the client stops too
    }
    if (principal_->role < RequestMessage::kLeastRole) {
        SC_TRY(send_sealed(
            msg::Inner{msg::Result{m.id, ErrorCode::forbidden,
                                   "'" + std::string(RequestMessage::kType) +
                                       "' is for administrators; this account is a regular user"}},
            out));
        return true;
    }
    pending_request_ = m.id;
    pause_input();
    out.events.push_back(event::RequestReceived{msg::Request{std::move(m)}});
    return true;
}

std::optional<std::uint64_t> ServerSession::request_pending() const {
    return finished() ? std::nullopt : pending_request_;
}

Output ServerSession::answer(msg::Answer answer) {
    SC_CHECK(pending_request_ && *pending_request_ == msg::request_id(answer));
    pending_request_.reset();
    Output out;
    if (finished()) {
        return out;
    }
    auto sent = std::visit(
        [&](auto&& m) { return send_sealed(msg::Inner{std::forward<decltype(m)>(m)}, out); },
        std::move(answer));
    if (!sent) {
        fail(sent.error(), out);
        return out;
    }
    resume_input(out);
    return out;
}

Output ServerSession::push(msg::Push push) {
    Output out;
    if (finished() || phase_ != Phase::chat) {
        return out;
    }
    if (held_ack_) {
        if (held_pushes_.size() == kMaxHeldPushes) {
            held_pushes_.pop_front();
        }
        held_pushes_.push_back(std::move(push));
        return out;
    }
    auto sent = std::visit(
        [&](auto&& m) { return send_sealed(msg::Inner{std::forward<decltype(m)>(m)}, out); },
        std::move(push));
    if (!sent) {
        fail(sent.error(), out);
    }
    return out;
}

ProtoResult<bool> ServerSession::flush_held_pushes(Output& out) {
    while (!held_pushes_.empty()) {
        auto next = std::move(held_pushes_.front());
        held_pushes_.pop_front();
        SC_TRY(std::visit(
            [&](auto&& m) { return send_sealed(msg::Inner{std::forward<decltype(m)>(m)}, out); },
            std::move(next)));
    }
    return true;
}

Output ServerSession::end_session(ErrorCode code, const std::string& message) {
    Output out;
    if (finished()) {
        return out;
    }
    if (held_ack_) {
        // A message is between validation and its store: its ack comes first, then the end
        // (acknowledge_stored), so the receipts cover it; a failed store still terminates.
        held_end_ = msg::SessionEnd{code, message};
        return out;
    }
    if (phase_ != Phase::chat) {
        fail(ProtocolError{code, message}, out);
        phase_ = Phase::closed;
        return out;
    }
    if (auto sent = send_sealed(msg::Inner{msg::SessionEnd{code, message}}, out); !sent) {
        fail(sent.error(), out);
        return out;
    }
    out.append(close());
    return out;
}

// The dispatch table (server_session.cpp) calls these.
template ProtoResult<bool> ServerSession::handle(msg::FriendCommand&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::ListFriends&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::Who&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::UserAdd&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::UserCommand&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::PublishPrekeys&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::ListDevices&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::FetchBundle&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::Relay&, Output&);
template ProtoResult<bool> ServerSession::handle(msg::Received&, Output&);

}  // namespace sc::proto
