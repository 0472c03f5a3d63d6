// One client connection: the shared transport (net::FramedConnection: reader, bounded writer,
// watchdog) on the connection's strand, the protocol session it feeds, and the server's policy
// on top: the deadlines (hello, login, idle, closing), the peer certificate's expiry, the limits,
// the auth hand-off and the evidence. Password checks go to the AuthService, which brings their
// answers back to the strand; the router reaches the session the same way. connection.cpp holds
// the lifecycle and the deadline policy, connection_auth.cpp login and registration,
// connection_evidence.cpp the transcript files and the certificate recheck.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "evidence/session_files.h"
#include "net/framed_connection.h"
#include "proto/server_session.h"
#include "server/device_identity.h"
#include "server/server_context.h"
#include "store/accounts.h"

namespace sc::server {

class Connection : public std::enable_shared_from_this<Connection>,
                   private net::FramedConnection::Handler {
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
    // An admin ended this user's sessions (kick, disable): `session_end` with `code`, then the
    // receipts, within shutdown_grace, as shutdown() (connection_admin.cpp).
    void end_for(proto::ErrorCode code, std::string reason);

  private:
    using Strand = asio::strand<asio::io_context::executor_type>;

    // `self` lives in the coroutine frame: it keeps the connection alive from co_spawn on.
    asio::awaitable<void> serve(std::shared_ptr<Connection> self, std::optional<Refusal> refusal);

    // net::FramedConnection::Handler: the server's side of the transport.
    void on_bytes(ByteView bytes) override;
    void on_stream_error(net::FramedConnection::Side side, const asio::error_code& ec) override;
    void on_tick(Clock::time_point now) override;
    Clock::time_point next_deadline() const override { return receipt_deadline_; }
    void on_hard_deadline() override;

    proto::ServerSession& session();
    void receive(ByteView bytes);
    bool closing() const { return transport_.closing(); }
    // Runs `fn`; an exception ends only this connection, with an error frame and a log line.
    template <class F>
    void guarded(std::string_view where, F&& fn);
    void fail_internally(std::string_view where, std::string_view what);
    void handle(proto::Output out);
    void on_event(proto::Event& event);
    void on_handshake_done(const proto::event::HandshakeDone& e);
    // An envelope for this session's device, from the router, on our strand (connection_e2e.cpp).
    void on_delivery(const Delivery& delivery);
    // `say_why`: in chat, `session_end` with `code` and `reason` before our receipt.
    void begin_close(std::string reason, proto::ErrorCode code, Clock::time_point deadline,
                     bool say_why = false);
    void watchdog_tick(Clock::time_point now);

    // connection_evidence.cpp
    // Writes the evidence of `out`'s events (the transcript at ChatReady, each TranscriptAppend)
    // and stops at the first that fails: the session must then end with the refusal.
    std::optional<Refusal> store_evidence(const proto::Output& out);
    // On failure they set `problem`: the session then ends with it instead of going on.
    void open_transcript(std::optional<Refusal>& problem);
    void append_transcript(const std::string& text, std::optional<Refusal>& problem);
    void write_session_record();
    void save_receipts(const proto::event::ReceiptsExchanged& e);
    void recheck_now();

    // connection_requests.cpp: a request (§2.3) goes to its handler, and each is answered
    // once with answer(), on the strand; input waits until then.
    void on_request(proto::msg::Request& request);
    void answer(proto::msg::Answer answer);
    void answer_result(std::uint64_t id, std::optional<proto::ErrorCode> code,
                       std::string message = {});
    // connection_friends.cpp
    void on_request(proto::msg::FriendCommand& m);
    void on_request(proto::msg::ListFriends& m);
    // Presence: the session joins the router once it is chat-ready and its friends are read
    // from the store, and leaves when it ends; pushes from the router come in on the strand.
    void join_presence();
    void announce_presence(store::StoreResult<std::vector<store::FriendEntry>> entries);
    void leave_presence(bool now = false);
    void on_push(proto::msg::Push push);
    // connection_admin.cpp
    void on_request(proto::msg::Who& m);
    void on_request(proto::msg::UserAdd& m);
    void on_request(proto::msg::UserCommand& m);
    void as_current_admin(std::uint64_t id, std::function<void()> then);
    void answer_who(std::uint64_t id);
    void add_user(std::uint64_t id, const std::string& email, const std::string& username,
                  std::shared_ptr<crypto::SecretBytes> secret);

    // connection_e2e.cpp: prekeys, devices, bundles and the relay (§2.4). Each runs `job` on a
    // query worker and answers once on the strand.
    void on_request(proto::msg::PublishPrekeys& m);
    void on_request(proto::msg::ListDevices& m);
    void on_request(proto::msg::FetchBundle& m);
    void on_request(proto::msg::Relay& m);
    template <class Job>
    void submit_e2e(std::string_view op, std::uint64_t id, Job job);
    // True (and answered `throttled`) when the account's relay budget is spent.
    bool relay_throttled(std::uint64_t id, std::string_view op);

    // connection_delivery.cpp: store and forward (§2.4). At chat-ready the session attaches to
    // the router for its own device; at attach, at each router hint and after each `received`
    // it reads the device's stored envelopes (one read at a time) and pushes them in `held`
    // order, at most kMaxHeldInFlight unanswered. `received` deletes them once committed.
    void attach_route();
    void pump_held();
    void on_held(store::StoreResult<std::vector<store::HeldEnvelope>> read);
    std::vector<std::uint64_t> in_flight_ids() const;
    void on_request(proto::msg::Received& m);

    // connection_auth.cpp
    void start_login(std::string username, crypto::SecretBytes password);
    void start_register(std::string email, std::string username, crypto::SecretBytes password);
    void finish_auth(const std::string& username, proto::msg::AuthAction action,
                     const store::AuthResult<store::Account>& result, const AuthAttempt& attempt);
    bool mark_authenticated();
    bool refuse_unbound(const std::string& username, bool registering);

    std::string conn() const { return std::to_string(id_); }
    // The server's clock (ServerContext), for every deadline this class computes.
    Clock::time_point now() const { return ctx_.steady_clock->now(); }

    ServerContext& ctx_;
    Strand strand_;
    net::FramedConnection transport_;
    std::string address_;
    std::string block_;
    std::uint64_t id_;
    std::optional<proto::ServerSession> session_;  // made when the first bytes arrive (L3)
    std::uint64_t trust_version_ = 0;              // of the trust session_ verifies against
    bool heard_ = false;                           // the client proved its key (dh_client)
    bool closed_ = false;
    std::string username_;
    std::string account_;    // canonical (LoginThrottle::canonical), for throttles and caps
    bool counted_ = false;   // holds a slot in sessions_by_account / sessions_by_block
    std::string client_fp_;  // the client certificate's full SHA-256 fingerprint (H1)
    Router::Handle route_handle_ = 0;  // attached at chat-ready (attach_route)
    // Pushed, no `received` yet (at most kMaxHeldInFlight): held id → its frame's size on the
    // wire (an estimate), so that a window of large envelopes stays within the outbox bound.
    std::map<std::uint64_t, std::size_t> held_in_flight_;
    std::size_t held_in_flight_bytes_ = 0;
    bool held_reading_ = false;     // a held_for read is on the query workers
    bool held_read_again_ = false;  // a hint came meanwhile: read again after it
    bool held_retry_ = false;       // the last read failed: the watchdog retries
    // Whom our presence reaches: the friends (lower case, at most kMaxFriends), read at
    // chat-ready and kept current by our friend requests and the friend_events pushed to us.
    std::set<std::string> friends_;
    bool presence_joining_ = false;  // joined, the friends are being read
    bool presence_joined_ = false;   // the router has our push sink
    std::vector<std::pair<bool, std::string>> friend_changes_while_joining_;  // (added, name)
    // A friends request that arrived while the friends were being read waits for the join, so
    // that what it does (pushes, list_friends' presence) sees this session online.
    std::optional<proto::msg::Request> deferred_request_;
    std::optional<pki::Certificate> peer_;
    std::optional<evidence::SessionFiles> files_;
    Clock::time_point started_;
    Clock::time_point last_activity_;
    // Closing: the peer's receipt is awaited until receipt_deadline_ (then `error` with
    // close_code_), and the connection is gone at the transport's hard deadline whatever happens.
    Clock::time_point receipt_deadline_ = Clock::time_point::max();
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
