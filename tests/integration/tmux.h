// A tmux server of its own for one test: a detached 100x24 session running a plain bash, keys
// typed into it, and its screen captured, for the full-screen client's tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/run_command.h"

namespace sc::test {

using namespace std::chrono_literals;

class Tmux {
  public:
    explicit Tmux(const std::filesystem::path& dir)
        : socket_("securechat-test-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter_++)),
          dir_(dir) {
        auto r = tmux({"new-session", "-d", "-s", "t", "-x", "100", "-y", "24", "-c", dir.string(),
                       "bash --norc --noprofile"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }
    ~Tmux() { tmux({"kill-server"}); }

    CommandResult tmux(std::vector<std::string> args) const {
        args.insert(args.begin(), {"tmux", "-L", socket_});
        return run_command(args);
    }
    void type(const std::string& text) { tmux({"send-keys", "-t", "t", "-l", text}); }
    void enter() { tmux({"send-keys", "-t", "t", "Enter"}); }
    void line(const std::string& text) {
        type(text);
        enter();
    }
    std::string screen() const { return tmux({"capture-pane", "-t", "t", "-p"}).output; }
    std::string scrollback() const {
        return tmux({"capture-pane", "-t", "t", "-p", "-S", "-500"}).output;
    }
    // Waits until the screen shows `text`.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout = 10s) const {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (screen().find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    void resize(int cols, int rows) {
        tmux({"resize-window", "-t", "t", "-x", std::to_string(cols), "-y", std::to_string(rows)});
    }

  private:
    static inline int counter_ = 0;
    std::string socket_;
    std::filesystem::path dir_;
};

}  // namespace sc::test
