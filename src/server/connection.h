// One client connection: a reader and a writer coroutine on the connection's strand with a
// bounded outbound queue, a watchdog for the handshake deadline, the idle timeout and the
// peer certificate's expiry, and the protocol session they drive. Password checks go to the
// worker pool; their answers come back to the strand.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "evidence/session_files.h"
#include "proto/server_session.h"
#include "server/server_context.h"
#include "store/accounts.h"

namespace sc::server {

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(ServerContext& ctx, asio::ip::tcp::socket socket, std::string address,
               bool admitted);
    ~Connection();

    struct Refusal {
        proto::ErrorCode code;
        std::string reason;
    };
    // Starts serving; with a refusal, only tells the peer why and closes.
    void start(std::optional<Refusal> refusal = std::nullopt);
    // Graceful end (SIGTERM): receipts when chatting, `shutting_down` otherwise.
    void shutdown();
    // After a CRL reload: ends the session at once if the peer certificate is now refused.
    void recheck_certificate();

  private:
    using Strand = asio::strand<asio::io_context::executor_type>;

    asio::awaitable<void> reader();
    asio::awaitable<void> writer();
    asio::awaitable<void> watchdog();
    asio::awaitable<void> linger();

    void handle(proto::Output out);
    void on_event(proto::Event& event);
    void on_handshake_done(const proto::event::HandshakeDone& e);
    void append_transcript(const std::string& text);
    void save_receipts(const proto::event::ReceiptsExchanged& e);
    void start_login(std::string username, crypto::SecretBytes password);
    void start_register(std::string email, std::string username, crypto::SecretBytes password);
    void finish_auth(const std::string& username, const std::string& action,
                     const store::AuthResult<store::Account>& result);
    void mark_authenticated();
    void wake_writer();

    ServerContext& ctx_;
    Strand strand_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer wake_;
    std::string address_;
    std::uint64_t id_;
    bool unauthenticated_slot_;
    proto::ServerSession session_;
    std::deque<Bytes> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool closing_ = false;
    bool closed_ = false;
    bool auth_in_flight_ = false;
    std::string username_;
    std::uint64_t route_handle_ = 0;
    std::optional<pki::Certificate> peer_;
    std::optional<evidence::SessionFiles> files_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_activity_;
    std::string end_reason_ = "closed";
};

}  // namespace sc::server
