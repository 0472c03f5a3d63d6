// The client's end-to-end messages between users (docs/PROTOCOL.md §2.4, §10), for one logged-in
// connection: ChatController makes one at chat-ready and hands it the e2e answers and the
// `envelope` pushes. It
//   - opens this device's e2e::DeviceSessions (data_dir/e2e/<own fp hex>/state) and its pins
//     (pins.json beside it), asks the server's prekey status and publishes what is due;
//   - sends /msg USER TEXT: `devices` for USER and for ourselves, then for each device (not
//     this one) a session or a verified bundle, a pin check, one sealed copy; saves the state
//     before any copy leaves, and the message in the history; then one `send` per copy
//     (note::Relayed each, note::Sent once); each copy's `stored` answer is believed only with
//     a signature of the server certificate this session's handshake verified over what we
//     sent (note::Stored, else `bad_stored_statement`); a stored copy whose `expires` passes
//     undelivered is reported (note::Expired), at open and while running (e2e_stored.cpp);
//   - opens envelopes: the sender's certificate (named `from` by the server) checked, pinned,
//     the message opened; state, history and transcript made durable; then `received` for the
//     pushed held ids (batched per read) and a signed delivered statement sent back. A mid
//     already accepted is dropped: silently (and acknowledged again) when an earlier session
//     took it, with a `replayed` warning when this session was pushed it twice. Delivered
//     statements are checked against the copy in the history (note::Delivered);
//   - answers /devices USER and /trust USER DEVICE.
// Every refusal names the device and why; every warning is also in the conversation's file
// (e2e_records.h). Its requests share the session's kMaxRequestsInFlight with the controller's:
// the rest wait in a queue here.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/chat_events.h"
#include "client/client_settings.h"
#include "client/device_pins.h"
#include "client/e2e_records.h"
#include "client/history_store.h"
#include "e2e/device_sessions.h"
#include "pki/certificate.h"
#include "proto/environment.h"
#include "proto/messages.h"

namespace sc::client {

class E2eMessaging {
  public:
    using Completion = std::function<void(const Outcome&)>;
    using Clock = std::chrono::steady_clock;

    // What the controller does for it.
    class Host {
      public:
        virtual ~Host() = default;
        // Sends one request through the protocol session: the id it got, or nullopt when the
        // session refused it (the connection is ending).
        virtual std::optional<std::uint64_t> send_request(proto::msg::Request request) = 0;
        // Requests the controller itself has in flight.
        virtual std::size_t others_in_flight() const = 0;
        virtual void notify(const Notification& n) = 0;
        virtual void complete(Completion done, Outcome outcome) = 0;
    };

    // Opens the state and pins of our own device (the first certificate of `credentials`, which
    // must name `username`). Fails, in words, when the certificate or a file is not usable.
    // `server_certs` are the certificates this session's handshake verified, as the server
    // presented them (leaf first): stored statements must verify with the leaf, and the
    // conversation transcript keeps them all. `history` outlives this object.
    static Result<std::unique_ptr<E2eMessaging>, note::Error> open(
        const ClientSettings& settings, const ClientCredentials& credentials,
        const std::string& username, const std::vector<pki::Certificate>& server_certs,
        HistoryStore& history, proto::Clock& clock, proto::Entropy& entropy, Host& host);
    // The directory of our own device's end-to-end files (data_dir/e2e/<own fp hex>).
    static std::filesystem::path device_dir(const ClientSettings& settings,
                                            const ClientCredentials& credentials);
    ~E2eMessaging();

    // Asks the prekey status and publishes what is due (after open, once).
    void start();
    void send_message(std::string to, std::string text, Completion done);
    void show_devices(std::string user, Completion done);
    void trust(std::string user, std::string device, Completion done);

    // Whether request `id` is one of ours; its answer, then.
    bool owns(std::uint64_t id) const { return in_flight_.count(id) != 0; }
    void on_answer(const proto::msg::Answer& answer);
    void on_envelope(const proto::msg::Envelope& envelope);
    // Sends queued requests while the session has room (after any answer).
    void pump();
    // Sends `received` for the held ids made durable since the last call (after each read).
    void flush_received();
    // Reports stored copies whose `expires` has passed undelivered (from the history).
    void check_expiries();
    // The oldest of our requests past its deadline, named ("answer the 'bundle' request").
    std::optional<std::string> overdue(Clock::time_point now) const;
    std::size_t in_flight() const { return in_flight_.size(); }
    // The connection ended: commands still waiting fail with `failure` (told already).
    void stop(const note::Error& failure);

  private:
    struct Pending {
        proto::msg::Request request;
        std::function<void(const proto::msg::Answer&)> on_answer;
    };
    struct InFlight {
        std::string type;
        Clock::time_point deadline;
        std::function<void(const proto::msg::Answer&)> on_answer;
    };
    struct Outgoing;  // one /msg in progress (e2e_outgoing.h)

    E2eMessaging(const ClientSettings& settings, const ClientCredentials& credentials,
                 std::string username, const std::vector<pki::Certificate>& server_certs,
                 HistoryStore& history, proto::Clock& clock, proto::Entropy& entropy, Host& host,
                 e2e::DeviceSessions sessions, DevicePins pins, std::filesystem::path dir);

    void ask(proto::msg::Request request, std::function<void(const proto::msg::Answer&)> then);
    // A delivered statement, relayed to its sender's device; forgotten (history_) once the
    // server has stored it, else sent again at the next login. `then` runs on the answer.
    void send_delivered(const PendingDelivered& statement, std::function<void()> then = {});
    // At start: statements an earlier session made but the server never stored.
    void resend_owed_delivered();
    void send_owed();
    std::uint64_t begin(Completion done);
    void finish(std::uint64_t command, Outcome outcome);
    // Tells `error` and fails `command` with it.
    void refuse(std::uint64_t command, note::Error error);
    std::uint64_t now_ms() const;
    // Tells and records a warning about a conversation with `peer`.
    void warn(const std::string& peer, note::Warning warning);
    // Appends to the conversation's transcript; false (and told) when it could not.
    bool record(const std::string& peer, const std::string& line);
    // Refuses or warns for a device by its pin; true when it may be used.
    bool pin_allows(const e2e::VerifiedDevice& device, bool known_contact,
                    const std::string& conversation_peer);
    bool save_state();

    // The send path (e2e_send.cpp).
    void on_device_lists(const std::shared_ptr<Outgoing>& out);
    void prepare_copy(const std::shared_ptr<Outgoing>& out, std::size_t index);
    void seal_copy(const std::shared_ptr<Outgoing>& out, std::size_t index,
                   const e2e::VerifiedDevice& device, const e2e::VerifiedBundle* bundle);
    void copy_refused(const std::shared_ptr<Outgoing>& out, std::size_t index, std::string code,
                      std::string message);
    void copy_prepared(const std::shared_ptr<Outgoing>& out);
    void copy_relayed(const std::shared_ptr<Outgoing>& out, std::size_t index,
                      const proto::msg::Answer& answer);
    // The stored statements (e2e_stored.cpp): true when `stored` verifies and is recorded.
    bool accept_stored(const std::string& peer, const std::string& to,
                       const std::string& device_name, const std::string& fp_hex, std::uint64_t seq,
                       const MessageId& mid, ByteView envelope_sha256,
                       const proto::msg::Stored& stored);
    void refresh_next_expiry();
    // `held` is durably ours (or refused for good): say `received` for it.
    void acknowledge(std::uint64_t held);
    // The receive path (e2e_receive.cpp).
    void on_message(const proto::msg::Envelope& push, const e2e::ParsedEnvelope& parsed,
                    const e2e::VerifiedDevice& sender);
    void on_delivered(const proto::msg::Envelope& push, const e2e::ParsedEnvelope& parsed,
                      const e2e::VerifiedDevice& recipient);
    // A message id from `sender_fp` already accepted: dropped, acknowledged, and warned about
    // when this session took it already (a server pushing it twice).
    void on_duplicate(const proto::msg::Envelope& push, const std::string& peer,
                      const e2e::VerifiedDevice& sender);
    // Notes that this session was pushed `key` (sending fp/mid hex); false when it was already.
    bool remember_here(const std::string& key);
    static constexpr std::size_t kMaxRememberedHere = 4096;

    const ClientSettings& settings_;
    const ClientCredentials& credentials_;
    std::string username_;  // canonical
    proto::Clock& clock_;
    proto::Entropy& entropy_;
    Host& host_;
    e2e::DeviceSessions sessions_;
    DevicePins pins_;
    std::vector<pki::Certificate> server_certs_;  // as the handshake presented them
    HistoryStore& history_;
    ConversationLog log_;
    // Held ids made durable, not yet acknowledged (flush_received), and the messages this
    // session accepted (mid/fp), to tell a hostile server's double push from a redelivery.
    std::vector<std::uint64_t> to_acknowledge_;
    std::set<std::string> accepted_here_;
    std::optional<std::uint64_t> next_expiry_;
    std::deque<Pending> queue_;
    // Delivered statements owed from earlier sessions, sent a few at a time (e2e_delivered.cpp).
    std::deque<PendingDelivered> owed_;
    std::size_t owed_in_flight_ = 0;
    std::map<std::uint64_t, InFlight> in_flight_;
    // The commands still waiting, by number: each finishes once (or fails at stop()).
    std::map<std::uint64_t, Completion> commands_;
    std::uint64_t next_command_ = 1;
    bool stopped_ = false;
};

}  // namespace sc::client
