// Every way a chat session can go wrong, in plain words: which certificate check failed, that
// nobody listens on the port, a wrong username or password (one text for both, as the server
// sends), how long a throttled login must wait, that the server closed the session. The codes
// are the protocol's (docs/PROTOCOL.md §8) where the protocol names the failure, else those
// below; scripts match on codes, people read messages.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

#include "client/chat_events.h"
#include "client/client_settings.h"
#include "proto/errors.h"

namespace sc::client {

namespace code {
inline constexpr const char* connection_refused = "connection_refused";
inline constexpr const char* connect_failed = "connect_failed";  // resolve, unreachable, ...
inline constexpr const char* timeout = "timeout";                // no answer in --timeout
inline constexpr const char* server_closed = "server_closed";
inline constexpr const char* bad_command = "bad_command";  // line mode could not parse a line
inline constexpr const char* not_logged_in = "not_logged_in";
inline constexpr const char* already_logged_in = "already_logged_in";
inline constexpr const char* busy = "busy";                 // a command that cannot run now
inline constexpr const char* bad_text = "bad_text";         // too long, or not UTF-8
inline constexpr const char* evidence = "evidence_failed";  // transcript or receipts not saved
inline constexpr const char* settings = "bad_settings";     // files given on the command line
inline constexpr const char* cancelled = "cancelled";
}  // namespace code

note::Error resolve_error(const ServerAddress& server, const std::error_code& ec);
note::Error connect_error(const ServerAddress& server, const std::error_code& ec);
note::Error connect_timeout(const ServerAddress& server, std::chrono::milliseconds timeout);
// The server sent `error` (it refused us, our login, or gave up). Its code and message are
// untrusted (a plaintext `error` can come from anyone before the handshake): both are rendered
// by display_text, and so is the peer text a ProtocolError quotes.
note::Error peer_error(std::string_view code, const std::string& raw_message);
// We refused what the server sent (its certificate, a signature, ...); an `error` went back.
note::Error protocol_failure(const proto::ProtocolError& error);
note::Error server_closed();
// A request (§2.3) the server answered with a `result` that has a code. `user` is whom the
// request named (checked locally, so safe to show), or empty; the message is the server's.
note::Error request_error(proto::ErrorCode code, const std::string& raw_message,
                          const std::string& user);
// Why the server ended the session (session_end: kicked, account_disabled, ...), in plain words.
std::string session_end_text(proto::ErrorCode code, const std::string& raw_message);
// No answer within the timeout: `what` is "complete the handshake", "answer the login", ...
note::Error answer_timeout(const std::string& what, std::chrono::milliseconds timeout);

// "10 s", "1.5 s"
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace sc::client
