#include "proto/errors.h"

#include <array>
#include <utility>

#include "common/display_text.h"

namespace sc::proto {
namespace {

constexpr std::array<std::pair<ErrorCode, std::string_view>, 36> kNames{{
    {ErrorCode::malformed, "malformed"},
    {ErrorCode::frame_too_large, "frame_too_large"},
    {ErrorCode::bad_base64, "bad_base64"},
    {ErrorCode::unexpected_message, "unexpected_message"},
    {ErrorCode::unsupported_version, "unsupported_version"},
    {ErrorCode::no_common_group, "no_common_group"},
    {ErrorCode::bad_certificate, "bad_certificate"},
    {ErrorCode::bad_handshake_signature, "bad_handshake_signature"},
    {ErrorCode::bad_share, "bad_share"},
    {ErrorCode::decrypt_failed, "decrypt_failed"},
    {ErrorCode::replay, "replay"},
    {ErrorCode::out_of_order, "out_of_order"},
    {ErrorCode::stale_timestamp, "stale_timestamp"},
    {ErrorCode::bad_message_signature, "bad_message_signature"},
    {ErrorCode::transcript_mismatch, "transcript_mismatch"},
    {ErrorCode::key_exhausted, "key_exhausted"},
    {ErrorCode::auth_failed, "auth_failed"},
    {ErrorCode::throttled, "throttled"},
    {ErrorCode::registration_failed, "registration_failed"},
    {ErrorCode::internal, "internal"},
    {ErrorCode::timeout, "timeout"},
    {ErrorCode::shutting_down, "shutting_down"},
    {ErrorCode::unavailable, "unavailable"},
    {ErrorCode::bad_text, "bad_text"},
    {ErrorCode::identity_mismatch, "identity_mismatch"},
    {ErrorCode::account_disabled, "account_disabled"},
    {ErrorCode::kicked, "kicked"},
    {ErrorCode::forbidden, "forbidden"},
    {ErrorCode::invalid_request, "invalid_request"},
    {ErrorCode::no_such_user, "no_such_user"},
    {ErrorCode::not_pending, "not_pending"},
    {ErrorCode::not_friends, "not_friends"},
    {ErrorCode::limit_reached, "limit_reached"},
    {ErrorCode::no_such_device, "no_such_device"},
    {ErrorCode::bad_prekey, "bad_prekey"},
    {ErrorCode::quota_exceeded, "quota_exceeded"},
}};

}  // namespace

std::string_view error_code_name(ErrorCode code) {
    for (const auto& [c, name] : kNames) {
        if (c == code) {
            return name;
        }
    }
    return "internal";
}

std::optional<ErrorCode> parse_error_code(std::string_view name) {
    for (const auto& [c, n] : kNames) {
        if (n == name) {
            return c;
        }
    }
    return std::nullopt;
}

std::string ProtocolError::text() const {
    return std::string(error_code_name(code)) + ": " + message;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    // Back off over continuation bytes (10xxxxxx) to the start of the cut character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

std::string quote_peer(std::string_view untrusted, std::size_t max_bytes) {
    auto shown = display_text(utf8_prefix(untrusted, max_bytes));
    return untrusted.size() > max_bytes ? shown + "..." : shown;
}

}  // namespace sc::proto
