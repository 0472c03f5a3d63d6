// Bytes from a hex literal in a test; a typo in a test vector aborts instead of testing nothing.
#pragma once

#include <cstdlib>
#include <string_view>

#include "common/bytes.h"

namespace sc::test {

inline Bytes hex(std::string_view text) {
    auto bytes = from_hex(text);
    if (!bytes) {
        std::abort();  // a typo in a test vector
    }
    return *bytes;
}

}  // namespace sc::test
