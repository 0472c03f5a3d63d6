#include "client/errors_text.h"

#include <asio/error.hpp>

#include <cctype>
#include <optional>

#include "common/display_text.h"

namespace sc::client {
namespace {

// The words for the codes of issue 10 (users, friends, admin), shared by login failures,
// request answers and session_end. `message` is already rendered (display_text).
std::optional<std::string> users_code_text(proto::ErrorCode code, const std::string& message,
                                           const std::string& user) {
    using proto::ErrorCode;
    std::string who = user.empty() ? std::string("that user") : user;
    auto with = [&](std::string text) {
        return message.empty() ? text : text + " (the server says: " + message + ")";
    };
    switch (code) {
        case ErrorCode::identity_mismatch:
            return "this certificate belongs to another user: log in with the username it "
                   "names, or use your own certificate";
        case ErrorCode::account_disabled:
            return user.empty()
                       ? with("this account is disabled: an administrator can enable it again")
                       : with(who + "'s account is disabled: nothing can be sent to it");
        case ErrorCode::kicked:
            return with("an administrator ended this session");
        case ErrorCode::forbidden:
            return "only administrators can do that";
        case ErrorCode::invalid_request:
            return with("the server refused the request as malformed");
        case ErrorCode::no_such_user:
            return "there is no user " + who;
        case ErrorCode::not_pending:
            return "there is no friend request from " + who + " to answer";
        case ErrorCode::not_friends:
            return who + " is not your friend";
        case ErrorCode::no_such_device:
            return who + " has no such device that can receive end-to-end messages";
        case ErrorCode::quota_exceeded:
            return with("the server already keeps as many messages for that device of " + who +
                        " as it may: nothing was stored for it");
        case ErrorCode::bad_prekey:
            return with("a prekey's signature does not verify with the device's certificate");
        case ErrorCode::throttled:
            return with("too many messages or key requests: wait a moment and try again");
        case ErrorCode::limit_reached:
            return with("a limit was reached (friends, requests or devices)");
        case ErrorCode::unavailable:
            return with("the server cannot do that now; try again later");
        case ErrorCode::internal:
            return with("the server could not do that");
        default:
            return std::nullopt;
    }
}

}  // namespace

std::string seconds_text(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
        auto frac = std::to_string(1000 + ms % 1000).substr(1);
        frac.erase(frac.find_last_not_of('0') + 1);
        text += "." + frac;
    }
    return text + " s";
}

note::Error resolve_error(const ServerAddress& server, const std::error_code& ec) {
    return {code::connect_failed, "cannot find the server " + server.host + ": " + ec.message()};
}

note::Error connect_error(const ServerAddress& server, const std::error_code& ec) {
    std::string prefix = "cannot connect to " + server.text() + ": ";
    if (ec == asio::error::connection_refused) {
        // Nothing listens there: the server is not running, or it is another port.
        return {code::connection_refused, prefix + "connection refused"};
    }
    std::string reason = ec.message();
    if (!reason.empty()) {
        reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    return {code::connect_failed, prefix + reason};
}

note::Error connect_timeout(const ServerAddress& server, std::chrono::milliseconds timeout) {
    return {code::timeout,
            "cannot connect to " + server.text() + ": no answer within " + seconds_text(timeout)};
}

note::Error peer_error(std::string_view code, const std::string& raw_message) {
    using proto::ErrorCode;
    // Both come from the peer, possibly before any authentication (a plaintext `error` frame):
    // made inert here, so every interface shows them safely (M1).
    std::string c = display_text(code);
    std::string message = display_text(raw_message);
    auto known = proto::parse_error_code(code);
    if (!known) {
        return {c, "the server reported an error (" + c + "): " + message};
    }
    switch (*known) {
        case ErrorCode::auth_failed:
            // The server says the same for an unknown user, so neither do we distinguish.
            return {c, "wrong username or password"};
        case ErrorCode::throttled:
            // The server's own words carry the wait: "too many failed logins; try again in 4 s".
            return {c, message};
        case ErrorCode::registration_failed:
            return {c, "registration refused: " + message};
        case ErrorCode::bad_certificate:
            return {c, "the server refused our certificate: " + message};
        case ErrorCode::shutting_down:
            return {c, "the server is shutting down: " + message};
        case ErrorCode::unavailable:
            return {c, "the server cannot serve us now: " + message};
        case ErrorCode::timeout:
            return {c, "the server gave up waiting for us: " + message};
        case ErrorCode::identity_mismatch:
        case ErrorCode::account_disabled:
        case ErrorCode::kicked:
        case ErrorCode::forbidden:
            return {c, *users_code_text(*known, message, "")};
        default:
            return {c, "the server ended the session with an error (" + c + "): " + message};
    }
}

note::Error protocol_failure(const proto::ProtocolError& error) {
    std::string c(proto::error_code_name(error.code));
    // The message may quote the peer: a rejected certificate's names, an unknown field (M1).
    std::string message = display_text(error.message);
    if (error.code == proto::ErrorCode::bad_certificate) {
        // Keeps the PKI's reason: "certificate has expired [expired]: ...".
        return {c, "the server's certificate is not valid: " + message};
    }
    if (error.code == proto::ErrorCode::internal) {
        return {c, "the session failed on our side: " + message};
    }
    return {c, "the server sent something we refuse (" + c + "): " + message};
}

note::Error server_closed() {
    return {code::server_closed, "the server closed the session"};
}

note::Error request_error(proto::ErrorCode code, const std::string& raw_message,
                          const std::string& user) {
    std::string c(proto::error_code_name(code));
    std::string message = display_text(raw_message);
    if (auto text = users_code_text(code, message, display_text(user))) {
        return {c, *text};
    }
    return {c, "the server refused the request (" + c + ")" +
                   (message.empty() ? std::string() : ": " + message)};
}

std::string session_end_text(proto::ErrorCode code, const std::string& raw_message) {
    std::string message = display_text(raw_message);
    if (auto text = users_code_text(code, message, "")) {
        return *text;
    }
    std::string c(proto::error_code_name(code));
    return "the server ended this session (" + c + ")" +
           (message.empty() ? std::string() : ": " + message);
}

note::Error answer_timeout(const std::string& what, std::chrono::milliseconds timeout) {
    return {code::timeout, "the server did not " + what + " within " + seconds_text(timeout)};
}

}  // namespace sc::client
