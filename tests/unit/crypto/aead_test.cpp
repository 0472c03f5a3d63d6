#include "crypto/internal/aead_raw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "support/hex.h"

namespace sc::crypto {
namespace {

using sc::test::hex;
// The raw primitive, tested on its own against NIST vectors; nothing outside the sealers uses it.
using internal::open;
using internal::seal;

std::array<std::uint8_t, kAesGcmIvSize> iv_from(const Bytes& bytes) {
    std::array<std::uint8_t, kAesGcmIvSize> iv{};
    if (bytes.size() != iv.size()) {
        std::abort();
    }
    std::copy(bytes.begin(), bytes.end(), iv.begin());
    return iv;
}

::testing::AssertionResult mentions(const Error& error, std::string_view words) {
    if (error.message.find(words) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "error \"" << error.message << "\" does not mention \"" << words << "\"";
}

// McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test case 16: AES-256,
// 60-byte plaintext, 20-byte AAD, 96-bit IV.
struct Aes256GcmTestCase16 : ::testing::Test {
    Bytes key_bytes = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    Bytes plaintext =
        hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    Bytes ad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    std::array<std::uint8_t, kAesGcmIvSize> iv = iv_from(hex("cafebabefacedbaddecaf888"));
    std::string ciphertext_hex =
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
    std::string tag_hex = "76fc6ece0f4e1768cddf8853bb2d551b";

    Aes256GcmKey key() const {
        auto k = Aes256GcmKey::create(SecretBytes(key_bytes));
        if (!k) {
            std::abort();
        }
        return std::move(k).value();
    }
    Bytes sealed() const { return hex(ciphertext_hex + tag_hex); }
};

TEST_F(Aes256GcmTestCase16, SealMatchesTheVector) {
    auto out = seal(key(), iv, plaintext, ad);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->size(), plaintext.size() + kAesGcmTagSize);
    EXPECT_EQ(to_hex(*out), ciphertext_hex + tag_hex);
}

TEST_F(Aes256GcmTestCase16, OpenRecoversThePlaintext) {
    auto out = open(key(), iv, sealed(), ad);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(*out, plaintext);
}

TEST_F(Aes256GcmTestCase16, FlippingAnyBitOfCiphertextOrTagFailsAuthentication) {
    auto k = key();
    const Bytes good = sealed();
    for (std::size_t i = 0; i < good.size() * 8; ++i) {
        Bytes bad = good;
        bad[i / 8] = static_cast<std::uint8_t>(bad[i / 8] ^ (1u << (i % 8)));
        auto out = open(k, iv, bad, ad);
        ASSERT_FALSE(out) << "bit " << i;
        EXPECT_EQ(out.error().message, "authentication failed");
    }
}

TEST_F(Aes256GcmTestCase16, FlippingAnyBitOfTheAdFailsAuthentication) {
    auto k = key();
    const Bytes good = sealed();
    for (std::size_t i = 0; i < ad.size() * 8; ++i) {
        Bytes bad_ad = ad;
        bad_ad[i / 8] = static_cast<std::uint8_t>(bad_ad[i / 8] ^ (1u << (i % 8)));
        auto out = open(k, iv, good, bad_ad);
        ASSERT_FALSE(out) << "bit " << i;
        EXPECT_EQ(out.error().message, "authentication failed");
    }
    EXPECT_FALSE(open(k, iv, good, {}));
}

TEST_F(Aes256GcmTestCase16, FlippingAnyBitOfTheIvFailsAuthentication) {
    auto k = key();
    const Bytes good = sealed();
    for (std::size_t i = 0; i < iv.size() * 8; ++i) {
        auto bad_iv = iv;
        bad_iv[i / 8] = static_cast<std::uint8_t>(bad_iv[i / 8] ^ (1u << (i % 8)));
        auto out = open(k, bad_iv, good, ad);
        ASSERT_FALSE(out) << "bit " << i;
        EXPECT_EQ(out.error().message, "authentication failed");
    }
}

TEST_F(Aes256GcmTestCase16, EveryTruncationFails) {
    auto k = key();
    const Bytes good = sealed();
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto out = open(k, iv, ByteView(good).first(n), ad);
        ASSERT_FALSE(out) << "length " << n;
        if (n < kAesGcmTagSize) {
            EXPECT_TRUE(mentions(out.error(), "too short")) << "length " << n;
        } else {
            EXPECT_EQ(out.error().message, "authentication failed") << "length " << n;
        }
    }
}

TEST_F(Aes256GcmTestCase16, AnAppendedByteFails) {
    Bytes longer = sealed();
    longer.push_back(0);
    auto out = open(key(), iv, longer, ad);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().message, "authentication failed");
}

TEST_F(Aes256GcmTestCase16, AnotherKeyFails) {
    Bytes other_bytes = key_bytes;
    other_bytes[31] ^= 0x01;
    auto other = Aes256GcmKey::create(SecretBytes(other_bytes));
    ASSERT_TRUE(other);
    auto out = open(*other, iv, sealed(), ad);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().message, "authentication failed");
}

TEST(Aes256Gcm, EmptyPlaintextAndAdRoundTrip) {
    auto key = Aes256GcmKey::create(SecretBytes(Bytes(32, 0x42)));
    ASSERT_TRUE(key);
    std::array<std::uint8_t, kAesGcmIvSize> iv{};
    auto sealed = seal(*key, iv, {}, {});
    ASSERT_TRUE(sealed) << sealed.error().message;
    EXPECT_EQ(sealed->size(), kAesGcmTagSize);
    auto opened = open(*key, iv, *sealed, {});
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_TRUE(opened->empty());

    Bytes bad = *sealed;
    bad[0] ^= 0x80;
    EXPECT_FALSE(open(*key, iv, bad, {}));
}

TEST(Aes256Gcm, KeyMustBeExactly32Bytes) {
    for (std::size_t size : {0u, 1u, 16u, 24u, 31u, 33u, 64u}) {
        auto key = Aes256GcmKey::create(SecretBytes(Bytes(size, 0x01)));
        ASSERT_FALSE(key) << size;
        EXPECT_TRUE(mentions(key.error(), "exactly 32 bytes")) << size;
    }
    EXPECT_TRUE(Aes256GcmKey::create(SecretBytes(Bytes(32, 0x01))));
}

}  // namespace
}  // namespace sc::crypto
