// The server's time for deadlines, rate limits and throttles: a monotonic clock behind an
// interface, owned by the ServerContext and chosen in Server::create, so that tests can drive
// time and every part of one server reads the same clock. (Wall-clock time, for the protocol
// core, certificate expiry and the daily transcript quota, is proto::Clock.)
#pragma once

#include <chrono>

namespace sc::server {

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

}  // namespace sc::server
