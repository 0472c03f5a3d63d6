// A server::SteadyClock that moves only when the test says so.
#pragma once

#include "server/clock.h"

namespace sc::server::test {

class ManualSteadyClock final : public SteadyClock {
  public:
    time_point now() const override { return now_; }
    void advance(std::chrono::steady_clock::duration d) { now_ += d; }

  private:
    time_point now_ = time_point{} + std::chrono::hours(1);
};

}  // namespace sc::server::test
