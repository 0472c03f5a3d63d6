#include "net/blocking_client.h"

namespace sc::net {
namespace {

// A send that cannot go on for this long means the peer stopped reading: give up on it.
constexpr std::chrono::seconds kSendTimeout{10};

template <class... T>
bool any_of(const BlockingClient::Events& events) {
    for (const auto& e : events) {
        if ((std::holds_alternative<T>(e) || ...)) {
            return true;
        }
    }
    return false;
}

}  // namespace

IoResult<std::unique_ptr<BlockingClient>> BlockingClient::connect(std::uint16_t port,
                                                                  proto::ClientConfig config,
                                                                  const std::string& host,
                                                                  const std::string& source) {
    auto socket = BlockingSocket::connect(host, port, source);
    if (!socket) {
        return fail(std::move(socket).error());
    }
    return std::make_unique<BlockingClient>(std::move(socket).value(), std::move(config));
}

BlockingClient::BlockingClient(BlockingSocket socket, proto::ClientConfig config)
    : socket_(std::move(socket)),
      session_(std::make_unique<proto::ClientSession>(std::move(config), clock_, entropy_)) {}

void BlockingClient::close_socket() {
    socket_.close();
}

void BlockingClient::send_raw(const std::string& bytes) {
    if (!socket_.is_open()) {
        return;
    }
    if (auto sent = socket_.write_all(as_bytes(bytes), kSendTimeout); !sent && !io_error_) {
        io_error_ = sent.error();
    }
}

void BlockingClient::submit(proto::Output out) {
    for (const auto& frame : out.send) {
        send_raw(std::string(frame.begin(), frame.end()));
    }
    for (auto& e : out.events) {
        events.push_back(std::move(e));
    }
}

bool BlockingClient::wait_for(const std::function<bool(const Events&)>& done,
                              std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(events)) {
        if (peer_closed || !socket_.is_open()) {
            return done(events);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        auto chunk = socket_.read_some(left);
        if (!chunk) {
            if (chunk.error().kind == IoError::Kind::timed_out) {
                continue;  // the deadline check above ends the wait
            }
            if (!io_error_) {
                io_error_ = chunk.error();
            }
            peer_closed = true;  // a reset counts as the end of the connection
            continue;
        }
        if (chunk->empty()) {
            peer_closed = true;
            continue;
        }
        if (keep_received) {
            received.insert(received.end(), chunk->begin(), chunk->end());
        }
        submit(session_->receive(*chunk));
    }
    return true;
}

bool BlockingClient::wait_closed(std::chrono::milliseconds timeout) {
    return wait_for([this](const Events&) { return peer_closed; }, timeout) || peer_closed;
}

bool BlockingClient::finish_auth() {
    using namespace proto::event;
    return wait_for(any_of<ChatReady, PeerError, Failed>) && has<ChatReady>();
}

bool BlockingClient::login(const std::string& username, const std::string& password) {
    using namespace proto::event;
    submit(session_->start());
    if (!wait_for(any_of<HandshakeDone, PeerError, Failed>) || !has<HandshakeDone>()) {
        return false;
    }
    submit(session_->login(username, crypto::SecretBytes(as_bytes(password))));
    return finish_auth();
}

bool BlockingClient::register_user(const std::string& email, const std::string& username,
                                   const std::string& password) {
    submit(session_->start());
    if (!wait_for([](const Events& ev) {
            for (const auto& e : ev) {
                if (!std::holds_alternative<proto::event::TranscriptAppend>(e)) {
                    return true;
                }
            }
            return false;
        }) ||
        !has<proto::event::HandshakeDone>()) {
        return false;
    }
    submit(session_->register_user(email, username, crypto::SecretBytes(as_bytes(password))));
    return finish_auth();
}

bool BlockingClient::chat(const std::string& text) {
    submit(session_->send_text(text));
    std::size_t want = ++acked_;
    return wait_for([want](const Events& ev) {
               std::size_t acks = 0;
               for (const auto& e : ev) {
                   acks += std::holds_alternative<proto::event::Acknowledged>(e) ? 1U : 0U;
                   if (std::holds_alternative<proto::event::Failed>(e) ||
                       std::holds_alternative<proto::event::PeerError>(e)) {
                       return true;
                   }
               }
               return acks >= want;
           }) &&
           failure().empty() && peer_error().empty();
}

bool BlockingClient::close_with_receipts() {
    using namespace proto::event;
    submit(session_->close());
    return wait_for(any_of<ReceiptsExchanged, Failed, PeerError>) && has<ReceiptsExchanged>();
}

std::string BlockingClient::peer_error() const {
    for (const auto& e : events) {
        if (auto* p = std::get_if<proto::event::PeerError>(&e)) {
            return p->code + ": " + p->message;
        }
    }
    return "";
}

std::string BlockingClient::failure() const {
    for (const auto& e : events) {
        if (auto* p = std::get_if<proto::event::Failed>(&e)) {
            return p->error.text();
        }
    }
    return "";
}

}  // namespace sc::net
