// Strict UTF-8 validation (RFC 3629): the check §6 requires of every msg text.
#pragma once

#include <string_view>

namespace sc::proto {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates (U+D800-U+DFFF), nothing
// above U+10FFFF, no stray or missing continuation bytes.
bool is_valid_utf8(std::string_view text);

}  // namespace sc::proto
