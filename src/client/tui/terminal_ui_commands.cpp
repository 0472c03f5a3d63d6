// What a submitted line does in the terminal UI: the commands of its own (tui_commands.h), line
// mode's request commands, the login prompts, and text to the open conversation.
#include "client/tui/message_details.h"
#include "client/tui/terminal_ui_impl.h"
#include "common/usernames.h"

namespace sc::client::tui {
namespace {

std::string text_of(const crypto::SecretBytes& s) {
    return std::string(s.reveal_text(crypto::SecretAccess{}));
}

}  // namespace

void TerminalUi::ask(std::string label, bool hidden,
                     std::function<void(crypto::SecretBytes)> then) {
    prompt_ = Prompt{std::move(label), hidden, std::move(then)};
    input_.set_hidden(hidden);
}

// A refusal or failure was told as note::Error already.
void TerminalUi::send_request(proto::msg::Request request) {
    controller_.request(std::move(request), [this](const Outcome&) { redraw(); });
}

// /friend, /friends, /who, /useradd, /disable, /enable, /kick: parsed as line mode does.
// `/useradd EMAIL USERNAME` asks for the password without showing it; one typed on the line is
// taken too, and the line is dropped from the history.
void TerminalUi::run_request_command(std::string& line) {
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
        // Typed out of order, any word of the line may be the password: it never stays in the
        // history (parse_line's errors quote none of its words either).
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

void TerminalUi::dispatch(Result<LineCommand> parsed) {
    if (!parsed) {
        notice("error: " + parsed.error().message);
        return;
    }
    if (auto* request = std::get_if<cmd::Request>(&*parsed)) {
        send_request(std::move(request->request));
    } else if (auto* send = std::get_if<cmd::SendTo>(&*parsed)) {
        if (username_.empty()) {
            notice("error: log in first (/login or /register)");
        } else {
            send_to(send->user, send->text);
        }
    } else if (auto* devices = std::get_if<cmd::ShowDevices>(&*parsed)) {
        // Told as note::Devices; a refusal as note::Error.
        controller_.list_devices(devices->user, [this](const Outcome&) { redraw(); });
    } else if (auto* trust = std::get_if<cmd::TrustDevice>(&*parsed)) {
        controller_.trust_device(trust->user, trust->device, [this](const Outcome&) { redraw(); });
    } else if (auto* history = std::get_if<cmd::ShowHistory>(&*parsed)) {
        controller_.history(history->user, history->count, [this](const Outcome&) { redraw(); });
    } else if (auto* disclose = std::get_if<cmd::Disclose>(&*parsed)) {
        controller_.disclose(disclose->user, disclose->mid, disclose->file,
                             [this](const Outcome&) { redraw(); });
    }
}

void TerminalUi::load_history() {
    const auto user = conversations_.current();
    if (user.empty() || conversations_.history_loaded(user)) {
        return;
    }
    controller_.history(user, kDefaultHistoryShown, [this](const Outcome&) { redraw(); });
}

bool TerminalUi::run_tui_command(const std::string& line) {
    auto parsed = parse_tui_command(line);
    if (!parsed) {
        notice("error: " + parsed.error().message);
        return true;
    }
    if (std::holds_alternative<tc::NotOurs>(*parsed)) {
        return false;
    }
    if (auto* open = std::get_if<tc::Open>(&*parsed)) {
        if (!open->user.empty() && username_.empty()) {
            notice("error: log in first (/login or /register)");
        } else if (!open->user.empty() &&
                   canonical_username(open->user) == canonical_username(username_)) {
            notice("error: a conversation is with another user (/open USER)");
        } else if (!conversations_.open(open->user)) {
            notice("error: too many conversations to open another one");
        } else {
            load_history();
        }
    } else if (auto* details = std::get_if<tc::Details>(&*parsed)) {
        show_details(details->seqno);
    }
    return true;
}

void TerminalUi::show_details(std::optional<std::uint64_t> seqno) {
    if (conversations_.at_server()) {
        notice(
            "error: /details is for messages between users (/open USER first): the server's "
            "conversation is protected by the session (status bar), not per message");
        return;
    }
    const std::string user = conversations_.current();
    auto found = conversations_.find(user, seqno);
    if (found.empty()) {
        notice(seqno ? "error: no message #" + std::to_string(*seqno) + " in this conversation"
                     : std::string("error: no message in this conversation yet"));
        return;
    }
    for (const auto* m : found) {
        for (auto& line : details_lines(*m, user)) {
            notice(std::move(line));
        }
    }
}

void TerminalUi::send_to_server(const std::string& text) {
    auto& server = conversations_.server();
    std::size_t index = server.add_own(now_ms(), text);
    unnumbered_.push_back(index);
    // Every way a send fails (refused here, a timeout, the connection lost) ends here.
    controller_.send(text, [this, index](const Outcome& outcome) {
        if (!outcome) {
            // One refused before the session numbered it must not take the next one's number.
            std::erase(unnumbered_, index);
            conversations_.server().failed(index);
        }
        redraw();
    });
}

void TerminalUi::send_to(const std::string& user, const std::string& text) {
    // The conversation is made if it is new, without leaving the one that is open.
    if (!conversations_.ensure(user)) {
        notice("error: too many conversations to write to another user");
        return;
    }
    std::size_t index = conversations_.add_own(user, now_ms(), text);
    // note::Relayed per copy, then note::Sent; a failure was told as note::Error too.
    controller_.send_to(user, text, [this, user, index](const Outcome& outcome) {
        if (!outcome) {
            conversations_.send_failed(user, index);
        }
        redraw();
    });
}

void TerminalUi::run_line(std::string& line) {
    if (line.empty()) {
        return;
    }
    if (is_request_command(line.substr(0, line.find(' ')))) {
        run_request_command(line);
    } else if (line == "/help") {
        for (const auto& h : tui_help_lines()) {
            notice(h);
        }
    } else if (line == "/quit") {
        quit();
    } else if (line == "/register") {
        ask("email: ", false, [this](crypto::SecretBytes email) {
            ask("username: ", false, [this, email = text_of(email)](crypto::SecretBytes user) {
                ask("password: ", true,
                    [this, email, user = text_of(user)](crypto::SecretBytes password) {
                        notice("registering " + user + "…");
                        controller_.register_user(email, user, std::move(password),
                                                  [](const Outcome&) {});
                    });
            });
        });
    } else if (line == "/login" || line.rfind("/login ", 0) == 0) {
        auto login_as = [this](std::string user) {
            ask("password for " + user + ": ", true, [this, user](crypto::SecretBytes password) {
                notice("logging in as " + user + "…");
                controller_.login(user, std::move(password), [](const Outcome&) {});
            });
        };
        if (line.size() > 7) {
            login_as(line.substr(7));
        } else {
            ask("username: ", false,
                [login_as](crypto::SecretBytes user) { login_as(text_of(user)); });
        }
    } else if (line.front() == '/' && run_tui_command(line)) {
        return;
    } else if (is_e2e_command(line.substr(0, line.find(' ')))) {  // /msg, /devices, /trust
        dispatch(parse_line(line));
    } else if (line.front() == '/') {
        notice("error: unknown command " + line.substr(0, 32) + " (/help lists them)");
    } else if (username_.empty()) {
        notice("error: log in first (/login or /register)");
    } else if (conversations_.at_server()) {
        send_to_server(line);
    } else {
        send_to(conversations_.current(), line);  // the open conversation's user
    }
}

void TerminalUi::quit() {
    if (quitting_) {
        controller_.abort();
        return;
    }
    quitting_ = true;
    notice("ending the session: waiting for acknowledgements and receipts…");
    redraw();
    controller_.quit([this](const Outcome& outcome) {
        quit_ok_ = static_cast<bool>(outcome) && !farewell_.empty();
        done_ = true;
        io_.stop();
    });
}

}  // namespace sc::client::tui
