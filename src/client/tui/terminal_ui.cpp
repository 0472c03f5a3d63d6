#include "client/tui/terminal_ui.h"

#include <unistd.h>

#include <asio.hpp>
#include <deque>
#include <functional>
#include <iostream>
#include <optional>

#include "client/chat_controller.h"
#include "client/event_format.h"
#include "client/line_commands.h"
#include "client/tui/conversation.h"
#include "client/tui/curses_screen.h"
#include "client/tui/friend_pane.h"
#include "client/tui/input_line.h"
#include "common/display_text.h"

namespace sc::client::tui {
namespace {

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

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

const char* kHelp[] = {
    "commands:",
    "  /register            create an account (asks for email, username, password)",
    "  /login [USERNAME]    log in (asks for what it needs; the password is not shown)",
    "  /friend request|accept|decline|remove USER    /friends    friends and requests",
    "  /who  /useradd EMAIL USERNAME  /disable USER  /enable USER  /kick USER   (admins)",
    "  /quit                end the session properly: receipts exchanged and saved",
    "  /help                this list",
    "  anything else        a message (after logging in); ✓ marks the server's acknowledgement",
    "keys: ←/→ Home End Backspace Delete, ↑/↓ history, Ctrl-U/Ctrl-K/Ctrl-W delete",
    "friend pane (wide terminals): ● online ○ offline ? asks to be your friend … asked by you",
};

// The side pane appears when the conversation keeps at least this many columns beside it.
constexpr std::size_t kPaneWidth = 22;
constexpr std::size_t kMinColumnsForPane = 64;

class TerminalUi final : public ChatListener {
  public:
    TerminalUi(ClientSettings settings, ClientCredentials credentials)
        : settings_(settings),
          controller_(io_, std::move(settings), std::move(credentials), *this),
          input_fd_(io_, ::dup(STDIN_FILENO)),
          signals_(io_, SIGINT, SIGTERM, SIGWINCH),
          ticker_(io_) {
        format_.ca = settings_.ca;
        format_.program = program_for_commands();
    }

    int run() {
        {
            CursesScreen screen;
            screen_ = &screen;
            conversation_.notice(now_ms(), "connecting to " + settings_.server.text() +
                                               " (expecting a certificate for '" +
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

    void notify(const Notification& n) override {
        std::visit([this](const auto& note) { on_note(note); }, n);
        redraw();
    }

  private:
    // ---- notifications ----
    void on_note(const note::Connected& n) {
        fingerprint_ = n.fingerprint;
        conversation_.notice(now_ms(), "connected to " + n.server + ": certificate '" + n.subject +
                                           "', SHA-256 " + n.fingerprint);
        if (username_.empty()) {
            conversation_.notice(now_ms(), "/register to create an account, /login to log in");
        }
    }
    void on_note(const note::Registered& n) { logged_in(n.username, "registered and logged in"); }
    void on_note(const note::LoggedIn& n) { logged_in(n.username, "logged in"); }
    void on_note(const note::Sent& n) {
        if (!unnumbered_.empty()) {
            conversation_.numbered(unnumbered_.front(), n.seqno);
            unnumbered_.pop_front();
        }
    }
    void on_note(const note::Acked& n) { conversation_.acknowledged(n.seqno); }
    void on_note(const note::Rekeyed&) { key_since_ = std::chrono::steady_clock::now(); }
    void on_note(const note::Message& n) { conversation_.add_received(n.ts, n.from, n.text); }
    void on_note(const note::ReceiptSaved& n) {
        std::string verify = verify_command(n, format_);
        conversation_.notice(now_ms(),
                             "receipts exchanged; transcript saved as " + n.transcript.string());
        farewell_.push_back("Session ended properly: receipts exchanged and saved.");
        farewell_.push_back("  transcript:   " + n.transcript.string());
        farewell_.push_back("  our receipt:  " + n.own_receipt.string());
        farewell_.push_back("  peer receipt: " + n.peer_receipt.string());
        farewell_.push_back("Check them with:");
        farewell_.push_back("  " + verify);
    }
    // Only told here: an error marks no message. Each command's own completion reports its own
    // failure (a send's marks its message, run_line), so an error about a request, a login or
    // the connection cannot be pinned on whichever message happens to be pending.
    void on_note(const note::Error& n) { conversation_.notice(now_ms(), "error: " + n.message); }
    void on_note(const note::Closed& n) {
        conversation_.notice(now_ms(), "session closed (" + n.reason + ")");
        username_.clear();
        key_since_.reset();
        friends_.clear();
    }
    // ---- users (§2.3): each shown as line mode's words, and the pane kept current ----
    void on_note(const note::Done& n) { show(n); }
    void on_note(const note::FriendRequest& n) {
        friends_.requested(n);
        show(n);  // "bob wants to be your friend: /friend accept bob or /friend decline bob"
    }
    void on_note(const note::FriendAdded& n) {
        friends_.added(n);
        show(n);
    }
    void on_note(const note::FriendRemoved& n) {
        friends_.removed(n);
        show(n);
    }
    void on_note(const note::Friends& n) {
        friends_.set(n);
        show(n);
    }
    void on_note(const note::Presence& n) {
        friends_.presence(n);
        show(n);
    }
    void on_note(const note::Who& n) { show(n); }
    void on_note(const note::Relayed&) {}
    void on_note(const note::Delivered&) {}
    void on_note(const note::Warning& n) { conversation_.notice(now_ms(), "warning: " + n.message); }
    void on_note(const note::Devices& n) { show(n); }
    void on_note(const note::Kicked& n) {
        show(n);
        farewell_.push_back("The server ended the session: " + n.message);
    }

    // One notice per line of the text line mode prints (already rendered by display_text).
    void show(const Notification& n) {
        std::string text = human_text(n, format_);
        std::size_t start = 0;
        while (start <= text.size()) {
            auto end = text.find('\n', start);
            conversation_.notice(now_ms(), text.substr(start, end - start));
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
    }

    void logged_in(const std::string& user, const char* what) {
        username_ = user;
        key_since_ = std::chrono::steady_clock::now();
        conversation_.notice(now_ms(),
                             std::string(what) + " as " + user + "; session key established");
        // Fill the friend pane; pushes keep it current from here on. Posted: a listener does
        // not call back into the controller synchronously.
        asio::post(io_, [this] {
            if (!username_.empty()) {
                send_request(proto::msg::ListFriends{});
            }
        });
    }

    // A refusal or failure was told as note::Error already.
    void send_request(proto::msg::Request request) {
        controller_.request(std::move(request), [this](const Outcome&) { redraw(); });
    }

    // /friend, /friends, /who, /useradd, /disable, /enable, /kick: parsed as line mode does.
    // `/useradd EMAIL USERNAME` asks for the password without showing it; one typed on the
    // line is taken too, and the line is dropped from the history.
    void run_request_command(std::string& line) {
        std::string_view rest(line);
        // Counted in place: the line may hold a password, so it is not copied.
        std::size_t words = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            bool starts = line[i] != ' ' && line[i] != '\t' &&
                          (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t');
            words += starts ? 1 : 0;
        }
        bool user_add = rest.rfind("/useradd ", 0) == 0;
        if (user_add) {
            // Typed out of order, any word of the line may be the password: it never stays in
            // the history (parse_line's errors quote none of its words either).
            input_.forget_last_history();
        }
        if (user_add && words == 3) {  // no password on the line
            // The username is checked before the password is asked for (with a stand-in).
            std::string probe;
            probe.reserve(line.size() + 2);  // never reallocated unwiped
            probe.append(line).append(" -");
            auto checked = parse_line(probe);
            crypto::secure_wipe(probe.data(), probe.size());
            if (!checked) {
                crypto::secure_wipe(line.data(), line.size());
                dispatch(std::move(checked));
                return;
            }
            std::string prefix = line;
            crypto::secure_wipe(line.data(), line.size());
            ask("password for the new user: ", true,
                [this, prefix = std::move(prefix)](crypto::SecretBytes password) mutable {
                    auto secret = password.reveal_text(crypto::SecretAccess{});
                    std::string full;
                    full.reserve(prefix.size() + 1 + secret.size());  // never reallocated unwiped
                    full.append(prefix).append(" ").append(secret);
                    auto parsed = parse_line(full);
                    crypto::secure_wipe(full.data(), full.size());
                    crypto::secure_wipe(prefix.data(), prefix.size());
                    dispatch(std::move(parsed));
                });
            return;
        }
        auto parsed = parse_line(line);
        crypto::secure_wipe(line.data(), line.size());
        dispatch(std::move(parsed));
    }

    void dispatch(Result<LineCommand> parsed) {
        if (!parsed) {
            conversation_.notice(now_ms(), "error: " + parsed.error().message);
            return;
        }
        if (auto* request = std::get_if<cmd::Request>(&*parsed)) {
            send_request(std::move(request->request));
        }
    }

    // ---- input ----
    void wait_input() {
        input_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                             [this](const asio::error_code& ec) {
                                 if (ec || done_) {
                                     return;
                                 }
                                 drain_keys();
                                 wait_input();
                             });
    }

    void drain_keys() {
        CursesScreen::KeyPress press;
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
                case Kind::ignored:
                    break;
            }
        }
        redraw();
    }

    void submit() {
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

    struct Prompt {
        std::string label;
        bool hidden = false;
        std::function<void(crypto::SecretBytes)> then;
    };

    void ask(std::string label, bool hidden, std::function<void(crypto::SecretBytes)> then) {
        prompt_ = Prompt{std::move(label), hidden, std::move(then)};
        input_.set_hidden(hidden);
    }

    static std::string text_of(const crypto::SecretBytes& s) {
        return std::string(s.reveal_text(crypto::SecretAccess{}));
    }

    void run_line(std::string& line) {
        if (line.empty()) {
            return;
        }
        if (is_request_command(line.substr(0, line.find(' ')))) {
            run_request_command(line);
        } else if (line == "/help") {
            for (const char* h : kHelp) {
                conversation_.notice(now_ms(), h);
            }
        } else if (line == "/quit") {
            quit();
        } else if (line == "/register") {
            ask("email: ", false, [this](crypto::SecretBytes email) {
                ask("username: ", false, [this, email = text_of(email)](crypto::SecretBytes user) {
                    ask("password: ", true,
                        [this, email, user = text_of(user)](crypto::SecretBytes password) {
                            conversation_.notice(now_ms(), "registering " + user + "…");
                            controller_.register_user(email, user, std::move(password),
                                                      [](const Outcome&) {});
                        });
                });
            });
        } else if (line == "/login" || line.rfind("/login ", 0) == 0) {
            auto login_as = [this](std::string user) {
                ask("password for " + user + ": ", true,
                    [this, user](crypto::SecretBytes password) {
                        conversation_.notice(now_ms(), "logging in as " + user + "…");
                        controller_.login(user, std::move(password), [](const Outcome&) {});
                    });
            };
            if (line.size() > 7) {
                login_as(line.substr(7));
            } else {
                ask("username: ", false,
                    [login_as](crypto::SecretBytes user) { login_as(text_of(user)); });
            }
        } else if (line.front() == '/') {
            conversation_.notice(
                now_ms(), "error: unknown command " + line.substr(0, 32) + " (/help lists them)");
        } else if (username_.empty()) {
            conversation_.notice(now_ms(), "error: log in first (/login or /register)");
        } else {
            std::size_t index = conversation_.add_own(now_ms(), line);
            unnumbered_.push_back(index);
            // Every way a send fails (refused here, a timeout, the connection lost) ends here.
            controller_.send(line, [this, index](const Outcome& outcome) {
                if (!outcome) {
                    // One refused before the session numbered it must not take the next one's
                    // number.
                    std::erase(unnumbered_, index);
                    conversation_.failed(index);
                }
                redraw();
            });
        }
    }

    void quit() {
        if (quitting_) {
            controller_.abort();
            return;
        }
        quitting_ = true;
        conversation_.notice(now_ms(),
                             "ending the session: waiting for acknowledgements and "
                             "receipts…");
        redraw();
        controller_.quit([this](const Outcome& outcome) {
            quit_ok_ = static_cast<bool>(outcome) && !farewell_.empty();
            done_ = true;
            io_.stop();
        });
    }

    void wait_signals() {
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

    void tick() {
        ticker_.expires_after(std::chrono::seconds(1));
        ticker_.async_wait([this](const asio::error_code& ec) {
            if (ec || done_) {
                return;
            }
            redraw();
            tick();
        });
    }

    void redraw() {
        if (screen_ == nullptr) {
            return;
        }
        auto cols = static_cast<std::size_t>(std::max(screen_->cols(), 1));
        auto rows = static_cast<std::size_t>(std::max(screen_->rows() - 2, 0));
        bool pane = !username_.empty() && cols >= kMinColumnsForPane;
        std::size_t conversation_cols = pane ? cols - kPaneWidth - 1 : cols;
        // Most important first, so a narrow terminal cuts the least useful part.
        std::string status = " " + (username_.empty() ? std::string("not logged in")
                                                      : "user " + display_text(username_));
        if (key_since_) {
            status += " · key age " + age_text(std::chrono::steady_clock::now() - *key_since_);
        }
        status += " · " + settings_.server.text();
        status += fingerprint_.empty() ? " · not connected"
                                       : " · cert " + fingerprint_.substr(0, 23) + "…";
        std::string prompt = prompt_ ? prompt_->label : "> ";
        std::string shown = input_.display();
        std::size_t cursor =
            from_utf8(prompt).size() + (input_.hidden() ? input_.text().size() : input_.cursor());
        auto conversation = conversation_.render(conversation_cols, rows);
        if (pane) {
            conversation = side_by_side(conversation, conversation_cols,
                                        friends_.render(kPaneWidth, rows), rows);
        }
        screen_->draw(
            conversation, fit(status, cols), prompt,
            fit(shown, cols > from_utf8(prompt).size() ? cols - from_utf8(prompt).size() : 0),
            cursor);
    }

    asio::io_context io_;
    ClientSettings settings_;
    FormatContext format_;
    ChatController controller_;
    asio::posix::stream_descriptor input_fd_;
    asio::signal_set signals_;
    asio::steady_timer ticker_;
    CursesScreen* screen_ = nullptr;
    Conversation conversation_;
    FriendPane friends_;
    InputLine input_;
    std::optional<Prompt> prompt_;
    std::deque<std::size_t> unnumbered_;
    std::string username_;
    std::string fingerprint_;
    std::optional<std::chrono::steady_clock::time_point> key_since_;
    std::vector<std::string> farewell_;
    bool quitting_ = false;
    bool quit_ok_ = false;
    bool done_ = false;
};

}  // namespace

int run_terminal_ui(ClientSettings settings, ClientCredentials credentials) {
    TerminalUi ui(std::move(settings), std::move(credentials));
    return ui.run();
}

}  // namespace sc::client::tui
