#include "client/tui/tui_commands.h"

#include <charconv>

#include "common/display_text.h"
#include "common/usernames.h"

namespace sc::client::tui {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

// "/name" alone or "/name " followed by the rest, which is returned.
std::optional<std::string_view> command(std::string_view line, std::string_view name) {
    if (line.substr(0, name.size()) != name) {
        return std::nullopt;
    }
    if (line.size() == name.size()) {
        return std::string_view{};
    }
    if (line[name.size()] != ' ' && line[name.size()] != '\t') {
        return std::nullopt;
    }
    return trim(line.substr(name.size()));
}

Result<std::string> user_word(std::string_view word, const char* usage) {
    if (auto problem = username_problem(word)) {
        return fail("'" + display_text(word.substr(0, 40)) + "' is not a username: " + *problem +
                    "; " + usage);
    }
    return std::string(word);
}

}  // namespace

Result<TuiCommand> parse_tui_command(std::string_view line) {
    line = trim(line);
    if (auto rest = command(line, "/open")) {
        if (rest->empty() || *rest == "server") {
            return TuiCommand{tc::Open{}};
        }
        auto user = user_word(*rest, "usage: /open USER (or /open for the server's conversation)");
        if (!user) {
            return fail(user.error().message);
        }
        return TuiCommand{tc::Open{*user}};
    }
    if (auto rest = command(line, "/details")) {
        if (rest->empty()) {
            return TuiCommand{tc::Details{}};
        }
        std::string_view n = *rest;
        if (n.front() == '#') {
            n.remove_prefix(1);
        }
        std::uint64_t seqno = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), seqno);
        if (ec != std::errc{} || end != n.data() + n.size() || seqno == 0) {
            return fail("usage: /details [N], N the number (#N) of a message in this conversation");
        }
        return TuiCommand{tc::Details{seqno}};
    }
    return TuiCommand{tc::NotOurs{}};
}

const std::vector<std::string>& tui_help_lines() {
    static const std::vector<std::string> lines = {
        "commands:",
        "  /register            create an account (asks for email, username, password)",
        "  /login [USERNAME]    log in (asks for what it needs; the password is not shown)",
        "  /open USER           open the conversation with USER (end to end); /open: the server's",
        "  /msg USER TEXT       send TEXT to USER without leaving this conversation",
        "  /details [N]         what protects message #N here (the last without N): ciphertext,",
        "                       signature, commitment, key fingerprints, ratchet step; never a key",
        "  /devices USER  /trust USER DEVICE   USER's devices; accept a changed one after checking",
        "  /friend request|accept|decline|remove USER    /friends    friends and requests",
        "  /who  /useradd EMAIL USERNAME  /disable USER  /enable USER  /kick USER   (admins)",
        "  /quit                end the session properly: receipts exchanged and saved",
        "  /help                this list",
        "  anything else        a message to the open conversation (after logging in)",
        "marks: … sending  → taken by the server  ✓ acknowledged by the server (its conversation)",
        "  ✓ relayed N: relayed to N devices  ✓✓ delivered D/N: signed delivery from D of them",
        "  ✗ failed (✗ 1 quota_exceeded: copies that did not go)",
        "keys: Ctrl-N/Ctrl-P next/previous conversation, PageUp/PageDown scroll",
        "  ←/→ Home End Backspace Delete, ↑/↓ history, Ctrl-U/Ctrl-K/Ctrl-W delete",
        "bar: [open] conversation, ● online ○ offline · not a friend, (N) unread, ! a warning",
        "friend pane (wide terminals): ● online ○ offline ? asks to be your friend … asked by you",
    };
    return lines;
}

}  // namespace sc::client::tui
