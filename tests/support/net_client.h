// A real client over a real loopback socket: a blocking TCP connection driving a
// proto::ClientSession, for tests of the server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proto/client_session.h"

namespace sc::test {

class NetClient {
  public:
    using Events = std::vector<proto::Event>;

    // `source`: an IPv4 address to bind before connecting (e.g. "127.0.3.1"), so that tests
    // can play clients from different address blocks over loopback.
    static std::unique_ptr<NetClient> connect(unsigned short port, proto::ClientConfig config,
                                              const std::string& host = "127.0.0.1",
                                              const std::string& source = "");
    ~NetClient();

    proto::ClientSession& session() { return *session_; }
    // Writes the frames of `out` and records its events.
    void submit(proto::Output out);
    // Reads and feeds the session until `done(events)` holds, the peer closes, or the timeout.
    bool wait_for(const std::function<bool(const Events&)>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
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

    Events events;
    bool peer_closed = false;

  private:
    NetClient(int fd, proto::ClientConfig config);
    bool finish_auth();

    int fd_;
    proto::SystemClock clock_;
    proto::SystemEntropy entropy_;
    std::unique_ptr<proto::ClientSession> session_;
    std::size_t acked_ = 0;
};

}  // namespace sc::test
