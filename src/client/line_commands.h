// The commands of line mode, one per input line:
//   /register EMAIL USERNAME PASSWORD    /login USERNAME PASSWORD    /sleep SECONDS    /quit
//   /friend request|accept|decline|remove USER    /friends
//   /who    /useradd EMAIL USERNAME PASSWORD    /disable USER    /enable USER    /kick USER
//   /msg USER TEXT    /devices USER    /trust USER DEVICE   (end to end, docs/PROTOCOL.md §10)
//   /history USER [N]    /disclose USER MID FILE    (this device's history, history_store.h)
//   /help    anything else is a message; "//" at the start sends one leading "/".
// A PASSWORD is the rest of the line after the username, so it may contain spaces. Every USER
// is checked against the username rules (common/usernames.h) here, so a bad one sends nothing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "proto/messages.h"

namespace sc::client {

namespace cmd {
struct Register {
    std::string email;
    std::string username;
    std::string password;
};
struct Login {
    std::string username;
    std::string password;
};
struct Say {
    std::string text;
};
struct Sleep {
    std::chrono::milliseconds duration{0};
};
// A request of docs/PROTOCOL.md §2.3, ready for ChatController::request (the session numbers
// it). A /useradd password is already in wiped memory (SecretBytes).
struct Request {
    proto::msg::Request request;
};
// End to end (ChatController::send_to, list_devices, trust_device).
struct SendTo {
    std::string user;
    std::string text;
};
struct ShowDevices {
    std::string user;
};
struct TrustDevice {
    std::string user;
    std::string device;
};
// The history (ChatController::history, disclose).
struct ShowHistory {
    std::string user;
    std::size_t count = 0;  // 1 to kMaxHistoryShown
};
struct Disclose {
    std::string user;
    std::string mid;  // 32 lowercase hex digits
    std::string file;
};
struct Quit {};
struct Help {};
struct Blank {};  // an empty line: nothing to do (an empty message is not worth a signature)
}  // namespace cmd

using LineCommand = std::variant<cmd::Register, cmd::Login, cmd::Say, cmd::Sleep, cmd::Request,
                                 cmd::SendTo, cmd::ShowDevices, cmd::TrustDevice, cmd::ShowHistory,
                                 cmd::Disclose, cmd::Quit, cmd::Help, cmd::Blank>;

inline constexpr std::chrono::seconds kMaxSleep{24 * 3600};

// Parses one line (without its newline; a trailing '\r' is dropped). The error says what is
// wrong and how the command is written.
Result<LineCommand> parse_line(std::string_view line);

// True for the names of the request commands above ("/friend", "/who", ...), which the terminal
// UI parses with parse_line too.
bool is_request_command(std::string_view name);
// True for /msg, /devices, /trust, /history and /disclose (end to end), which the terminal UI
// parses with parse_line too.
bool is_e2e_command(std::string_view name);

// The commands, for /help and for the note shown at a terminal.
const char* line_mode_help();

}  // namespace sc::client
