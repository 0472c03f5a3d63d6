// The server role (docs/PROTOCOL.md §3, server column). The owner answers RegisterRequested and
// LoginRequested events with accept_auth() or reject_auth(), and each client message it is to
// store (store_pending()) with acknowledge_stored() or terminate(); everything else is handled
// here.
#pragma once

#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key_exchange.h"
#include "pki/verify.h"
#include "proto/dispatch.h"
#include "proto/limits.h"
#include "proto/principal.h"
#include "proto/session_base.h"

namespace sc::proto {

struct ServerConfig {
    Identity identity;
    Trust trust;
    // Our preference order; the first one the client offered is chosen. ffdhe3072 is off by
    // default: ~8 ms of CPU per operation on the I/O thread (docs/adr/0001).
    std::vector<crypto::DhGroup> groups{crypto::DhGroup::x25519};
    std::vector<std::uint64_t> versions{kProtocolVersion};
    // Client certificates must carry one of these names; empty = any certificate from the CA.
    std::vector<std::string> allowed_client_names{};
    std::chrono::milliseconds ts_window = kDefaultTimestampWindow;
    std::uint64_t rekey_after_records = kDefaultRekeyAfterRecords;
    std::chrono::seconds rekey_after = kDefaultRekeyAfter;
    // Rekeys the client may start (M4): a bucket of `rekey_burst` tokens, one more per interval.
    std::uint32_t rekey_burst = kDefaultRekeyBurst;
    std::chrono::seconds rekey_token_interval = kDefaultRekeyTokenInterval;
    // The hard cap of records per epoch (§4.2, I1); lower only in tests.
    std::uint64_t max_records_per_epoch = kMaxRecordsPerEpoch;
};

class ServerSession final : public SessionBase {
  public:
    enum class Phase {
        waiting_hello,
        waiting_dh_client,
        waiting_auth,  // k_auth ready: register or login expected
        auth_pending,  // the owner is checking credentials
        waiting_chat_dh,
        chat,
        closing,  // our receipt sent
        closed,
    };

    ServerSession(ServerConfig config, const Clock& clock, Entropy& entropy);

    // The owner checked the credentials: `principal` is who this connection now speaks for
    // (its device is set here, from the verified client certificate).
    Output accept_auth(Principal principal, msg::AuthAction action);
    Output reject_auth(ErrorCode code, const std::string& message);
    // Server-initiated end (shutdown): sends our receipt, expects the client's.
    Output close();
    Output request_rekey();
    Output send_text(std::string text);  // server-originated chat message

    // The send path is validate, store, acknowledge (issue 9): a valid client `msg` yields its
    // TranscriptAppend and MessageReceived but not its ack, and the session reads no further
    // frame until the owner answers. The owner stores the transcript line, then calls
    // acknowledge_stored(seqno), which seals the ack (and a due rekey_request) and goes on with
    // the buffered input; or, if the store failed, terminate(): its `error` takes the record
    // the ack would have had, so the client never holds an ack for an unstored message.
    std::optional<std::uint64_t> store_pending() const;
    Output acknowledge_stored(std::uint64_t seqno);

    // Requests (§2.3): a request the principal's role allows yields RequestReceived, and the
    // session reads no further frame until the owner answers it (one in flight per session);
    // one it does not allow is answered `forbidden` here. answer() takes the answer's id from
    // the message, which must be the pending request's.
    std::optional<std::uint64_t> request_pending() const;
    Output answer(msg::Answer answer);
    // Presence and friend events, in the chat phase (dropped otherwise: the friend list is the
    // truth, these are hints). While a message waits for its store they wait too, up to
    // kMaxHeldPushes, and follow its ack.
    Output push(msg::Push push);
    // Ends the session for `code` (kicked, account_disabled, a revoked certificate): in chat,
    // `session_end` then our receipt, as close() does (while a message waits for its store,
    // after its ack); before chat, `error` with `code`.
    Output end_session(ErrorCode code, const std::string& message);

    Phase phase() const { return phase_; }
    const std::optional<pki::VerifiedCertificate>& client() const { return client_; }
    // Set by accept_auth; none before.
    const std::optional<Principal>& principal() const { return principal_; }

  private:
    ProtoResult<bool> on_handshake(const Frame& frame, msg::Outer message, Output& out) override;
    ProtoResult<bool> on_inner(msg::Inner message, Output& out) override;

    ProtoResult<pki::VerifiedCertificate> verify_client(const std::vector<Bytes>& certs);
    ProtoResult<bool> on_hello(const Frame& frame, const msg::Hello& m, Output& out);
    ProtoResult<bool> on_dh_client(const Frame& frame, const msg::DhClient& m, Output& out);
    ProtoResult<bool> on_chat_dh(const msg::ChatDhClient& m, Output& out);
    ProtoResult<bool> on_rekey(const msg::Rekey& m, Output& out, bool first);
    ProtoResult<bool> on_chat(const msg::Chat& m, Output& out);
    ProtoResult<bool> on_ack(const msg::Ack& m, Output& out);
    ProtoResult<bool> on_receipt(const msg::Receipt& m, Output& out);
    // One handler per sealed message, run once its dispatch rule allows it.
    ProtoResult<bool> handle(msg::Register& m, Output& out);
    ProtoResult<bool> handle(msg::Login& m, Output& out);
    ProtoResult<bool> handle(msg::ChatDhClient& m, Output& out);
    ProtoResult<bool> handle(msg::Chat& m, Output& out);
    ProtoResult<bool> handle(msg::Ack& m, Output& out);
    ProtoResult<bool> handle(msg::Rekey& m, Output& out);
    ProtoResult<bool> handle(msg::Receipt& m, Output& out);
    template <class RequestMessage>
    ProtoResult<bool> handle(RequestMessage& m, Output& out) requires
        msg::is_alternative_v<RequestMessage, msg::Request>;
    ProtoResult<bool> take_rekey_token();
    ProtoResult<bool> flush_held_pushes(Output& out);

    ServerConfig config_;
    Phase phase_ = Phase::waiting_hello;
    crypto::Sha256 handshake_hash_;
    Bytes nonce_c_;
    Bytes nonce_s_;
    std::optional<crypto::DhGroup> group_;
    std::optional<pki::VerifiedCertificate> client_;
    std::optional<Principal> principal_;
    std::uint32_t seen_once_ = 0;  // bit i: the message of dispatch rule i arrived
    std::optional<crypto::EphemeralKeyPair> ephemeral_;
    std::optional<msg::Receipt> own_receipt_;
    double rekey_tokens_ = 0;
    std::chrono::system_clock::time_point rekey_tokens_at_{};
    bool rekey_requested_in_epoch_ = false;
    std::optional<msg::Ack> held_ack_;  // validated, awaiting the owner's store
    std::optional<std::uint64_t> pending_request_;
    std::list<msg::Push> held_pushes_;  // a list: empty, it allocates nothing (idle sessions)
    std::optional<msg::SessionEnd> held_end_;  // end_session() while a store was pending
};

}  // namespace sc::proto
