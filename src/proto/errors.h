// Protocol errors: what a peer did wrong, with a code that travels in `error` messages
// (docs/PROTOCOL.md §8) and a message in plain words. Our own broken invariants are asserts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

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
};

std::string_view error_code_name(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view name);

struct ProtocolError {
    ErrorCode code;
    std::string message;
    // "bad_certificate: certificate has expired [expired]: ..."
    std::string text() const;
};

template <class T>
using ProtoResult = Result<T, ProtocolError>;

inline Failure<ProtocolError> proto_fail(ErrorCode code, std::string message) {
    return Failure<ProtocolError>{ProtocolError{code, std::move(message)}};
}

}  // namespace sc::proto
