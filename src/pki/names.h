// Names that go into certificates and onto disk.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace sc::pki {

// A certificate name given to `pki issue` is also a file name in the CA directory, so it is
// restricted to what is safe in both: 1-64 of [A-Za-z0-9._-], starting with a letter or digit,
// and not "ca" (the CA's own files).
Status check_entity_name(std::string_view name);

// The subjectAltName entry for a bare name: "IP:<addr>" for an IPv4/IPv6 literal, else
// "DNS:<name>".
std::string san_for_name(std::string_view name);

// Validates and normalises a --san argument ("DNS:host.example", "IP:10.0.0.1", "IP:::1").
Result<std::string> parse_san(std::string_view text);

bool is_ip_literal(std::string_view text);

}  // namespace sc::pki
