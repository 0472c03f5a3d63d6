#include "testing/deterministic_entropy.h"

#include "crypto/sha256.h"

namespace sc::test {

Bytes DeterministicEntropy::stream(std::size_t count) {
    Bytes out;
    while (out.size() < count) {
        crypto::Sha256 h;
        h.update(as_bytes(label_));
        Bytes block{0};
        for (int shift = 56; shift >= 0; shift -= 8) {
            block.push_back(static_cast<std::uint8_t>(counter_ >> shift));
        }
        h.update(block);
        ++counter_;
        auto digest = h.peek();
        out.insert(out.end(), digest.begin(), digest.end());
    }
    out.resize(count);
    return out;
}

Result<Bytes> DeterministicEntropy::random(std::size_t count) {
    if (randoms_.empty()) {
        return stream(count);
    }
    Bytes out = std::move(randoms_.front());
    randoms_.pop_front();
    if (out.size() != count) {
        return fail("scripted random value of " + std::to_string(out.size()) +
                    " bytes, but the session asked for " + std::to_string(count));
    }
    return out;
}

Result<crypto::EphemeralKeyPair> DeterministicEntropy::ephemeral(crypto::DhGroup group) {
    if (!privates_.empty()) {
        Bytes key = std::move(privates_.front());
        privates_.pop_front();
        return crypto::EphemeralKeyPair::from_private_for_test(group, key);
    }
    if (group != crypto::DhGroup::x25519) {
        return crypto::EphemeralKeyPair::generate(group);
    }
    return crypto::EphemeralKeyPair::from_private_for_test(group, stream(32));
}

}  // namespace sc::test
