#include "client/chat_controller.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/files.h"
#include "evidence/session_files.h"
#include "proto/limits.h"

namespace sc::client {
namespace {

using namespace asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// How long a connection that is ending may take to flush its last frames.
constexpr std::chrono::seconds kClosingGrace{2};
constexpr std::chrono::milliseconds kWatchdogTick{100};

}  // namespace

struct ChatController::Connection {
    Connection(asio::io_context& io, proto::ClientConfig config, const proto::Clock& clock,
               proto::Entropy& entropy)
        : socket(io), wake(io), connect_timer(io), session(std::move(config), clock, entropy) {}

    tcp::socket socket;
    asio::steady_timer wake;           // wakes the writer
    asio::steady_timer connect_timer;  // bounds resolve + connect
    proto::ClientSession session;
    std::deque<Bytes> outbox;
    Clock::time_point handshake_deadline{};
    std::optional<Clock::time_point> closing_since;
    bool closing = false;  // flush what is queued, then close
    bool dropped = false;  // close now
    bool aborted = false;  // by abort() or a quit before the handshake: no error to report
    bool quit_requested = false;
    bool needs_receipts = false;  // quit while chatting: a clean end has receipts
    bool receipts_saved = false;
    std::optional<note::Error> error;  // why it ended, already told to the listener
    std::optional<pki::Certificate> peer;
    SessionId session_id;
    std::optional<evidence::SessionFiles> files;
    std::filesystem::path peer_cert_path;

    void mark_closing() {
        closing = true;
        if (!closing_since) {
            closing_since = Clock::now();
        }
    }
};

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

// ---- commands ----

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

// ---- the connection ----

void ChatController::start_connection() {
    proto::ClientConfig config{.identity = credentials_.identity,
                               .trust = credentials_.trust,
                               .server_name = settings_.server_name};
    auto c = std::make_shared<Connection>(io_, std::move(config), clock_, entropy_);
    c->handshake_deadline = Clock::now() + settings_.timeout;
    conn_ = c;
    state_ = State::connecting;
    asio::co_spawn(io_, run(c), asio::detached);
}

asio::awaitable<void> ChatController::run(ConnectionPtr c) {
    try {
        if (co_await open(c)) {
            (void)submit(c, c->session.start());
            co_await (read_loop(c) || write_loop(c) || watchdog(c));
        }
    } catch (const std::exception& e) {
        // Our own bug or resource exhaustion: still end the session cleanly for the caller.
        end_with(c,
                 {std::string(proto::error_code_name(proto::ErrorCode::internal)),
                  std::string("the client failed: ") + e.what()},
                 true);
    }
    asio::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
    finalize(c);
}

asio::awaitable<bool> ChatController::open(ConnectionPtr c) {
    const auto& server = settings_.server;
    c->connect_timer.expires_at(c->handshake_deadline);
    tcp::resolver resolver(io_);
    auto resolved = co_await (resolver.async_resolve(server.host, std::to_string(server.port),
                                                     tcp::resolver::numeric_service, kNoThrow) ||
                              c->connect_timer.async_wait(kNoThrow));
    if (c->aborted) {
        co_return false;
    }
    if (resolved.index() == 1) {
        end_with(c, connect_timeout(server, settings_.timeout), false);
        co_return false;
    }
    auto [resolve_ec, endpoints] = std::get<0>(std::move(resolved));
    if (resolve_ec) {
        end_with(c, resolve_error(server, resolve_ec), false);
        co_return false;
    }
    auto connected = co_await (asio::async_connect(c->socket, endpoints, kNoThrow) ||
                               c->connect_timer.async_wait(kNoThrow));
    if (c->aborted) {
        co_return false;
    }
    if (connected.index() == 1) {
        end_with(c, connect_timeout(server, settings_.timeout), false);
        co_return false;
    }
    auto [connect_ec, endpoint] = std::get<0>(std::move(connected));
    (void)endpoint;
    if (connect_ec) {
        end_with(c, connect_error(server, connect_ec), false);
        co_return false;
    }
    asio::error_code ignored;
    c->socket.set_option(tcp::no_delay(true), ignored);
    co_return true;
}

asio::awaitable<void> ChatController::read_loop(ConnectionPtr c) {
    std::vector<std::uint8_t> buffer(16 * 1024);
    while (!c->dropped) {
        auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(buffer), kNoThrow);
        if (ec) {
            co_return;  // end of stream, reset or cancelled: finalize() says what it means
        }
        (void)submit(c, c->session.receive(ByteView(buffer.data(), n)));
    }
}

asio::awaitable<void> ChatController::write_loop(ConnectionPtr c) {
    while (!c->dropped) {
        while (!c->outbox.empty()) {
            Bytes frame = std::move(c->outbox.front());
            c->outbox.pop_front();
            auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(frame), kNoThrow);
            (void)n;
            if (ec) {
                co_return;
            }
        }
        if (c->closing) {
            co_return;
        }
        c->wake.expires_at(Clock::time_point::max());
        co_await c->wake.async_wait(kNoThrow);
    }
}

asio::awaitable<void> ChatController::watchdog(ConnectionPtr c) {
    asio::steady_timer timer(io_);
    while (!c->dropped) {
        timer.expires_after(kWatchdogTick);
        co_await timer.async_wait(kNoThrow);
        auto now = Clock::now();
        if (c->closing) {
            if (c->closing_since && now - *c->closing_since > kClosingGrace) {
                co_return;  // the server does not read what we still have to send
            }
            continue;
        }
        if (auto late = overdue(*c, now)) {
            end_with(c, std::move(*late), true);
            co_return;
        }
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
    for (const auto& waiter : quits_) {
        if (now > waiter.deadline) {
            return answer_timeout("send its receipt", timeout);
        }
    }
    return std::nullopt;
}

std::optional<std::string> ChatController::submit(const ConnectionPtr& c, proto::Output out) {
    std::optional<std::string> refused;
    if (!c->dropped) {
        for (auto& frame : out.send) {
            c->outbox.push_back(std::move(frame));
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
    c->wake.cancel();
    return refused;
}

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
                if (!c->files) {
                    return;
                }
                if (auto appended = c->files->append(e.text); !appended) {
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
                notify(note::Sent{e.seqno, e.ts, std::move(text)});
            } else if constexpr (std::is_same_v<T, Acknowledged>) {
                notify(note::Acked{e.seqno});
                if (auto it = sends_.find(e.seqno); it != sends_.end()) {
                    complete(std::move(it->second.done), {});
                    sends_.erase(it);
                }
            } else if constexpr (std::is_same_v<T, MessageReceived>) {
                notify(note::Message{c->peer ? c->peer->common_name() : std::string("server"),
                                     e.seqno, e.ts, e.text});
            } else if constexpr (std::is_same_v<T, ReceiptsExchanged>) {
                on_receipts(c, e);
            } else if constexpr (std::is_same_v<T, PeerError>) {
                end_with(c, peer_error(e.code, e.message), false);
            } else if constexpr (std::is_same_v<T, Failed>) {
                end_with(c, protocol_failure(e.error), false);
            }
        },
        event);
}

void ChatController::on_handshake_done(const ConnectionPtr& c,
                                       const proto::event::HandshakeDone& e) {
    c->peer = e.peer;
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
    auto dir = settings_.transcripts_dir();
    auto kept = [&]() -> Status {
        SC_TRY(ensure_private_dir(dir));
        SC_TRY_ASSIGN(auto files, evidence::SessionFiles::create(dir, c->session_id));
        // Beside the transcript, so `securechat verify` can be given the receipt's signer.
        auto cert_path = dir / (to_hex(c->session_id) + ".peer.crt");
        SC_TRY(write_file_atomically(cert_path, as_bytes(c->peer->to_pem()), FileMode::public_0644,
                                     Replace::no));
        c->files.emplace(std::move(files));
        c->peer_cert_path = cert_path;
        return {};
    }();
    if (!kept) {
        end_with(c,
                 {code::evidence, "cannot keep this session's transcript: " + kept.error().message},
                 true);
        return;
    }
    state_ = State::chatting;
    if (auth_action_ == "registered") {
        notify(note::Registered{username_});
    } else {
        notify(note::LoggedIn{username_});
    }
    if (auth_) {
        complete(std::move(auth_->done), {});
        auth_.reset();
    }
}

void ChatController::on_receipts(const ConnectionPtr& c, const proto::event::ReceiptsExchanged& e) {
    if (!c->files || !c->peer) {
        end_with(c, {code::evidence, "the receipts arrived but the transcript was not kept"},
                 false);
        return;
    }
    auto saved = c->files->save_receipts(e.own, e.peer, c->session_id,
                                         credentials_.identity.chain.front(), *c->peer);
    if (!saved) {
        end_with(c, {code::evidence, "cannot save the receipts: " + saved.error().message}, false);
        return;
    }
    c->receipts_saved = true;
    notify(note::ReceiptSaved{c->files->transcript_path(), c->files->own_receipt_path(),
                              c->files->peer_receipt_path(), c->peer_cert_path,
                              e.transcript_sha256.hex()});
}

void ChatController::end_with(const ConnectionPtr& c, note::Error error, bool drop_now) {
    if (!c->error && !c->aborted) {
        c->error = error;
        notify(error);
    }
    c->mark_closing();
    if (drop_now) {
        drop(c);
    } else {
        c->wake.cancel();
    }
}

void ChatController::drop(const ConnectionPtr& c) {
    c->dropped = true;
    c->mark_closing();
    asio::error_code ignored;
    c->socket.close(ignored);
    c->wake.cancel();
    c->connect_timer.cancel();
}

void ChatController::finalize(const ConnectionPtr& c) {
    if (conn_ == c) {
        conn_.reset();
    }
    state_ = State::disconnected;
    username_.clear();
    auth_action_.clear();
    std::optional<note::Error> error = c->error;
    if (!error && !c->aborted) {
        bool clean = c->quit_requested && (!c->needs_receipts || c->receipts_saved);
        if (!clean) {
            error = server_closed();
            notify(*error);
        }
    }
    notify(note::Closed{error ? "error" : c->quit_requested ? "quit" : "aborted"});
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
    for (auto& waiter : std::exchange(quits_, {})) {
        if (error) {
            complete(std::move(waiter.done), fail(*error));
        } else {
            complete(std::move(waiter.done), {});
        }
    }
}

}  // namespace sc::client
