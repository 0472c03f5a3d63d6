// The one server an attack is aimed at: a numeric address and a port, given explicitly. No
// names are resolved and no ranges are accepted, so the tool cannot be pointed at anything by
// accident (a name that resolves elsewhere, a sweep).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sc::attack {

struct Target {
    std::string host;  // numeric IPv4 or IPv6
    std::uint16_t port = 0;
    bool loopback = false;
    std::string text() const;  // "127.0.0.1:6000", "[::1]:6000"
};

// "IPv4:PORT" or "[IPv6]:PORT"; anything else fails, saying why.
Result<Target> parse_target(std::string_view text);

}  // namespace sc::attack
