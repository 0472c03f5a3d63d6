#include "proto/environment.h"

#include "crypto/random.h"

namespace sc::proto {

std::chrono::system_clock::time_point SystemClock::now() const {
    return std::chrono::system_clock::now();
}

Result<Bytes> SystemEntropy::random(std::size_t count) {
    return crypto::random_bytes(count);
}

Result<crypto::EphemeralKeyPair> SystemEntropy::ephemeral(crypto::DhGroup group) {
    return crypto::EphemeralKeyPair::generate(group);
}

std::uint64_t unix_millis(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

}  // namespace sc::proto
