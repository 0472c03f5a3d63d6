// One client connection: a reader and a writer coroutine on the connection's strand with a
// bounded outbound queue, a watchdog for the deadlines (hello, login, idle, closing) and the
// peer certificate's expiry, and the protocol session they drive. Password checks go to the
// worker pool; their answers come back to the strand. connection.cpp holds the I/O and the
// lifecycle, connection_auth.cpp login and registration, connection_evidence.cpp the
// transcript files and the certificate recheck.
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
    using Clock = std::chrono::steady_clock;
    // `block` is the address block the admission and throttle tables count (address_block.h).
    Connection(ServerContext& ctx, asio::ip::tcp::socket socket, std::string address,
               std::string block);
    ~Connection();

    struct Refusal {
        proto::ErrorCode code;
        std::string reason;
    };
    std::uint64_t id() const { return id_; }
    // Starts serving; with a refusal, only tells the peer why and closes.
    void start(std::optional<Refusal> refusal = std::nullopt);
    // Graceful end (SIGTERM): receipts when chatting, `shutting_down` otherwise; the connection
    // is gone by `deadline` whatever the peer does.
    void shutdown(Clock::time_point deadline);
    // After a CRL reload: ends the session at once if the peer certificate is now refused.
    void recheck_certificate();
    // Admission made room for a newcomer: ends this silent connection.
    void evict();

  private:
    using Strand = asio::strand<asio::io_context::executor_type>;

    // `self` lives in the coroutine frame: it keeps the connection alive from co_spawn on.
    asio::awaitable<void> serve(std::shared_ptr<Connection> self, std::optional<Refusal> refusal);
    asio::awaitable<void> reader();
    asio::awaitable<void> writer();
    asio::awaitable<void> watchdog();
    asio::awaitable<void> linger();

    proto::ServerSession& session();
    void on_bytes(ByteView bytes);
    // Runs `fn`; an exception ends only this connection, with an error frame and a log line.
    template <class F>
    void guarded(std::string_view where, F&& fn);
    void fail_internally(std::string_view where, std::string_view what);
    void handle(proto::Output out);
    void on_event(proto::Event& event);
    void on_handshake_done(const proto::event::HandshakeDone& e);
    void begin_close(std::string reason, proto::ErrorCode code, Clock::time_point deadline);
    void watchdog_tick(Clock::time_point now);

    // connection_evidence.cpp
    // On failure they set `problem`: the session then ends with it instead of going on.
    void open_transcript(std::optional<Refusal>& problem);
    void append_transcript(const std::string& text, std::optional<Refusal>& problem);
    void write_session_record();
    void save_receipts(const proto::event::ReceiptsExchanged& e);
    void recheck_now();

    // connection_auth.cpp
    void start_login(std::string username, crypto::SecretBytes password);
    void start_register(std::string email, std::string username, crypto::SecretBytes password);
    void finish_auth(const std::string& username, proto::msg::AuthAction action,
                     const store::AuthResult<store::Account>& result);
    bool mark_authenticated();

    std::string conn() const { return std::to_string(id_); }

    ServerContext& ctx_;
    Strand strand_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer wake_;
    asio::steady_timer watch_;
    std::string address_;
    std::string block_;
    std::uint64_t id_;
    std::optional<proto::ServerSession> session_;  // made when the first bytes arrive (L3)
    std::uint64_t trust_version_ = 0;              // of the trust session_ verifies against
    bool heard_ = false;                           // the client proved its key (dh_client)
    std::deque<Bytes> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool closing_ = false;
    bool closed_ = false;
    std::string username_;
    std::string account_;    // canonical (LoginThrottle::canonical), for throttles and caps
    bool counted_ = false;   // holds a slot in sessions_by_account / sessions_by_block
    std::string client_fp_;  // the client certificate's full SHA-256 fingerprint (H1)
    std::uint64_t route_handle_ = 0;
    std::optional<pki::Certificate> peer_;
    std::optional<evidence::SessionFiles> files_;
    Clock::time_point started_;
    Clock::time_point last_activity_;
    // Closing: the peer's receipt is awaited until receipt_deadline_ (then `error` with
    // close_code_), and the connection is gone at hard_deadline_ whatever happens.
    Clock::time_point receipt_deadline_ = Clock::time_point::max();
    Clock::time_point hard_deadline_ = Clock::time_point::max();
    proto::ErrorCode close_code_ = proto::ErrorCode::shutting_down;
    std::string close_reason_;
    std::string end_reason_ = "closed";
};

template <class F>
void Connection::guarded(std::string_view where, F&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        fail_internally(where, e.what());
    } catch (...) {
        fail_internally(where, "unknown exception");
    }
}

}  // namespace sc::server
