// Protocol errors: what a peer did wrong, with a code that travels in `error` messages
// (docs/PROTOCOL.md §8) and a message in plain words. Our own broken invariants are asserts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sc::pki {
// Defined in pki/verify.h; an opaque declaration of a scoped enum is a complete type, so the
// error type need not pull in the certificate headers.
enum class CertError;
}  // namespace sc::pki

namespace sc::proto {

enum class ErrorCode {
    malformed,
    frame_too_large,
    bad_base64,
    unexpected_message,
    unsupported_version,
    no_common_group,
    bad_certificate,
    bad_handshake_signature,
    bad_share,
    decrypt_failed,
    replay,
    out_of_order,
    stale_timestamp,
    bad_message_signature,
    transcript_mismatch,
    key_exhausted,
    auth_failed,
    throttled,
    registration_failed,
    internal,
    timeout,
    shutting_down,
    unavailable,
    bad_text,  // a msg whose text is not valid UTF-8 (§6)
    // Users (issue 10, §2.3). The first three end a session; the rest answer one request in a
    // `result` and the session goes on.
    identity_mismatch,  // register/login for a username the client certificate does not name
    account_disabled,   // login to, or a live session of, a disabled account
    kicked,             // an admin ended this session (`session_end`)
    forbidden,          // a request this account's role may not make
    invalid_request,    // a request whose fields break a rule (the message names it)
    no_such_user,       // an admin request about an account that does not exist
    not_pending,        // accept/decline with no request from that user
    not_friends,        // remove of a user who is not a friend
    limit_reached,      // a bound of proto/limits.h (friends, requests, devices)
    // End to end (issue 11, §2.4): answers to one request, the session goes on.
    no_such_device,  // a bundle or send for a device the user does not have (with prekeys)
    // Nothing lost (issue 12, §2.4): send, when the recipient device's stored envelopes are at
    // the server's quota ([limits] held_per_device, held_bytes_per_device); nothing is stored.
    quota_exceeded,
    bad_prekey,  // prekeys: a key or signature that does not verify with this device's key
};

std::string_view error_code_name(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view name);

struct ProtocolError {
    ErrorCode code;
    std::string message;
    // Why a certificate was refused (with ErrorCode::bad_certificate): callers and tests ask
    // this, never the text. The message still names it ("... [expired]: ...") for people.
    std::optional<pki::CertError> cert_error{};
    // "bad_certificate: certificate has expired [expired]: ..."
    std::string text() const;
};

template <class T>
using ProtoResult = Result<T, ProtocolError>;

// Peer bytes quoted in an error text: at most `max_bytes` of them, cut at a character boundary
// and made visible with display_text (controls, invalid UTF-8), so the text stays valid UTF-8
// and safe to show (security review L1).
std::string quote_peer(std::string_view untrusted, std::size_t max_bytes);
// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

inline Failure<ProtocolError> proto_fail(ErrorCode code, std::string message) {
    return Failure<ProtocolError>{ProtocolError{code, std::move(message)}};
}
// A refused certificate: bad_certificate with its typed reason.
inline Failure<ProtocolError> certificate_fail(pki::CertError reason, std::string message) {
    return Failure<ProtocolError>{
        ProtocolError{ErrorCode::bad_certificate, std::move(message), reason}};
}

}  // namespace sc::proto
