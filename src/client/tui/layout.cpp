#include "client/tui/layout.h"

#include "client/tui/input_line.h"
#include "common/display_text.h"

namespace sc::client::tui {

std::string fit(const std::string& text, std::size_t width) {
    auto wide = from_utf8(text);
    if (wide.size() > width) {
        wide.resize(width);
    }
    return to_utf8(wide);
}

std::string age_text(std::chrono::steady_clock::duration d) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (secs < 60) {
        return std::to_string(secs) + "s";
    }
    if (secs < 3600) {
        return std::to_string(secs / 60) + "m" + std::to_string(secs % 60) + "s";
    }
    return std::to_string(secs / 3600) + "h" + std::to_string((secs % 3600) / 60) + "m";
}

std::string status_text(const StatusInfo& s, std::size_t cols) {
    std::string status = " " + (s.username.empty() ? std::string("not logged in")
                                                   : "user " + display_text(s.username));
    if (s.key_age) {
        status += " · key age " + age_text(*s.key_age);
    }
    if (s.scrolled > 0) {
        status += " · scrolled back (PageDown)";
    }
    status += " · " + s.server;
    status +=
        s.fingerprint.empty() ? " · not connected" : " · cert " + s.fingerprint.substr(0, 23) + "…";
    return fit(status, cols);
}

std::vector<std::string> body_rows(const ConversationList& list, const FriendPane& friends,
                                   bool pane, std::size_t cols, std::size_t rows) {
    std::vector<std::string> out;
    if (rows == 0) {
        return out;
    }
    out.push_back(list.render_bar(cols));
    std::size_t height = rows - 1;
    bool side = pane && cols >= kMinColumnsForPane;
    std::size_t conversation_cols = side ? cols - kPaneWidth - 1 : cols;
    auto conversation = list.render(conversation_cols, height);
    if (side) {
        // Bottom-aligned beside the pane, which starts at the top.
        conversation = side_by_side(conversation, conversation_cols,
                                    friends.render(kPaneWidth, height), height);
    } else {
        out.resize(rows - std::min(height, conversation.size()));
    }
    out.insert(out.end(), conversation.begin(), conversation.end());
    return out;
}

}  // namespace sc::client::tui
