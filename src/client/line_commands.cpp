#include "client/line_commands.h"

#include <array>
#include <cmath>
#include <cstdlib>

#include "client/history_store.h"
#include "common/display_text.h"
#include "common/ids.h"
#include "common/usernames.h"

namespace sc::client {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// Takes the next space-separated word off the front of `rest`.
std::string_view next_word(std::string_view& rest) {
    std::size_t start = 0;
    while (start < rest.size() && is_space(rest[start])) {
        ++start;
    }
    std::size_t end = start;
    while (end < rest.size() && !is_space(rest[end])) {
        ++end;
    }
    auto word = rest.substr(start, end - start);
    rest.remove_prefix(end);
    return word;
}

// The rest of the line after the separating spaces, kept as typed (passwords may hold spaces).
std::string_view remainder(std::string_view rest) {
    std::size_t start = 0;
    while (start < rest.size() && is_space(rest[start])) {
        ++start;
    }
    return rest.substr(start);
}

Failure<Error> usage(const std::string& what) {
    return fail("usage: " + what);
}

Result<LineCommand> parse_sleep(std::string_view rest) {
    auto word = next_word(rest);
    if (word.empty() || !remainder(rest).empty()) {
        return usage("/sleep SECONDS (e.g. /sleep 2 or /sleep 0.5)");
    }
    std::string text(word);
    char* end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(seconds) || seconds < 0 ||
        seconds > static_cast<double>(kMaxSleep.count())) {
        return fail("/sleep needs a number of seconds from 0 to " +
                    std::to_string(kMaxSleep.count()) + ", not '" + text + "'");
    }
    return LineCommand{cmd::Sleep{std::chrono::milliseconds(std::llround(seconds * 1000))}};
}

// A USER argument: present, alone, and a valid username, or a clear local error.
Result<std::string> one_user(std::string_view rest, const std::string& how) {
    auto user = next_word(rest);
    if (user.empty() || !remainder(rest).empty()) {
        return usage(how);
    }
    if (auto problem = username_problem(user)) {
        return fail("'" + display_text(user.substr(0, 40)) + "' is not a username: " + *problem +
                    "; nothing was sent");
    }
    return std::string(user);
}

LineCommand request(proto::msg::Request r) {
    return LineCommand{cmd::Request{std::move(r)}};
}

Result<LineCommand> parse_friend(std::string_view rest) {
    namespace msg = proto::msg;
    const std::string how = "/friend request|accept|decline|remove USER";
    auto word = next_word(rest);
    constexpr std::array ops{msg::FriendOp::request, msg::FriendOp::accept, msg::FriendOp::decline,
                             msg::FriendOp::remove};
    for (auto op : ops) {
        if (word == msg::wire_name(op)) {
            SC_TRY_ASSIGN(auto user, one_user(rest, how));
            return request(msg::FriendCommand{.op = op, .user = std::move(user)});
        }
    }
    return usage(how);
}

Result<LineCommand> parse_user_add(std::string_view rest) {
    auto email = next_word(rest);
    auto username = next_word(rest);
    auto password = remainder(rest);
    if (email.empty() || username.empty() || password.empty()) {
        return usage("/useradd EMAIL USERNAME PASSWORD");
    }
    // No word of this line is quoted back: typed out of order, any of them may be the password.
    if (auto problem = username_problem(username)) {
        return fail("the second word of /useradd EMAIL USERNAME PASSWORD is not a username: " +
                    *problem + "; nothing was sent");
    }
    // Straight into wiped memory; the caller wipes the line it came from.
    return request(proto::msg::UserAdd{.email = std::string(email),
                                       .username = std::string(username),
                                       .password = crypto::SecretBytes(as_bytes(password))});
}

Result<LineCommand> parse_msg(std::string_view rest) {
    const std::string how = "/msg USER TEXT";
    auto user = next_word(rest);
    auto text = remainder(rest);
    if (user.empty() || text.empty()) {
        return usage(how);
    }
    SC_TRY_ASSIGN(auto name, one_user(user, how));
    return LineCommand{cmd::SendTo{std::move(name), std::string(text)}};
}

Result<LineCommand> parse_trust(std::string_view rest) {
    const std::string how = "/trust USER DEVICE";
    auto user = next_word(rest);
    auto device = next_word(rest);
    if (user.empty() || device.empty() || !remainder(rest).empty()) {
        return usage(how);
    }
    SC_TRY_ASSIGN(auto name, one_user(user, how));
    if (auto problem = device_name_problem(device)) {
        return fail("'" + display_text(device.substr(0, 40)) +
                    "' is not a device name: " + *problem + "; nothing was changed");
    }
    return LineCommand{cmd::TrustDevice{std::move(name), std::string(device)}};
}

Result<LineCommand> parse_history(std::string_view rest) {
    const std::string how = "/history USER [N] (N from 1 to " + std::to_string(kMaxHistoryShown) +
                            ", " + std::to_string(kDefaultHistoryShown) + " when left out)";
    auto user = next_word(rest);
    auto count = next_word(rest);
    if (user.empty() || !remainder(rest).empty()) {
        return usage(how);
    }
    SC_TRY_ASSIGN(auto name, one_user(user, how));
    std::size_t n = kDefaultHistoryShown;
    if (!count.empty()) {
        n = 0;
        for (char c : count) {
            if (c < '0' || c > '9' || n > kMaxHistoryShown) {
                return usage(how);
            }
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (n == 0 || n > kMaxHistoryShown) {
            return usage(how);
        }
    }
    return LineCommand{cmd::ShowHistory{std::move(name), n}};
}

Result<LineCommand> parse_disclose(std::string_view rest) {
    const std::string how = "/disclose USER MID FILE (MID: the message id, 32 hex digits)";
    auto user = next_word(rest);
    auto mid = next_word(rest);
    auto file = remainder(rest);
    if (user.empty() || mid.empty() || file.empty()) {
        return usage(how);
    }
    SC_TRY_ASSIGN(auto name, one_user(user, how));
    bool hex = mid.size() == 2 * kMessageIdBytes &&
               mid.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (!hex) {
        return usage(how);
    }
    return LineCommand{cmd::Disclose{std::move(name), std::string(mid), std::string(file)}};
}

}  // namespace

bool is_e2e_command(std::string_view name) {
    return name == "/msg" || name == "/devices" || name == "/trust" || name == "/history" ||
           name == "/disclose";
}

bool is_request_command(std::string_view name) {
    return name == "/friend" || name == "/friends" || name == "/who" || name == "/useradd" ||
           name == "/disable" || name == "/enable" || name == "/kick";
}

Result<LineCommand> parse_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return LineCommand{cmd::Blank{}};
    }
    if (line.front() != '/') {
        return LineCommand{cmd::Say{std::string(line)}};
    }
    if (line.size() > 1 && line[1] == '/') {
        return LineCommand{cmd::Say{std::string(line.substr(1))}};
    }
    std::string_view rest = line;
    auto name = next_word(rest);
    if (name == "/register") {
        auto email = next_word(rest);
        auto username = next_word(rest);
        auto password = remainder(rest);
        if (email.empty() || username.empty() || password.empty()) {
            return usage("/register EMAIL USERNAME PASSWORD");
        }
        return LineCommand{
            cmd::Register{std::string(email), std::string(username), std::string(password)}};
    }
    if (name == "/login") {
        auto username = next_word(rest);
        auto password = remainder(rest);
        if (username.empty() || password.empty()) {
            return usage("/login USERNAME PASSWORD");
        }
        return LineCommand{cmd::Login{std::string(username), std::string(password)}};
    }
    if (name == "/sleep") {
        return parse_sleep(rest);
    }
    if (name == "/friend") {
        return parse_friend(rest);
    }
    if (name == "/useradd") {
        return parse_user_add(rest);
    }
    if (name == "/msg") {
        return parse_msg(rest);
    }
    if (name == "/devices") {
        SC_TRY_ASSIGN(auto user, one_user(rest, "/devices USER"));
        return LineCommand{cmd::ShowDevices{std::move(user)}};
    }
    if (name == "/trust") {
        return parse_trust(rest);
    }
    if (name == "/history") {
        return parse_history(rest);
    }
    if (name == "/disclose") {
        return parse_disclose(rest);
    }
    if (name == "/friends" || name == "/who") {
        if (!remainder(rest).empty()) {
            return usage(std::string(name) + " (no arguments)");
        }
        return name == "/who" ? request(proto::msg::Who{}) : request(proto::msg::ListFriends{});
    }
    if (name == "/disable" || name == "/enable" || name == "/kick") {
        using proto::msg::UserOp;
        auto op = name == "/disable"  ? UserOp::disable
                  : name == "/enable" ? UserOp::enable
                                      : UserOp::kick;
        SC_TRY_ASSIGN(auto user, one_user(rest, std::string(name) + " USER"));
        return request(proto::msg::UserCommand{.op = op, .user = std::move(user)});
    }
    if (name == "/quit" || name == "/help") {
        if (!remainder(rest).empty()) {
            return usage(std::string(name) + " (no arguments)");
        }
        return name == "/quit" ? LineCommand{cmd::Quit{}} : LineCommand{cmd::Help{}};
    }
    return fail("unknown command " + std::string(name).substr(0, 32) +
                " (try /help; start a message with // to send a leading /)");
}

const char* line_mode_help() {
    return "commands: /register EMAIL USERNAME PASSWORD, /login USERNAME PASSWORD, "
           "/msg USER TEXT (end to end, to every device of USER and your other devices), "
           "/devices USER (their devices and fingerprints), /trust USER DEVICE (accept a changed "
           "device after checking its fingerprint with USER), /history USER [N] (the last N "
           "messages with USER, 20 by default), /disclose USER MID FILE (write one message's "
           "text and salt to FILE, for securechat verify), "
           "/friend request|accept|decline|remove USER, /friends, "
           "/who, /useradd EMAIL USERNAME PASSWORD, /disable USER, /enable USER, /kick USER "
           "(admins), /sleep SECONDS, /quit (end of input quits too); any other line is a "
           "message (// sends a leading /)";
}

}  // namespace sc::client
