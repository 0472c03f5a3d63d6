// The server's time for deadlines, rate limits and throttles: a monotonic clock behind an
// interface (net/steady_clock.h), owned by the ServerContext and chosen in Server::create, so
// that tests can drive time and every part of one server, its transports included, reads the
// same clock. (Wall-clock time, for the protocol core, certificate expiry and the daily
// transcript quota, is proto::Clock.)
#pragma once

#include "net/steady_clock.h"

namespace sc::server {

using SteadyClock = net::SteadyClock;
using SystemSteadyClock = net::SystemSteadyClock;

}  // namespace sc::server
