// The commands only the terminal UI has (conversations and the security views), parsed from one
// input line, and its /help text:
//   /open [USER]     open the conversation with USER (without USER: the server's)
//   /details [N]     what protects message #N of the open conversation (without N: the last)
//   /msg USER TEXT   send TEXT to USER (end to end) without leaving the open conversation
// Every other line is left to the caller (line mode's commands, then text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace sc::client::tui {

namespace tc {
struct Open {
    std::string user;  // "" for the server's conversation
};
struct Details {
    std::optional<std::uint64_t> seqno;
};
struct NotOurs {};  // a line for line mode's parser (/msg among them), or a message
}  // namespace tc

using TuiCommand = std::variant<tc::Open, tc::Details, tc::NotOurs>;

// The error says what is wrong and how the command is written; no word of the line is quoted
// except a username or a number.
Result<TuiCommand> parse_tui_command(std::string_view line);

const std::vector<std::string>& tui_help_lines();

}  // namespace sc::client::tui
