#include "crypto/sha256.h"

#include <gtest/gtest.h>

namespace sc::crypto {
namespace {

// FIPS 180-2 examples.
TEST(Sha256, KnownAnswers) {
    EXPECT_EQ(to_hex(sha256(as_bytes(""))),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(to_hex(sha256(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalMatchesOneShotAndPeekDoesNotDisturb) {
    Sha256 h;
    h.update(as_bytes("a"));
    auto after_a = h.peek();
    EXPECT_EQ(after_a, sha256(as_bytes("a")));
    h.update(as_bytes("bc"));
    EXPECT_EQ(h.peek(), sha256(as_bytes("abc")));
}

TEST(Sha256, CloneForksExplicitly) {
    Sha256 h;
    h.update(as_bytes("ab"));
    Sha256 fork = h.clone();
    fork.update(as_bytes("c"));
    EXPECT_EQ(h.peek(), sha256(as_bytes("ab")));
    EXPECT_EQ(fork.peek(), sha256(as_bytes("abc")));
}

}  // namespace
}  // namespace sc::crypto
