// Throttles and caps count address blocks, not single addresses: one host easily holds a whole
// IPv6 /64 (2^64 addresses) and many a /24 (docs/SECURITY.md, H2).
#pragma once

#include <asio/ip/address.hpp>

#include <string>

namespace sc::server {

// "203.0.113.0/24" for IPv4 (and IPv4-mapped IPv6), "2001:db8:1:2::/64" for IPv6.
std::string address_block(const asio::ip::address& address);

}  // namespace sc::server
