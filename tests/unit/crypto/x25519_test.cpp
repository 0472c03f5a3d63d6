#include "crypto/x25519.h"

#include <gtest/gtest.h>

#include <string_view>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "support/hex.h"

namespace sc::crypto {
namespace {

using sc::test::hex;

// RFC 7748 section 6.1.
constexpr std::string_view kAlicePrivate =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kAlicePublic =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view kBobPrivate =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view kBobPublic =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kSharedSecret =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

X25519KeyPair pair_of(std::string_view private_hex) {
    auto pair = X25519KeyPair::from_private(SecretBytes(hex(private_hex)));
    EXPECT_TRUE(pair) << pair.error().message;
    return std::move(pair).value();
}

TEST(X25519KeyPair, Rfc7748Vectors) {
    auto alice = pair_of(kAlicePrivate);
    auto bob = pair_of(kBobPrivate);
    EXPECT_EQ(to_hex(alice.public_key()), kAlicePublic);
    EXPECT_EQ(to_hex(bob.public_key()), kBobPublic);
    auto a = alice.agree(bob.public_key());
    auto b = bob.agree(alice.public_key());
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(to_hex(a->reveal(SecretAccess{})), kSharedSecret);
    EXPECT_EQ(to_hex(b->reveal(SecretAccess{})), kSharedSecret);
}

TEST(X25519KeyPair, AgreesAgainAndAgain) {
    auto alice = pair_of(kAlicePrivate);
    for (int i = 0; i < 3; ++i) {
        auto a = alice.agree(hex(kBobPublic));
        ASSERT_TRUE(a) << a.error().message;
        EXPECT_EQ(to_hex(a->reveal(SecretAccess{})), kSharedSecret);
    }
    EXPECT_EQ(to_hex(alice.private_key().reveal(SecretAccess{})), kAlicePrivate);
}

TEST(X25519KeyPair, RefusesLowOrderPointsAndWrongSizes) {
    auto alice = pair_of(kAlicePrivate);
    // The all-zero point and the point of order 8 (u = 1) both give an all-zero secret.
    for (const Bytes& low : {Bytes(32, 0), hex("01000000000000000000000000000000000000000000000000"
                                               "00000000000000")}) {
        auto out = alice.agree(low);
        ASSERT_FALSE(out);
        EXPECT_NE(out.error().message.find("low-order"), std::string::npos) << out.error().message;
    }
    EXPECT_FALSE(alice.agree(Bytes(31, 9)));
    EXPECT_FALSE(alice.agree(Bytes(33, 9)));
    EXPECT_FALSE(X25519KeyPair::from_private(SecretBytes(Bytes(31, 1))));
}

TEST(X25519KeyPair, GeneratedPairsAgree) {
    auto a = X25519KeyPair::generate();
    auto b = X25519KeyPair::generate();
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->public_key(), b->public_key());
    auto ab = a->agree(b->public_key());
    auto ba = b->agree(a->public_key());
    ASSERT_TRUE(ab && ba);
    EXPECT_TRUE(*ab == *ba);
}

}  // namespace
}  // namespace sc::crypto
