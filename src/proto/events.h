// What a session tells its owner after consuming input: frames to send, events, and whether the
// connection must now be closed. The core does no I/O; the owner (server, client, test) does.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/secret.h"
#include "pki/certificate.h"
#include "proto/errors.h"
#include "proto/hashes.h"
#include "proto/messages.h"

namespace sc::proto {

namespace event {
struct HandshakeDone {
    pki::Certificate peer;  // verified leaf
    SessionId session_id;
    std::vector<pki::Certificate> peer_certs;  // as presented: the leaf, its intermediates
};
struct RegisterRequested {  // server: the owner must answer accept_auth or reject_auth
    std::string email;
    std::string username;
    crypto::SecretBytes password;
};
struct LoginRequested {
    std::string username;
    crypto::SecretBytes password;
};
struct Authenticated {  // client: auth_ok received
    std::string username;
    msg::AuthAction action;
};
struct ChatReady {  // k_chat installed, k_auth wiped
    std::uint32_t epoch;
};
struct Rekeyed {
    std::uint32_t epoch;
};
// `salt` with `text` discloses one message later: it opens the commitment in its transcript line.
struct MessageReceived {
    std::uint64_t seqno;
    std::uint64_t ts;
    std::string text;
    Bytes salt;
};
struct MessageSent {
    std::uint64_t seqno;
    std::uint64_t ts;
    Bytes salt;
};
struct Acknowledged {
    std::uint64_t seqno;
};
struct TranscriptAppend {  // append this text to the session's transcript file (header first)
    std::string text;
};
struct ReceiptsExchanged {
    msg::Receipt own;
    msg::Receipt peer;
    TranscriptHash transcript_sha256;
};
struct PeerError {  // the peer sent `error`
    std::string code;
    std::string message;
};
struct Failed {  // we refused the peer's input; an `error` was sent when possible
    ProtocolError error;
};
struct Refused {  // a local request that cannot be done now (the session goes on)
    std::string reason;
};
// ---- users (§2.3) ----
struct RequestReceived {  // server: the owner must answer() it; input waits until then
    msg::Request request;
};
struct RequestSent {  // client: a request went out with this id
    std::uint64_t id;
    std::string_view type;
};
struct Answered {  // client: the server answered request `id` (request_id(answer))
    msg::Answer answer;
    std::string_view request_type;
};
struct Pushed {  // client: presence or a friend event
    msg::Push push;
};
struct SessionEnding {  // client: the server ends this session for this reason; receipts follow
    ErrorCode code;
    std::string message;
};
}  // namespace event

using Event =
    std::variant<event::HandshakeDone, event::RegisterRequested, event::LoginRequested,
                 event::Authenticated, event::ChatReady, event::Rekeyed, event::MessageReceived,
                 event::MessageSent, event::Acknowledged, event::TranscriptAppend,
                 event::ReceiptsExchanged, event::PeerError, event::Failed, event::Refused,
                 event::RequestReceived, event::RequestSent, event::Answered, event::Pushed,
                 event::SessionEnding>;

struct Output {
    std::vector<Bytes> send;
    std::vector<Event> events;
    bool close = false;

    void append(Output&& other);
};

}  // namespace sc::proto
