#include "client/tui/terminal_ui.h"

#include <iostream>

#include "client/tui/layout.h"
#include "client/tui/message_details.h"
#include "client/tui/terminal_ui_impl.h"
#include "common/display_text.h"
#include "common/usernames.h"

namespace sc::client::tui {

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

TerminalUi::TerminalUi(ClientSettings settings, ClientCredentials credentials)
    : settings_(settings),
      controller_(io_, std::move(settings), std::move(credentials), *this),
      input_fd_(io_, ::dup(STDIN_FILENO)),
      signals_(io_, SIGINT, SIGTERM, SIGWINCH),
      ticker_(io_) {
    format_.ca = settings_.ca;
    format_.program = program_for_commands();
}

int TerminalUi::run() {
    {
        CursesScreen screen;
        screen_ = &screen;
        notice("connecting to " + settings_.server.text() + " (expecting a certificate for '" +
               settings_.server_name + "')…  /help for commands");
        redraw();
        controller_.connect([](const Outcome&) {});
        wait_input();
        wait_signals();
        tick();
        io_.run();
        screen_ = nullptr;
    }
    restore_terminal();
    // The evidence lines stay visible after the screen is gone.
    for (const auto& line : farewell_) {
        std::cout << display_text(line) << "\n";
    }
    return quit_ok_ ? 0 : 1;
}

void TerminalUi::notify(const Notification& n) {
    std::visit([this](const auto& note) { on_note(note); }, n);
    redraw();
}

// ---- notifications ----
void TerminalUi::on_note(const note::Connected& n) {
    fingerprint_ = n.fingerprint;
    notice("connected to " + n.server + ": certificate '" + n.subject + "', SHA-256 " +
           n.fingerprint);
    if (username_.empty()) {
        notice("/register to create an account, /login to log in");
    }
}
void TerminalUi::on_note(const note::Registered& n) {
    logged_in(n.username, "registered and logged in");
}
void TerminalUi::on_note(const note::LoggedIn& n) {
    logged_in(n.username, "logged in");
}
void TerminalUi::on_note(const note::Sent& n) {
    if (!n.to.empty()) {  // end to end: its conversation numbers it
        conversations_.sent(n);
        return;
    }
    if (!unnumbered_.empty()) {
        conversations_.server().numbered(unnumbered_.front(), n.seqno);
        unnumbered_.pop_front();
    }
}
void TerminalUi::on_note(const note::Acked& n) {
    conversations_.server().acknowledged(n.seqno);
}
void TerminalUi::on_note(const note::Rekeyed&) {
    key_since_ = std::chrono::steady_clock::now();
}
void TerminalUi::on_note(const note::Message& n) {
    conversations_.received(n);
}
void TerminalUi::on_note(const note::ReceiptSaved& n) {
    std::string verify = verify_command(n, format_);
    notice("receipts exchanged; transcript saved as " + n.transcript.string());
    farewell_.push_back("Session ended properly: receipts exchanged and saved.");
    farewell_.push_back("  transcript:   " + n.transcript.string());
    farewell_.push_back("  our receipt:  " + n.own_receipt.string());
    farewell_.push_back("  peer receipt: " + n.peer_receipt.string());
    farewell_.push_back("Check them with:");
    farewell_.push_back("  " + verify);
}
// Only told here: an error marks no message. Each command's own completion reports its own
// failure (a send's marks its message, run_line), so an error about a request, a login or the
// connection cannot be pinned on whichever message happens to be pending.
void TerminalUi::on_note(const note::Error& n) {
    notice("error: " + n.message);
}
void TerminalUi::on_note(const note::Closed& n) {
    notice("session closed (" + n.reason + ")");
    username_.clear();
    conversations_.set_me("");
    conversations_.clear_presence();
    key_since_.reset();
    friends_.clear();
}
// ---- users (§2.3): each shown as line mode's words, and the pane and bar kept current ----
void TerminalUi::on_note(const note::Done& n) {
    show(n);
}
void TerminalUi::on_note(const note::FriendRequest& n) {
    friends_.requested(n);
    show(n);  // "bob wants to be your friend: /friend accept bob or /friend decline bob"
}
void TerminalUi::on_note(const note::FriendAdded& n) {
    friends_.added(n);
    conversations_.friend_added(n.user);
    show(n);
}
void TerminalUi::on_note(const note::FriendRemoved& n) {
    friends_.removed(n);
    show(n);
}
void TerminalUi::on_note(const note::Friends& n) {
    friends_.set(n);
    conversations_.friends(n);
    show(n);
}
void TerminalUi::on_note(const note::Presence& n) {
    friends_.presence(n);
    conversations_.presence(n);
    show(n);
}
void TerminalUi::on_note(const note::Who& n) {
    show(n);
}
// ---- end to end (§10): marks on our messages, warnings where they belong ----
void TerminalUi::on_note(const note::Relayed& n) {
    conversations_.relayed(n);
}
void TerminalUi::on_note(const note::Delivered& n) {
    conversations_.delivered(n);
}
void TerminalUi::on_note(const note::Stored& n) {
    conversations_.stored(n);
}
void TerminalUi::on_note(const note::Expired& n) {
    conversations_.expired(n);
    show(n);
}
void TerminalUi::on_note(const note::History& n) {
    conversations_.history(n);
}
void TerminalUi::on_note(const note::Warning& n) {
    conversations_.warning(now_ms(), n);
    if (canonical_username(n.user) != conversations_.current()) {
        // Seen where the user is looking too, with the way to its conversation.
        conversations_.conversation(conversations_.current())
            .warning(now_ms(), "about " + n.user + " (" + n.code + "): /open " + n.user);
    }
}
void TerminalUi::on_note(const note::Devices& n) {
    for (auto& line : devices_lines(n)) {
        notice(std::move(line));
    }
}
void TerminalUi::on_note(const note::Kicked& n) {
    show(n);
    farewell_.push_back("The server ended the session: " + n.message);
}

void TerminalUi::show(const Notification& n) {
    std::string text = human_text(n, format_);
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        notice(text.substr(start, end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
}

void TerminalUi::logged_in(const std::string& user, const char* what) {
    username_ = user;
    conversations_.set_me(user);
    key_since_ = std::chrono::steady_clock::now();
    notice(std::string(what) + " as " + user + "; session key established");
    // Fill the friend pane; pushes keep it current from here on. Posted: a listener does not
    // call back into the controller synchronously.
    asio::post(io_, [this] {
        if (!username_.empty()) {
            send_request(proto::msg::ListFriends{});
        }
    });
}

// ---- input ----
void TerminalUi::wait_input() {
    input_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this](const asio::error_code& ec) {
                             if (ec || done_) {
                                 return;
                             }
                             drain_keys();
                             wait_input();
                         });
}

void TerminalUi::drain_keys() {
    CursesScreen::KeyPress press;
    std::size_t page =
        screen_ == nullptr ? 10U : static_cast<std::size_t>(std::max(screen_->rows() - 4, 1));
    while (screen_ != nullptr && screen_->read_key(press)) {
        using Kind = CursesScreen::KeyPress::Kind;
        switch (press.kind) {
            case Kind::edit:
                input_.apply(press.key, press.ch);
                break;
            case Kind::submit:
                submit();
                break;
            case Kind::resize:
                screen_->resize_to_terminal();
                break;
            case Kind::end_of_input:
                quit();
                break;
            case Kind::next_conversation:
                conversations_.next();
                load_history();
                break;
            case Kind::previous_conversation:
                conversations_.previous();
                load_history();
                break;
            case Kind::page_up:
                conversations_.scroll_back(page);
                break;
            case Kind::page_down:
                conversations_.scroll_forward(page);
                break;
            case Kind::ignored:
                break;
        }
    }
    redraw();
}

void TerminalUi::submit() {
    auto line = input_.apply(Key::enter);
    bool was_hidden = input_.hidden();
    input_.set_hidden(false);
    if (prompt_) {
        auto prompt = std::move(*prompt_);
        prompt_.reset();
        prompt.then(crypto::SecretBytes(as_bytes(*line)));
        if (was_hidden) {
            crypto::secure_wipe(line->data(), line->size());
        }
        return;
    }
    run_line(*line);
}

void TerminalUi::wait_signals() {
    signals_.async_wait([this](const asio::error_code& ec, int sig) {
        if (ec) {
            return;
        }
        if (sig == SIGWINCH) {
            if (screen_ != nullptr) {
                screen_->resize_to_terminal();
            }
            redraw();
        } else {
            quit();
        }
        wait_signals();
    });
}

void TerminalUi::tick() {
    ticker_.expires_after(std::chrono::seconds(1));
    ticker_.async_wait([this](const asio::error_code& ec) {
        if (ec || done_) {
            return;
        }
        redraw();
        tick();
    });
}

void TerminalUi::redraw() {
    if (screen_ == nullptr) {
        return;
    }
    auto cols = static_cast<std::size_t>(std::max(screen_->cols(), 1));
    auto rows = static_cast<std::size_t>(std::max(screen_->rows() - 2, 0));
    StatusInfo info{username_, std::nullopt, settings_.server.text(), fingerprint_,
                    conversations_.scrolled()};
    if (key_since_) {
        info.key_age = std::chrono::steady_clock::now() - *key_since_;
    }
    std::string prompt = prompt_ ? prompt_->label : "> ";
    std::string shown = input_.display();
    std::size_t cursor =
        from_utf8(prompt).size() + (input_.hidden() ? input_.text().size() : input_.cursor());
    auto body = body_rows(conversations_, friends_, !username_.empty(), cols, rows);
    screen_->draw(body, status_text(info, cols), prompt,
                  fit(shown, cols > from_utf8(prompt).size() ? cols - from_utf8(prompt).size() : 0),
                  cursor);
}

int run_terminal_ui(ClientSettings settings, ClientCredentials credentials) {
    TerminalUi ui(std::move(settings), std::move(credentials));
    return ui.run();
}

}  // namespace sc::client::tui
