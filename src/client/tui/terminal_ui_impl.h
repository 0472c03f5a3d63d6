// The terminal UI's wiring, shared by its two files: terminal_ui.cpp (the run loop, the
// controller's notifications, keys and drawing) and terminal_ui_commands.cpp (what a submitted
// line does: the slash commands, the prompts, and messages to the open conversation). The
// models it drives (conversation_list.h, friend_pane.h, input_line.h, message_details.h) have no
// ncurses in them; curses_screen.h is the only part that touches the terminal.
#pragma once

#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/chat_controller.h"
#include "client/event_format.h"
#include "client/line_commands.h"
#include "client/tui/conversation_list.h"
#include "client/tui/curses_screen.h"
#include "client/tui/friend_pane.h"
#include "client/tui/input_line.h"
#include "client/tui/tui_commands.h"

namespace sc::client::tui {

std::uint64_t now_ms();

class TerminalUi final : public ChatListener {
  public:
    TerminalUi(ClientSettings settings, ClientCredentials credentials);
    int run();
    void notify(const Notification& n) override;

  private:
    // ---- notifications (terminal_ui.cpp) ----
    void on_note(const note::Connected& n);
    void on_note(const note::Registered& n);
    void on_note(const note::LoggedIn& n);
    void on_note(const note::Sent& n);
    void on_note(const note::Acked& n);
    void on_note(const note::Rekeyed&);
    void on_note(const note::Message& n);
    void on_note(const note::ReceiptSaved& n);
    void on_note(const note::Error& n);
    void on_note(const note::Closed& n);
    void on_note(const note::Done& n);
    void on_note(const note::FriendRequest& n);
    void on_note(const note::FriendAdded& n);
    void on_note(const note::FriendRemoved& n);
    void on_note(const note::Friends& n);
    void on_note(const note::Presence& n);
    void on_note(const note::Who& n);
    void on_note(const note::Relayed& n);
    void on_note(const note::Delivered& n);
    void on_note(const note::Stored& n);
    void on_note(const note::Expired& n);
    void on_note(const note::History& n);
    // The open conversation's earlier messages, asked from the history once.
    void load_history();
    void on_note(const note::Warning& n);
    void on_note(const note::Devices& n);
    void on_note(const note::Kicked& n);
    // One notice per line of the text line mode prints (already rendered by display_text).
    void show(const Notification& n);
    void notice(std::string text) { conversations_.notice(now_ms(), std::move(text)); }
    void logged_in(const std::string& user, const char* what);

    // ---- input and drawing (terminal_ui.cpp) ----
    void wait_input();
    void drain_keys();
    void submit();
    void wait_signals();
    void tick();
    void redraw();

    // ---- commands (terminal_ui_commands.cpp) ----
    struct Prompt {
        std::string label;
        bool hidden = false;
        std::function<void(crypto::SecretBytes)> then;
    };
    void ask(std::string label, bool hidden, std::function<void(crypto::SecretBytes)> then);
    void run_line(std::string& line);
    bool run_tui_command(const std::string& line);  // false when the line is not one of ours
    void run_request_command(std::string& line);
    void dispatch(Result<LineCommand> parsed);
    void send_request(proto::msg::Request request);
    void send_to_server(const std::string& text);
    void send_to(const std::string& user, const std::string& text);
    void show_details(std::optional<std::uint64_t> seqno);
    void quit();

    asio::io_context io_;
    ClientSettings settings_;
    FormatContext format_;
    ChatController controller_;
    asio::posix::stream_descriptor input_fd_;
    asio::signal_set signals_;
    asio::steady_timer ticker_;
    CursesScreen* screen_ = nullptr;
    ConversationList conversations_;
    FriendPane friends_;
    InputLine input_;
    std::optional<Prompt> prompt_;
    std::deque<std::size_t> unnumbered_;  // our messages to the server, not numbered yet
    std::string username_;
    std::string fingerprint_;
    std::optional<std::chrono::steady_clock::time_point> key_since_;
    std::vector<std::string> farewell_;
    bool quitting_ = false;
    bool quit_ok_ = false;
    bool done_ = false;
};

}  // namespace sc::client::tui
