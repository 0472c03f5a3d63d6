// The one fixed clock of the tests: it stands still until a test moves it.
#pragma once

#include <chrono>

#include "proto/environment.h"

namespace sc::test {

class FixedClock final : public proto::Clock {
  public:
    using TimePoint = std::chrono::system_clock::time_point;
    // Starts at the real time of construction, so certificates issued "now" are valid.
    FixedClock() : now_(std::chrono::system_clock::now()) {}
    explicit FixedClock(TimePoint at) : now_(at) {}

    TimePoint now() const override { return now_; }
    void advance(std::chrono::milliseconds by) { now_ += by; }
    void set(TimePoint at) { now_ = at; }

  private:
    TimePoint now_;
};

}  // namespace sc::test
