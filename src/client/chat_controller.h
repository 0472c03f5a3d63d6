// The client side of a chat session, without any user interface: the commands (connect, login,
// send, quit) and their completions, the deadlines they wait under, and the session's evidence.
// Each connection (chat_connection.h) runs on the shared transport (net::FramedConnection, on one
// io_context) with its protocol session and evidence files (session_evidence.h);
// chat_controller_events.cpp turns the protocol's events into notifications for a ChatListener.
// Line mode and the full-screen interface are both thin layers over it.
//
// Threading: every member function must be called on the io_context's thread (or before it
// runs); notifications and completions are delivered there. Completions are posted, never
// called from inside the member function that was given them. Destroy the controller only
// after its io_context has stopped running.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/chat_events.h"
#include "client/client_settings.h"
#include "client/e2e_messaging.h"
#include "client/user_notes.h"
#include "crypto/secret.h"
#include "proto/client_session.h"

namespace sc::client {

class ChatController : private E2eMessaging::Host {
  public:
    using Completion = std::function<void(const Outcome&)>;

    enum class State {
        disconnected,    // no connection (never connected, or the last one ended)
        connecting,      // TCP connect and handshake
        connected,       // handshake done: register or log in
        authenticating,  // register/login sent, or chat keys being agreed
        chatting,
        closing,  // quit: waiting for acknowledgements and the server's receipt
    };

    ChatController(asio::io_context& io, ClientSettings settings, ClientCredentials credentials,
                   ChatListener& listener);
    ~ChatController() override;
    ChatController(const ChatController&) = delete;
    ChatController& operator=(const ChatController&) = delete;

    // Connects and completes the handshake; done once note::Connected was sent. Ok at once when
    // already connected.
    void connect(Completion done);
    // Done when the account exists (or the login is accepted) and chat keys are installed. Both
    // connect first when there is no connection, so a failed login (which ends the connection,
    // as the server closes it) can simply be retried.
    void register_user(std::string email, std::string username, crypto::SecretBytes password,
                       Completion done);
    void login(std::string username, crypto::SecretBytes password, Completion done);
    // Done when the server acknowledges the message. Several may be in flight.
    void send(std::string text, Completion done);
    // End to end (docs/PROTOCOL.md §10; e2e_messaging.h), once logged in. send_to encrypts
    // `text` to every device of `user` and our own other devices: note::Relayed per copy,
    // note::Sent once; done when the server answered every copy (ok when one device of `user`
    // took it). list_devices tells note::Devices (pins and the server's list); trust_device
    // accepts the changed certificate of `user`'s device `device` (note::Done).
    void send_to(std::string user, std::string text, Completion done);
    void list_devices(std::string user, Completion done);
    void trust_device(std::string user, std::string device, Completion done);
    // The history (history_store.h), logged in or not: note::History with the last `count`
    // (at most kMaxHistoryShown) messages with `user`, oldest first.
    void history(std::string user, std::size_t count, Completion done);
    // Writes the disclosure of message `mid` (hex) of the conversation with `user` to `file`
    // (0600, not replacing a file): its mid, salt and text, which `securechat verify` checks
    // against the message's commitment in a transcript. note::Done names the file.
    void disclose(std::string user, std::string mid, std::filesystem::path file, Completion done);
    // The connection's reader handed over what arrived: acknowledge what became durable.
    void after_input();
    // The connection's watchdog ticked: copies whose signed expiry passed are reported.
    void on_tick();
    // Sends a request of docs/PROTOCOL.md §2.3 (friends, who, admin); the session numbers it.
    // Done when the server answers: the answer is told as note::Done, Friends or Who, a refusal
    // (a `result` with a code) as note::Error, which also fails the completion. Needs a login.
    void request(proto::msg::Request request, Completion done);
    // Ends the session properly: outstanding messages acknowledged, receipts exchanged and saved
    // (note::ReceiptSaved), connection closed (note::Closed). Ok at once when not connected.
    void quit(Completion done);
    // Drops the connection now, without receipts; pending commands fail with code::cancelled.
    void abort();

    State state() const { return state_; }
    const std::string& username() const { return username_; }
    const ClientSettings& settings() const { return settings_; }

  private:
    struct Connection;
    using ConnectionPtr = std::shared_ptr<Connection>;
    using Clock = std::chrono::steady_clock;
    struct Waiter {
        Completion done;
        Clock::time_point deadline;
        std::string text;  // sends only: shown again in note::Sent
    };
    struct RequestWaiter {
        Completion done;
        Clock::time_point deadline;
        RequestSummary summary;
    };
    struct AuthRequest {
        bool register_account = false;
        std::string email;
        std::string username;
        crypto::SecretBytes password;
    };

    void start_connection();
    void authenticate(std::shared_ptr<AuthRequest> request, Completion done);
    void send_auth(const std::shared_ptr<AuthRequest>& request, Completion done);

    asio::awaitable<void> run(ConnectionPtr c);
    asio::awaitable<bool> open(ConnectionPtr c);
    // The deadline policy the connection's watchdog runs: the first command overdue, if any.
    std::optional<note::Error> overdue(const Connection& c, Clock::time_point now) const;

    // Feeds a session's output to the connection; returns the reason if the session refused the
    // local request that produced it (proto::event::Refused).
    std::optional<std::string> submit(const ConnectionPtr& c, proto::Output out);
    void on_event(const ConnectionPtr& c, proto::Event& event);
    void on_handshake_done(const ConnectionPtr& c, const proto::event::HandshakeDone& e);
    void on_chat_ready(const ConnectionPtr& c);
    void on_receipts(const ConnectionPtr& c, const proto::event::ReceiptsExchanged& e);
    void on_request_sent(const proto::event::RequestSent& e);
    void on_answered(const proto::event::Answered& e);
    void on_session_ending(const ConnectionPtr& c, const proto::event::SessionEnding& e);
    // Records why the connection ends (the first reason wins), tells the listener, and stops it.
    void end_with(const ConnectionPtr& c, note::Error error, bool drop_now);
    // Stops the connection at once: closes the socket, cancels every wait.
    static void drop(const ConnectionPtr& c);
    void finalize(const ConnectionPtr& c);

    void notify(const Notification& n) override { listener_.notify(n); }
    void complete(Completion done, Outcome outcome) override;
    // E2eMessaging::Host (chat_controller_e2e.cpp)
    std::optional<std::uint64_t> send_request(proto::msg::Request request) override;
    std::size_t others_in_flight() const override;
    void start_e2e();
    // A command that needs the end-to-end layer: it, or the refusal told to `done`.
    E2eMessaging* e2e_for(Completion& done);
    // Reports a failure that ends no connection (a command that cannot run now).
    void refuse(Completion done, note::Error error);

    asio::io_context& io_;
    ClientSettings settings_;
    ClientCredentials credentials_;
    ChatListener& listener_;
    proto::SystemClock clock_;
    proto::SystemEntropy entropy_;

    State state_ = State::disconnected;
    ConnectionPtr conn_;
    std::string username_;
    std::vector<Completion> connect_waiters_;
    std::optional<Waiter> auth_;
    bool auth_is_register_ = false;
    std::optional<proto::msg::AuthAction> auth_action_;  // from the server's auth_ok
    std::deque<Waiter> unnumbered_sends_;                // sent to the session, seqno not yet known
    std::map<std::uint64_t, Waiter> sends_;
    std::vector<Waiter> quits_;
    std::optional<RequestWaiter> unnumbered_request_;  // given to the session, id not yet known
    std::map<std::uint64_t, RequestWaiter> requests_;  // bounded by kMaxRequestsInFlight
    // This device's history, opened at first use (before e2e_, which uses it, is made).
    HistoryStore* open_history(note::Error& why);
    std::unique_ptr<HistoryStore> history_;
    // End to end, for the logged-in connection (made at chat-ready, gone at its end), or why not.
    std::unique_ptr<E2eMessaging> e2e_;
    std::optional<note::Error> e2e_problem_;
    std::optional<std::uint64_t> last_request_id_;  // of the request submit() just sent
};

}  // namespace sc::client
