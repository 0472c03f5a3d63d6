#include "client/chat_controller.h"

#include "client/chat_connection.h"
#include "client/errors_text.h"
#include "common/display_text.h"
#include "proto/limits.h"

namespace sc::client {

ChatController::ChatController(asio::io_context& io, ClientSettings settings,
                               ClientCredentials credentials, ChatListener& listener)
    : io_(io),
      settings_(std::move(settings)),
      credentials_(std::move(credentials)),
      listener_(listener) {}

ChatController::~ChatController() {
    if (conn_) {
        drop(conn_);
    }
}

void ChatController::complete(Completion done, Outcome outcome) {
    asio::post(io_, [done = std::move(done), outcome = std::move(outcome)] {
        if (done) {
            done(outcome);
        }
    });
}

void ChatController::refuse(Completion done, note::Error error) {
    notify(error);
    complete(std::move(done), fail(std::move(error)));
}

void ChatController::connect(Completion done) {
    switch (state_) {
        case State::disconnected:
            connect_waiters_.push_back(std::move(done));
            start_connection();
            return;
        case State::connecting:
            connect_waiters_.push_back(std::move(done));
            return;
        case State::closing:
            refuse(std::move(done), {code::busy, "the session is closing"});
            return;
        default:
            complete(std::move(done), {});
            return;
    }
}

void ChatController::register_user(std::string email, std::string username,
                                   crypto::SecretBytes password, Completion done) {
    authenticate(std::make_shared<AuthRequest>(
                     AuthRequest{true, std::move(email), std::move(username), std::move(password)}),
                 std::move(done));
}

void ChatController::login(std::string username, crypto::SecretBytes password, Completion done) {
    authenticate(std::make_shared<AuthRequest>(
                     AuthRequest{false, "", std::move(username), std::move(password)}),
                 std::move(done));
}

void ChatController::authenticate(std::shared_ptr<AuthRequest> request, Completion done) {
    if (state_ == State::authenticating || state_ == State::chatting) {
        refuse(std::move(done),
               {code::already_logged_in, username_.empty() ? "a login is already under way"
                                                           : "already logged in as " + username_});
        return;
    }
    if (state_ == State::closing) {
        refuse(std::move(done), {code::busy, "the session is closing"});
        return;
    }
    if (state_ == State::connected) {
        send_auth(request, std::move(done));
        return;
    }
    connect([this, request, done = std::move(done)](const Outcome& connected) {
        if (!connected) {
            if (done) {
                done(connected);  // the listener heard why already
            }
            return;
        }
        send_auth(request, done);
    });
}

void ChatController::send_auth(const std::shared_ptr<AuthRequest>& request, Completion done) {
    if (state_ != State::connected || !conn_) {
        refuse(std::move(done), {code::busy, "the connection ended before the login was sent"});
        return;
    }
    auto c = conn_;
    auth_ = Waiter{done, Clock::now() + settings_.timeout, {}};
    auth_is_register_ = request->register_account;
    state_ = State::authenticating;
    auto out =
        request->register_account
            ? c->session.register_user(std::move(request->email), std::move(request->username),
                                       std::move(request->password))
            : c->session.login(std::move(request->username), std::move(request->password));
    if (auto refused = submit(c, std::move(out))) {
        auth_.reset();
        state_ = State::connected;
        refuse(std::move(done), {code::busy, *refused});
    }
}

void ChatController::send(std::string text, Completion done) {
    if (state_ != State::chatting || !conn_) {
        refuse(std::move(done),
               state_ == State::closing
                   ? note::Error{code::busy, "the session is closing"}
                   : note::Error{code::not_logged_in, "not logged in: register or log in first"});
        return;
    }
    if (text.size() > proto::kMaxTextBytes) {
        refuse(std::move(done), {code::bad_text, "the message is longer than " +
                                                     std::to_string(proto::kMaxTextBytes) +
                                                     " bytes; nothing was sent"});
        return;
    }
    // The protocol carries UTF-8 text (docs/PROTOCOL.md §6): overlong forms, surrogates and
    // values above U+10FFFF are refused by the one strict decoder.
    if (!is_valid_utf8(text)) {
        refuse(std::move(done),
               {code::bad_text, "the message is not UTF-8 text; nothing was sent"});
        return;
    }
    auto c = conn_;
    unnumbered_sends_.push_back(Waiter{done, Clock::now() + settings_.timeout, text});
    if (auto refused = submit(c, c->session.send_text(std::move(text)))) {
        unnumbered_sends_.pop_back();
        refuse(std::move(done), {code::busy, *refused});
    }
}

void ChatController::request(proto::msg::Request request, Completion done) {
    if (state_ != State::chatting || !conn_) {
        refuse(std::move(done),
               state_ == State::closing
                   ? note::Error{code::busy, "the session is closing"}
                   : note::Error{code::not_logged_in, "not logged in: register or log in first"});
        return;
    }
    auto c = conn_;
    // The session reports the id it chose (RequestSent) while submit() runs.
    unnumbered_request_ = RequestWaiter{done, Clock::now() + settings_.timeout, summarize(request)};
    auto refused = submit(c, c->session.request(std::move(request)));
    if (refused || unnumbered_request_) {
        unnumbered_request_.reset();
        refuse(std::move(done), {code::busy, refused ? *refused : "the request was not sent"});
    }
}

void ChatController::quit(Completion done) {
    auto deadline = Clock::now() + settings_.timeout;
    switch (state_) {
        case State::disconnected:
            complete(std::move(done), {});
            return;
        case State::connecting:
            quits_.push_back(Waiter{std::move(done), deadline, {}});
            conn_->quit_requested = true;
            conn_->aborted = true;
            drop(conn_);
            return;
        case State::connected:
        case State::authenticating:
            // Nothing to vouch for yet: the session just closes.
            quits_.push_back(Waiter{std::move(done), deadline, {}});
            conn_->quit_requested = true;
            (void)submit(conn_, conn_->session.close());
            return;
        case State::chatting:
            quits_.push_back(Waiter{std::move(done), deadline, {}});
            conn_->quit_requested = true;
            conn_->needs_receipts = true;
            state_ = State::closing;
            (void)submit(conn_, conn_->session.close());
            return;
        case State::closing:
            quits_.push_back(Waiter{std::move(done), deadline, {}});
            return;
    }
}

void ChatController::abort() {
    if (conn_) {
        conn_->aborted = true;
        drop(conn_);
    }
}

std::optional<note::Error> ChatController::overdue(const Connection& c,
                                                   Clock::time_point now) const {
    const auto timeout = settings_.timeout;
    if (state_ == State::connecting && now > c.handshake_deadline) {
        return answer_timeout("complete the handshake", timeout);
    }
    if (auth_ && now > auth_->deadline) {
        return answer_timeout(auth_is_register_ ? "answer the registration" : "answer the login",
                              timeout);
    }
    if (!unnumbered_sends_.empty() && now > unnumbered_sends_.front().deadline) {
        return answer_timeout("acknowledge a message", timeout);
    }
    for (const auto& [seqno, waiter] : sends_) {
        if (now > waiter.deadline) {
            return answer_timeout("acknowledge message " + std::to_string(seqno), timeout);
        }
    }
    for (const auto& [id, waiter] : requests_) {
        if (now > waiter.deadline) {
            return answer_timeout("answer the '" + waiter.summary.request + "' request", timeout);
        }
    }
    if (e2e_) {
        if (auto late = e2e_->overdue(now)) {
            return answer_timeout(*late, timeout);
        }
    }
    for (const auto& waiter : quits_) {
        if (now > waiter.deadline) {
            return answer_timeout("send its receipt", timeout);
        }
    }
    return std::nullopt;
}

std::optional<std::string> ChatController::submit(const ConnectionPtr& c, proto::Output out) {
    std::optional<std::string> refused;
    for (auto& frame : out.send) {
        if (!c->transport.send(std::move(frame))) {  // dropped: the server stopped reading
            end_with(c, {code::server_closed, "the server stopped reading what we send"}, true);
            break;
        }
    }
    for (auto& event : out.events) {
        if (auto* r = std::get_if<proto::event::Refused>(&event)) {
            refused = r->reason;
        } else {
            on_event(c, event);
        }
    }
    if (out.close) {
        c->mark_closing();
    }
    return refused;
}

void ChatController::end_with(const ConnectionPtr& c, note::Error error, bool drop_now) {
    if (!c->error && !c->aborted) {
        c->error = error;
        notify(error);
    }
    c->mark_closing();
    if (drop_now) {
        drop(c);
    }
}

void ChatController::drop(const ConnectionPtr& c) {
    c->transport.drop();
    c->connect_timer.cancel();
}

void ChatController::finalize(const ConnectionPtr& c) {
    if (conn_ == c) {
        conn_.reset();
    }
    state_ = State::disconnected;
    username_.clear();
    auth_action_.reset();
    std::optional<note::Error> error = c->error;
    if (!error && !c->aborted) {
        bool clean = c->quit_requested && (!c->needs_receipts || c->receipts_saved);
        if (!clean) {
            error = server_closed();
            notify(*error);
        }
    }
    notify(note::Closed{c->ended_by_server  ? "kicked"
                        : error             ? "error"
                        : c->quit_requested ? "quit"
                                            : "aborted"});
    // What the commands still waiting get: the error the listener already heard, or, after an
    // abort, a cancellation nobody needs to be told about twice.
    note::Error failure = error ? *error : note::Error{code::cancelled, "the session was ended"};
    for (auto& done : std::exchange(connect_waiters_, {})) {
        complete(std::move(done), fail(failure));
    }
    if (auth_) {
        complete(std::move(auth_->done), fail(failure));
        auth_.reset();
    }
    for (auto& waiter : std::exchange(unnumbered_sends_, {})) {
        complete(std::move(waiter.done), fail(failure));
    }
    for (auto& [seqno, waiter] : std::exchange(sends_, {})) {
        complete(std::move(waiter.done), fail(failure));
    }
    unnumbered_request_.reset();
    if (e2e_) {
        e2e_->stop(failure);
        e2e_.reset();
    }
    e2e_problem_.reset();
    for (auto& [id, waiter] : std::exchange(requests_, {})) {
        complete(std::move(waiter.done), fail(failure));
    }
    for (auto& waiter : std::exchange(quits_, {})) {
        if (error) {
            complete(std::move(waiter.done), fail(*error));
        } else {
            complete(std::move(waiter.done), {});
        }
    }
}

}  // namespace sc::client
