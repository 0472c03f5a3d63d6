#include "attack/target.h"

#include <arpa/inet.h>

#include <charconv>

namespace sc::attack {

std::string Target::text() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Target> parse_target(std::string_view text) {
    Target t;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return fail("'" + std::string(text) + "': an IPv6 target is [ADDRESS]:PORT");
        }
        t.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return fail("'" + std::string(text) + "': the target is ADDRESS:PORT");
        }
        t.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        if (t.host.find(':') != std::string::npos) {  // "::1:6000": which colon ends the address?
            return fail("'" + std::string(text) + "': an IPv6 target is [ADDRESS]:PORT");
        }
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
        return fail("'" + std::string(port) + "' is not a port (1-65535)");
    }
    t.port = static_cast<std::uint16_t>(value);
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, t.host.c_str(), &v4) == 1) {
        t.loopback = (ntohl(v4.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, t.host.c_str(), &v6) == 1) {
        t.loopback = IN6_IS_ADDR_LOOPBACK(&v6) != 0;
    } else {
        return fail("'" + t.host +
                    "' is not a numeric address: attacks go only to an address given explicitly "
                    "(no names are resolved)");
    }
    return t;
}

}  // namespace sc::attack
