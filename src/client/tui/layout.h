// What the terminal UI draws, composed as plain rows (no ncurses): the bar of conversations at
// the top, the open conversation below it with the friend pane at the right on wide terminals,
// and the status bar's text.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "client/tui/conversation_list.h"
#include "client/tui/friend_pane.h"

namespace sc::client::tui {

// The side pane appears when the conversation keeps at least this many columns beside it.
inline constexpr std::size_t kPaneWidth = 22;
inline constexpr std::size_t kMinColumnsForPane = 64;

std::string fit(const std::string& text, std::size_t width);  // cut to `width` columns
std::string age_text(std::chrono::steady_clock::duration d);  // "42s", "3m5s", "1h2m"

struct StatusInfo {
    std::string username;  // "" when not logged in
    std::optional<std::chrono::steady_clock::duration> key_age;
    std::string server;        // "127.0.0.1:6000"
    std::string fingerprint;   // the server certificate's, "" when not connected
    std::size_t scrolled = 0;  // rows scrolled back in the open conversation
};
// Most important first, so a narrow terminal cuts the least useful part.
std::string status_text(const StatusInfo& s, std::size_t cols);

// Exactly `rows` rows (when rows ≥ 1): the conversation bar, then the open conversation
// (bottom-aligned), with the friend pane beside it when `pane` and the terminal is wide enough.
std::vector<std::string> body_rows(const ConversationList& list, const FriendPane& friends,
                                   bool pane, std::size_t cols, std::size_t rows);

}  // namespace sc::client::tui
