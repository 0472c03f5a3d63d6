// The fixed clock's steady twin, for the server's deadlines, rates and throttles
// (server::SteadyClock): it stands still until a test moves it. Header-only, so sc_testing does
// not link the server; only tests that link sc_server include it.
#pragma once

#include <chrono>

#include "server/clock.h"

namespace sc::test {

class FixedSteadyClock final : public server::SteadyClock {
  public:
    time_point now() const override { return now_; }
    void advance(std::chrono::steady_clock::duration by) { now_ += by; }

  private:
    time_point now_ = time_point{} + std::chrono::hours(1);
};

}  // namespace sc::test
