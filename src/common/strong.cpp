#include "common/strong.h"

namespace sc {

bool equal_constant_time(ByteView a, ByteView b) noexcept {
    if (a.size() != b.size()) {
        return false;  // lengths are public: every strong array type has one size
    }
    // Accumulate every difference, so that the loop never ends early; volatile keeps the
    // compiler from turning it back into an early exit.
    volatile std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
    }
    return diff == 0;
}

std::size_t hash_bytes(ByteView bytes) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (auto b : bytes) {
        h = (h ^ b) * 0x100000001b3ULL;
    }
    return static_cast<std::size_t>(h);
}

}  // namespace sc
