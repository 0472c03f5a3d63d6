// Standard base64 (RFC 4648 §4) with padding. Decoding is strict: no whitespace, no URL
// alphabet, correct padding, and zero bits where the encoding has spare bits, so each byte
// string has exactly one accepted encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace sc {

std::string base64_encode(ByteView data);
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace sc
