#include "crypto/key_exchange.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "support/hex.h"

namespace sc::crypto {
namespace {

using sc::test::hex;

::testing::AssertionResult mentions(const Error& error, std::string_view words) {
    if (error.message.find(words) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "error \"" << error.message << "\" does not mention \"" << words << "\"";
}

EphemeralKeyPair fresh(DhGroup group) {
    auto pair = EphemeralKeyPair::generate(group);
    if (!pair) {
        ADD_FAILURE() << pair.error().message;
        std::abort();
    }
    return std::move(pair).value();
}

// The error a fresh key pair gives for `peer_share`, or "" if it was accepted.
std::string rejection(DhGroup group, ByteView peer_share) {
    auto secret = fresh(group).derive(peer_share);
    return secret ? std::string() : secret.error().message;
}

// ---- group names ----

TEST(DhGroup, NamesRoundTrip) {
    EXPECT_EQ(dh_group_name(DhGroup::x25519), "x25519");
    EXPECT_EQ(dh_group_name(DhGroup::ffdhe3072), "ffdhe3072");
    EXPECT_EQ(parse_dh_group("x25519"), DhGroup::x25519);
    EXPECT_EQ(parse_dh_group("ffdhe3072"), DhGroup::ffdhe3072);
    for (std::string_view name : {"", "X25519", "x448", "ffdhe2048", "ffdhe3072 ", "dh"}) {
        EXPECT_FALSE(parse_dh_group(name)) << name;
    }
    EXPECT_EQ(dh_share_size(DhGroup::x25519), 32u);
    EXPECT_EQ(dh_share_size(DhGroup::ffdhe3072), 384u);
}

// ---- agreement ----

void check_agreement(DhGroup group) {
    auto alice = fresh(group);
    auto bob = fresh(group);
    EXPECT_EQ(alice.group(), group);
    Bytes alice_share = alice.public_share();
    Bytes bob_share = bob.public_share();
    EXPECT_EQ(alice_share.size(), dh_share_size(group));
    EXPECT_EQ(bob_share.size(), dh_share_size(group));
    EXPECT_NE(alice_share, bob_share);

    auto alice_secret = std::move(alice).derive(bob_share);
    auto bob_secret = std::move(bob).derive(alice_share);
    ASSERT_TRUE(alice_secret) << alice_secret.error().message;
    ASSERT_TRUE(bob_secret) << bob_secret.error().message;
    EXPECT_EQ(alice_secret->size(), dh_share_size(group));
    EXPECT_TRUE(*alice_secret == *bob_secret);
}

TEST(EphemeralKeyPair, X25519PartiesAgree) {
    check_agreement(DhGroup::x25519);
}

TEST(EphemeralKeyPair, Ffdhe3072PartiesAgree) {
    check_agreement(DhGroup::ffdhe3072);
}

TEST(EphemeralKeyPair, KeyPairsAreFresh) {
    EXPECT_NE(fresh(DhGroup::x25519).public_share(), fresh(DhGroup::x25519).public_share());
    EXPECT_NE(fresh(DhGroup::ffdhe3072).public_share(), fresh(DhGroup::ffdhe3072).public_share());
}

TEST(EphemeralKeyPairDeathTest, DeriveConsumesTheKeyPair) {
    auto pair = fresh(DhGroup::x25519);
    Bytes peer = fresh(DhGroup::x25519).public_share();
    ASSERT_TRUE(std::move(pair).derive(peer));
    EXPECT_DEATH((void)pair.public_share(), "");  // NOLINT(bugprone-use-after-move)
}

// ---- RFC 7748 section 6.1 ----

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

TEST(EphemeralKeyPair, Rfc7748X25519Vector) {
    auto alice = EphemeralKeyPair::from_private_for_test(DhGroup::x25519, hex(kAlicePrivate));
    auto bob = EphemeralKeyPair::from_private_for_test(DhGroup::x25519, hex(kBobPrivate));
    ASSERT_TRUE(alice) << alice.error().message;
    ASSERT_TRUE(bob) << bob.error().message;
    EXPECT_EQ(to_hex(alice->public_share()), kAlicePublic);
    EXPECT_EQ(to_hex(bob->public_share()), kBobPublic);

    auto alice_secret = std::move(*alice).derive(hex(kBobPublic));
    auto bob_secret = std::move(*bob).derive(hex(kAlicePublic));
    ASSERT_TRUE(alice_secret) << alice_secret.error().message;
    ASSERT_TRUE(bob_secret) << bob_secret.error().message;
    EXPECT_EQ(to_hex(alice_secret->reveal(SecretAccess{})), kSharedSecret);
    EXPECT_EQ(to_hex(bob_secret->reveal(SecretAccess{})), kSharedSecret);
}

TEST(EphemeralKeyPair, FromPrivateForTestIsX25519Only) {
    auto ffdhe = EphemeralKeyPair::from_private_for_test(DhGroup::ffdhe3072, Bytes(384, 0x01));
    ASSERT_FALSE(ffdhe);
    EXPECT_TRUE(mentions(ffdhe.error(), "x25519 only"));
    auto short_key = EphemeralKeyPair::from_private_for_test(DhGroup::x25519, Bytes(31, 0x01));
    ASSERT_FALSE(short_key);
    EXPECT_TRUE(mentions(short_key.error(), "32 bytes"));
}

// ---- X25519 peer validation ----

TEST(EphemeralKeyPair, X25519RejectsWrongLength) {
    for (std::size_t size : {0u, 1u, 31u, 33u, 64u}) {
        std::string error = rejection(DhGroup::x25519, Bytes(size, 0x09));
        EXPECT_NE(error.find("must be exactly 32"), std::string::npos) << size << ": " << error;
    }
}

// The u-coordinates of small order, as listed by libsodium (crypto_scalarmult/curve25519/ref10):
// X25519 with any of them gives an all-zero output.
const std::vector<std::string_view> kLowOrderPoints = {
    // 0 (order 4)
    "0000000000000000000000000000000000000000000000000000000000000000",
    // 1 (order 1)
    "0100000000000000000000000000000000000000000000000000000000000000",
    // 325606250916557431795983626356110631294008115727848805560023387167927233504 (order 8)
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    // 39382357235489614581723060781553021112529911719440698176882885853963445705823 (order 8)
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    // p-1 (order 2)
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // p, non-canonical 0 (order 4)
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // p+1, non-canonical 1 (order 1)
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

TEST(EphemeralKeyPair, X25519RejectsLowOrderPoints) {
    for (std::string_view point : kLowOrderPoints) {
        Bytes share = hex(point);
        std::string error = rejection(DhGroup::x25519, share);
        EXPECT_NE(error.find("low-order point"), std::string::npos) << point << ": " << error;
        EXPECT_NE(error.find("all zero"), std::string::npos) << point << ": " << error;

        // X25519 ignores the top bit of the u-coordinate (RFC 7748 section 5), so these are the
        // same points.
        share[31] = static_cast<std::uint8_t>(share[31] | 0x80);
        error = rejection(DhGroup::x25519, share);
        EXPECT_NE(error.find("low-order point"), std::string::npos) << point << "|0x80: " << error;
    }
}

// ---- ffdhe3072 peer validation ----

// The RFC 7919 ffdhe3072 prime.
const Bytes kFfdhe3072P =
    hex("ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695"
        "a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617a"
        "d3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935"
        "984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797a"
        "bc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4"
        "ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f61"
        "9172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005"
        "c58ef1837d1683b2c6f34a26c1b2effa886b4238611fcfdcde355b3b6519035b"
        "bc34f4def99c023861b46fc9d6e6c9077ad91d2691f7f7ee598cb0fac186d91c"
        "aefe130985139270b4130c93bc437944f4fd4452e2d74dd364f2e21e71f54bff"
        "5cae82ab9c9df69ee86d2bc522363a0dabc521979b0deada1dbf9a42d5c4484e"
        "0abcd06bfa53ddef3c1b20ee3fd59d7c25e41d2b66c62e37ffffffffffffffff");

// A 384-byte big-endian number plus a small signed delta (no overflow past 384 bytes here).
Bytes add(Bytes number, int delta) {
    int carry = delta;
    for (std::size_t i = number.size(); i-- > 0 && carry != 0;) {
        int sum = number[i] + carry;
        number[i] = static_cast<std::uint8_t>(sum & 0xff);
        carry = sum >> 8;  // arithmetic shift: -1 for a borrow
    }
    return number;
}

Bytes small(int value) {
    return add(Bytes(384, 0), value);
}

TEST(EphemeralKeyPair, Ffdhe3072RejectsSharesOutOfRange) {
    struct Case {
        std::string_view name;
        Bytes share;
    };
    const Case cases[] = {
        {"y = 0", small(0)},
        {"y = 1", small(1)},
        {"y = p-1", add(kFfdhe3072P, -1)},
        {"y = p", kFfdhe3072P},
        {"y = p+1", add(kFfdhe3072P, 1)},
        {"y = 2^3072-1", Bytes(384, 0xff)},
    };
    for (const auto& c : cases) {
        ASSERT_EQ(c.share.size(), 384u);
        std::string error = rejection(DhGroup::ffdhe3072, c.share);
        EXPECT_NE(error.find("out of range"), std::string::npos) << c.name << ": " << error;
        EXPECT_NE(error.find("1 < y < p-1"), std::string::npos) << c.name << ": " << error;
    }
}

TEST(EphemeralKeyPair, Ffdhe3072RejectsWrongLength) {
    Bytes valid = fresh(DhGroup::ffdhe3072).public_share();
    Bytes too_long = valid;
    too_long.insert(too_long.begin(), 0x00);  // the same number, one byte longer
    Bytes too_short(valid.begin() + 1, valid.end());
    for (const Bytes& share : {too_long, too_short, Bytes{}, Bytes(32, 0x09)}) {
        std::string error = rejection(DhGroup::ffdhe3072, share);
        EXPECT_NE(error.find("must be exactly 384"), std::string::npos)
            << share.size() << ": " << error;
    }
}

TEST(EphemeralKeyPair, Ffdhe3072RejectsSharesOutsideThePrimeOrderSubgroup) {
    // p is 7 mod 8, so -2 = p-2 is a quadratic non-residue: in range, but of order 2q, not q.
    std::string error = rejection(DhGroup::ffdhe3072, add(kFfdhe3072P, -2));
    EXPECT_NE(error.find("not in the prime-order subgroup"), std::string::npos) << error;
    // 2 is the group's generator, so y = 2 is a valid (if silly) share.
    EXPECT_EQ(rejection(DhGroup::ffdhe3072, small(2)), "");
}

}  // namespace
}  // namespace sc::crypto
