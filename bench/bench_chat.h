// One `securechat chat --json` process for a benchmark: lines said to it, its JSON events read
// with a deadline. A failure is a BenchFailure naming what was awaited and what the client
// printed last, so a broken run says why instead of reporting a figure.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/live_process.h"

namespace sc::bench {

using json = nlohmann::json;

struct BenchFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class BenchChat {
  public:
    using Match = std::function<bool(const json&)>;
    BenchChat(const std::vector<std::string>& argv, std::string label);

    void say(const std::string& line);
    // The next event named `name` (matching `match`), skipping the others; an `error` event
    // or the deadline fails.
    json await(const std::string& name, std::chrono::seconds timeout, const Match& match = {});
    // The next event of any name, or null at the deadline (for loops that count several kinds).
    json next_event(std::chrono::milliseconds timeout);
    // Sends /quit and waits for the exit.
    void quit();
    const std::string& label() const { return label_; }
    // The last lines it printed, for failure messages.
    std::string tail() const;

  private:
    test::LiveProcess process_;
    std::string label_;
};

}  // namespace sc::bench
