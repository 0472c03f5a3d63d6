// Keys for tests. RSA keys are slow and unpredictable to generate (RSA-4096 takes seconds, more
// under ASan), so the build makes a few of each size once with the openssl CLI
// (tests/testing/CMakeLists.txt) and tests load them. Ed25519 and P-256 keys are generated,
// which is fast and gives every test fresh, distinct keys.
#pragma once

#include "crypto/keys.h"

namespace sc::test {

// How many fixed keys the build makes per RSA size.
inline constexpr int kFixedKeysPerType = 3;

// Fixed RSA key number `slot` (0 <= slot < kFixedKeysPerType) of the build tree; aborts if it
// is missing. Not for Ed25519 or P-256.
crypto::PrivateKey fixed_key(crypto::KeyType type, int slot);

// A key of `type` for a test: the next fixed RSA key of that size (in turn, so a CA and its
// two leaves get three different keys), or a freshly generated Ed25519 or P-256 key.
crypto::PrivateKey test_key(crypto::KeyType type);

// Aborts with `what` and the error when `result` failed (the testing library has no
// GoogleTest; a broken fixture is a bug in the test).
[[noreturn]] void fixture_failed(const std::string& what);
template <class T>
T must(Result<T> result, const char* what) {
    if (!result) {
        fixture_failed(std::string(what) + ": " + result.error().message);
    }
    return std::move(result).value();
}

}  // namespace sc::test
