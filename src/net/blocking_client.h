// A real client over a real socket, step by step: a blocking TCP connection driving a
// proto::ClientSession. For tests of the server and for tools (attack, bench) that play a
// client, well-behaved or not (send_raw). Waits answer whether their condition came true; why
// not is in `events` (the session's), `peer_closed` and io_error().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/blocking_socket.h"
#include "proto/client_session.h"

namespace sc::net {

class BlockingClient {
  public:
    using Events = std::vector<proto::Event>;

    // `source`: as for BlockingSocket::connect.
    static IoResult<std::unique_ptr<BlockingClient>> connect(std::uint16_t port,
                                                             proto::ClientConfig config,
                                                             const std::string& host = "127.0.0.1",
                                                             const std::string& source = "");
    BlockingClient(BlockingSocket socket, proto::ClientConfig config);
    BlockingClient(const BlockingClient&) = delete;
    BlockingClient& operator=(const BlockingClient&) = delete;
    virtual ~BlockingClient() = default;

    proto::ClientSession& session() { return *session_; }
    // Writes the frames of `out` and records its events.
    void submit(proto::Output out);
    // Reads and feeds the session until `done(events)` holds, the peer closes, or the timeout.
    bool wait_for(const std::function<bool(const Events&)>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Bytes as they are, framed or not; a failure is kept in io_error().
    void send_raw(const std::string& bytes);
    void close_socket();

    // Convenience: handshake + login (or register) and DH #2, true when chat is ready.
    bool login(const std::string& username, const std::string& password);
    bool register_user(const std::string& email, const std::string& username,
                       const std::string& password);
    bool chat(const std::string& text);  // sends and waits for its ack
    bool close_with_receipts();

    template <class T>
    bool has() const {
        for (const auto& e : events) {
            if (std::holds_alternative<T>(e)) {
                return true;
            }
        }
        return false;
    }
    std::string peer_error() const;  // "code: message" of the server's error, or ""
    std::string failure() const;     // our own Failed, or ""
    // The first socket failure (not a timeout of a wait, not the peer's orderly close).
    const std::optional<IoError>& io_error() const { return io_error_; }

    Events events;
    bool peer_closed = false;
    // Every byte read from the server, kept when keep_received is set (the attack tool's
    // reflection needs the server's own records); off by default.
    bool keep_received = false;
    Bytes received;

  private:
    bool finish_auth();

    BlockingSocket socket_;
    proto::SystemClock clock_;
    proto::SystemEntropy entropy_;
    std::unique_ptr<proto::ClientSession> session_;
    std::size_t acked_ = 0;
    std::optional<IoError> io_error_;
};

}  // namespace sc::net
