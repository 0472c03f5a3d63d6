// A ChatController's connection: the transport's callbacks, opening it (resolve and connect,
// bounded by the timeout) and running it until it ends.
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "client/chat_connection.h"
#include "client/errors_text.h"

namespace sc::client {
namespace {

using namespace asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// How long a connection that is ending may take to flush its last frames.
constexpr std::chrono::seconds kClosingGrace{2};

// The transport's default read size and outbox bound (the server's defaults too). The client
// queues only its own commands' frames: a server that stops reading while a megabyte of them
// waits is not coming back.
constexpr net::FramedConnection::Options kTransport{
    .tick = std::chrono::milliseconds(100),
    .linger = false,  // unchanged: the client has never lingered
};

}  // namespace

ChatController::Connection::Connection(ChatController& owner_, proto::ClientConfig config)
    : owner(owner_),
      transport(owner_.io_.get_executor(), tcp::socket(owner_.io_), *this, kTransport),
      connect_timer(owner_.io_),
      session(std::move(config), owner_.clock_, owner_.entropy_) {}

void ChatController::Connection::on_bytes(ByteView bytes) {
    (void)owner.submit(shared_from_this(), session.receive(bytes));
    owner.after_input();  // the ids of envelopes pushed together go in one `received`
}

void ChatController::Connection::on_tick(Clock::time_point now) {
    if (transport.closing()) {
        return;  // the transport's hard deadline bounds the flush
    }
    if (auto late = owner.overdue(*this, now)) {
        owner.end_with(shared_from_this(), std::move(*late), true);
        return;
    }
    owner.on_tick();
}

void ChatController::Connection::mark_closing() {
    transport.finish();
    transport.tighten_hard_deadline(Clock::now() + kClosingGrace);
}

void ChatController::start_connection() {
    proto::ClientConfig config{.identity = credentials_.identity,
                               .trust = credentials_.trust,
                               .server_name = settings_.server_name};
    auto c = std::make_shared<Connection>(*this, std::move(config));
    c->handshake_deadline = Clock::now() + settings_.timeout;
    conn_ = c;
    state_ = State::connecting;
    asio::co_spawn(io_, run(c), asio::detached);
}

asio::awaitable<void> ChatController::run(ConnectionPtr c) {
    try {
        if (co_await open(c)) {
            (void)submit(c, c->session.start());
            co_await c->transport.run();
        }
    } catch (const std::exception& e) {
        // Our own bug or resource exhaustion: still end the session cleanly for the caller.
        end_with(c,
                 {std::string(proto::error_code_name(proto::ErrorCode::internal)),
                  std::string("the client failed: ") + e.what()},
                 true);
    }
    c->transport.close();
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
    auto connected = co_await (asio::async_connect(c->transport.socket(), endpoints, kNoThrow) ||
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
    c->transport.socket().set_option(tcp::no_delay(true), ignored);
    co_return true;
}

}  // namespace sc::client
