// Monotonic time for deadlines, rate limits and throttles, behind an interface so that tests can
// drive it and every part of one process reads the same clock. The transport reads it for its
// tick and hard deadline; the server passes its context's clock (server/clock.h).
#pragma once

#include <chrono>

namespace sc::net {

class SteadyClock {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~SteadyClock() = default;
    virtual time_point now() const = 0;
};

class SystemSteadyClock final : public SteadyClock {
  public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
};

// The process's one system clock, for owners that inject none.
inline const SteadyClock& system_steady_clock() {
    static const SystemSteadyClock clock;
    return clock;
}

}  // namespace sc::net
