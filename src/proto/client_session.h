// The client role (docs/PROTOCOL.md §3, client column): every transition of the client in one
// place. Consumes bytes, produces bytes and events; no sockets.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key_exchange.h"
#include "pki/verify.h"
#include "proto/limits.h"
#include "proto/session_base.h"

namespace sc::proto {

struct ClientConfig {
    Identity identity;
    Trust trust;
    std::string server_name;  // the name the server's certificate must carry
    std::vector<crypto::DhGroup> groups{crypto::DhGroup::x25519, crypto::DhGroup::ffdhe3072};
    std::vector<std::uint64_t> versions{kProtocolVersion};
    std::chrono::milliseconds ts_window = kDefaultTimestampWindow;
    std::uint64_t rekey_after_records = kDefaultRekeyAfterRecords;
    std::chrono::seconds rekey_after = kDefaultRekeyAfter;
    std::size_t max_queued_texts = 1024;
    // The hard cap of records per epoch (§4.2, I1); lower only in tests.
    std::uint64_t max_records_per_epoch = kMaxRecordsPerEpoch;
};

class ClientSession final : public SessionBase {
  public:
    enum class Phase {
        idle,
        hello_sent,         // waiting for server_hello
        server_hello_seen,  // waiting for dh_server
        authenticating,     // k_auth ready: register or login
        auth_sent,
        chat_dh_sent,  // DH #2 in flight
        chat,
        rekey_sent,
        closing,  // receipt sent (or waiting for acks before sending it)
        closed,
    };

    ClientSession(ClientConfig config, const Clock& clock, Entropy& entropy);

    Output start();
    Output register_user(std::string email, std::string username, crypto::SecretBytes password);
    Output login(std::string username, crypto::SecretBytes password);
    // Sends a chat message (queued while a rekey is in flight).
    Output send_text(std::string text);
    // For `securechat attack tamper` only: a msg sealed and signed as send_text would, but
    // timestamped `ts` and then changed by `alter` before it is put in its record, as a malicious
    // client holding the keys could send it. The session counts it as sent.
    Output send_crafted_text(std::string text, std::uint64_t ts,
                             const std::function<void(msg::Chat&)>& alter);
    Output rekey();
    // Ends the session properly: waits for outstanding acks, then exchanges receipts.
    Output close();
    // Sends a request (§2.3) with the next id, which RequestSent reports; the answer comes as
    // Answered. At most kMaxRequestsInFlight unanswered; none once close() was asked.
    Output request(msg::Request request);

    Phase phase() const { return phase_; }

  private:
    ProtoResult<bool> on_handshake(const Frame& frame, msg::Outer message, Output& out) override;
    ProtoResult<bool> on_inner(msg::Inner message, Output& out) override;

    ProtoResult<bool> on_server_hello(const Frame& frame, const msg::ServerHello& m);
    ProtoResult<bool> on_dh_server(const Frame& frame, const msg::DhServer& m, Output& out);
    ProtoResult<bool> on_auth_ok(const msg::AuthOk& m, Output& out);
    ProtoResult<bool> on_chat_dh_server(const msg::ChatDhServer& m, Output& out);
    ProtoResult<bool> on_rekey(const msg::Rekey& m, Output& out);
    ProtoResult<bool> on_chat(const msg::Chat& m, Output& out);
    ProtoResult<bool> on_ack(const msg::Ack& m, Output& out);
    ProtoResult<bool> on_receipt(const msg::Receipt& m, Output& out);
    ProtoResult<bool> on_answer(msg::Answer answer, Output& out);
    ProtoResult<bool> on_user_message(msg::ClientInboundRecord& message, Output& out);
    ProtoResult<bool> send_chat_now(const std::string& text, Output& out);
    ProtoResult<bool> start_rekey(Output& out);
    ProtoResult<bool> send_receipt(Output& out);
    // Sends now, or, while our rekey share is in flight, after the switch (§4.2: the client
    // sends nothing between its share and the reply).
    ProtoResult<bool> send_or_defer(msg::Inner message, Output& out);
    Output guarded(Phase required, const char* action, auto&& body);

    ClientConfig config_;
    Phase phase_ = Phase::idle;
    crypto::Sha256 handshake_hash_;
    Bytes nonce_c_;
    Bytes nonce_s_;
    std::optional<crypto::DhGroup> group_;
    std::optional<pki::VerifiedCertificate> server_;
    std::optional<crypto::EphemeralKeyPair> ephemeral_;
    std::deque<std::string> queued_;
    std::deque<msg::Inner> deferred_;
    bool close_requested_ = false;
    bool receipt_sent_ = false;
    bool finished_after_receipt_ = false;
    std::optional<msg::Receipt> own_receipt_;
    std::uint64_t next_request_id_ = 1;
    std::map<std::uint64_t, std::string_view> requests_in_flight_;  // id -> the request's type
};

}  // namespace sc::proto
