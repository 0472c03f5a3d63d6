#include "client/line_mode.h"

#include <unistd.h>

#include <csignal>
#include <deque>
#include <iostream>

#include "client/chat_controller.h"
#include "client/errors_text.h"
#include "client/event_format.h"
#include "client/line_commands.h"
#include "client/stdin_lines.h"
#include "common/display_text.h"

namespace sc::client {
namespace {

// Far above the longest message the protocol carries, which the controller refuses by name.
constexpr std::size_t kMaxLine = 64 * 1024;

void wipe(std::string& s) {
    crypto::secure_wipe(s.data(), s.size());
}

class LineSession final : public ChatListener {
  public:
    LineSession(ClientSettings settings, ClientCredentials credentials, LineModeOptions options)
        : options_(options),
          work_(asio::make_work_guard(io_)),
          controller_(io_, std::move(settings), std::move(credentials), *this),
          reader_(
              STDIN_FILENO, io_.get_executor(),
              [this](std::string line) {
                  lines_.push_back(std::move(line));
                  next();
              },
              [this] {
                  eof_ = true;
                  next();
              },
              kMaxLine),
          sleep_(io_),
          signals_(io_, SIGINT, SIGTERM) {
        format_.ca = controller_.settings().ca;
        format_.program = program_for_commands();
    }

    ~LineSession() override {
        reader_.stop();
        for (auto& line : lines_) {
            wipe(line);
        }
    }

    bool run() {
        if (options_.terminal_note) {
            std::cerr << "securechat chat: line mode (the full-screen interface is coming). "
                      << line_mode_help() << "\n"
                      << std::flush;
        }
        wait_for_signal();
        reader_.start();
        busy_ = true;
        controller_.connect([this](const Outcome& connected) {
            busy_ = false;
            if (!connected) {
                // Nothing the script asks for can work without the server; stop here.
                failed_ = true;
                stop();
                return;
            }
            next();
        });
        io_.run();
        return !failed_;
    }

    void notify(const Notification& n) override {
        if (std::holds_alternative<note::Error>(n) || std::holds_alternative<note::Kicked>(n)) {
            failed_ = true;
        }
        if (std::holds_alternative<note::Closed>(n) && sleeping_) {
            sleep_.cancel();
        }
        // The output boundary: human_text already renders each untrusted field, and this
        // second pass (a no-op on safe text) keeps any future field from bypassing it (M1).
        if (options_.json) {
            std::cout << json_line(n, format_) << "\n" << std::flush;
        } else if (std::holds_alternative<note::Error>(n)) {
            std::cerr << display_text_multiline(human_text(n, format_)) << "\n" << std::flush;
        } else {
            std::cout << display_text_multiline(human_text(n, format_)) << "\n" << std::flush;
        }
        // The server ended the session (a kick, a disabled account): the lines that follow were
        // meant for it, so line mode ends too, with exit code 1 (README). Posted: this runs inside
        // the controller, whose completions for that session are posted after it.
        if (const auto* closed = std::get_if<note::Closed>(&n);
            closed && closed->reason == "kicked") {
            finished_ = true;
            asio::post(io_, [this] { stop(); });
        }
    }

  private:
    // Runs queued lines until one has to wait for an answer (or a sleep).
    void next() {
        while (!busy_ && !finished_) {
            if (lines_.empty()) {
                if (eof_) {
                    start_quit();
                }
                return;
            }
            std::string line = std::move(lines_.front());
            lines_.pop_front();
            auto parsed = parse_line(line);
            wipe(line);
            if (!parsed) {
                notify(note::Error{code::bad_command, parsed.error().message});
                continue;
            }
            run_command(std::move(parsed).value());
        }
    }

    void run_command(LineCommand command) {
        auto then = [this](const Outcome& outcome) {
            busy_ = false;
            failed_ = failed_ || !outcome;
            next();
        };
        std::visit(
            [&](auto& c) {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, cmd::Register>) {
                    busy_ = true;
                    crypto::SecretBytes password(as_bytes(c.password));
                    wipe(c.password);
                    controller_.register_user(std::move(c.email), std::move(c.username),
                                              std::move(password), then);
                } else if constexpr (std::is_same_v<T, cmd::Login>) {
                    busy_ = true;
                    crypto::SecretBytes password(as_bytes(c.password));
                    wipe(c.password);
                    controller_.login(std::move(c.username), std::move(password), then);
                } else if constexpr (std::is_same_v<T, cmd::Request>) {
                    // One at a time, like every command: the answer comes before the next line.
                    busy_ = true;
                    controller_.request(std::move(c.request), then);
                } else if constexpr (std::is_same_v<T, cmd::SendTo>) {
                    // Done when the server answered every device copy.
                    busy_ = true;
                    controller_.send_to(std::move(c.user), std::move(c.text), then);
                } else if constexpr (std::is_same_v<T, cmd::ShowDevices>) {
                    busy_ = true;
                    controller_.list_devices(std::move(c.user), then);
                } else if constexpr (std::is_same_v<T, cmd::TrustDevice>) {
                    busy_ = true;
                    controller_.trust_device(std::move(c.user), std::move(c.device), then);
                } else if constexpr (std::is_same_v<T, cmd::ShowHistory>) {
                    busy_ = true;
                    controller_.history(std::move(c.user), c.count, then);
                } else if constexpr (std::is_same_v<T, cmd::Disclose>) {
                    busy_ = true;
                    controller_.disclose(std::move(c.user), std::move(c.mid), c.file, then);
                } else if constexpr (std::is_same_v<T, cmd::Say>) {
                    busy_ = true;
                    controller_.send(std::move(c.text), then);
                } else if constexpr (std::is_same_v<T, cmd::Sleep>) {
                    busy_ = true;
                    sleeping_ = true;
                    sleep_.expires_after(c.duration);
                    // Also cut short when the connection ends: nothing more can arrive.
                    sleep_.async_wait([this](const asio::error_code&) {
                        sleeping_ = false;
                        if (!finished_) {
                            busy_ = false;
                            next();
                        }
                    });
                } else if constexpr (std::is_same_v<T, cmd::Quit>) {
                    start_quit();
                } else if constexpr (std::is_same_v<T, cmd::Help>) {
                    std::cerr << line_mode_help() << "\n" << std::flush;
                }
            },
            command);
    }

    void start_quit() {
        if (finished_) {
            return;
        }
        finished_ = true;  // whatever input follows /quit is not run
        sleep_.cancel();
        controller_.quit([this](const Outcome& quit) {
            failed_ = failed_ || !quit;
            stop();
        });
    }

    // First SIGINT/SIGTERM: quit properly; the second: drop the connection.
    void wait_for_signal() {
        signals_.async_wait([this](const asio::error_code& ec, int) {
            if (ec) {
                return;
            }
            if (finished_) {
                controller_.abort();
            } else {
                start_quit();
            }
            wait_for_signal();
        });
    }

    void stop() {
        reader_.stop();
        asio::error_code ignored;
        signals_.cancel(ignored);
        work_.reset();
        io_.stop();
    }

    LineModeOptions options_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    ChatController controller_;
    LineReader reader_;
    asio::steady_timer sleep_;
    asio::signal_set signals_;
    FormatContext format_;
    std::deque<std::string> lines_;
    bool eof_ = false;
    bool busy_ = false;
    bool sleeping_ = false;
    bool finished_ = false;
    bool failed_ = false;
};

}  // namespace

bool run_line_mode(ClientSettings settings, ClientCredentials credentials,
                   const LineModeOptions& options) {
    LineSession session(std::move(settings), std::move(credentials), options);
    return session.run();
}

}  // namespace sc::client
