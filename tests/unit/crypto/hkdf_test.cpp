#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "support/hex.h"

namespace sc::crypto {
namespace {

using sc::test::hex;

Bytes range(int first, int last_exclusive) {
    Bytes out;
    for (int b = first; b < last_exclusive; ++b) {
        out.push_back(static_cast<std::uint8_t>(b));
    }
    return out;
}

std::string secret_hex(const SecretBytes& secret) {
    return to_hex(secret.reveal(SecretAccess{}));
}

::testing::AssertionResult mentions(const Error& error, std::string_view words) {
    if (error.message.find(words) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "error \"" << error.message << "\" does not mention \"" << words << "\"";
}

// RFC 5869 appendix A: extract, then expand, each compared byte for byte.
void check_rfc5869(const Bytes& ikm, const Bytes& salt, const Bytes& info, std::size_t length,
                   std::string_view prk_hex, std::string_view okm_hex) {
    auto prk = hkdf_extract(salt, SecretBytes(ikm));
    ASSERT_TRUE(prk) << prk.error().message;
    EXPECT_EQ(secret_hex(*prk), prk_hex);

    auto okm = hkdf_expand(SecretBytes(hex(prk_hex)), info, length);
    ASSERT_TRUE(okm) << okm.error().message;
    EXPECT_EQ(secret_hex(*okm), okm_hex);
}

TEST(Hkdf, Rfc5869TestCase1) {
    check_rfc5869(Bytes(22, 0x0b), range(0x00, 0x0d), range(0xf0, 0xfa), 42,
                  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                  "34007208d5b887185865");
}

TEST(Hkdf, Rfc5869TestCase2) {
    check_rfc5869(range(0x00, 0x50), range(0x60, 0xb0), range(0xb0, 0x100), 82,
                  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                  "cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(Hkdf, Rfc5869TestCase3EmptySaltAndInfo) {
    check_rfc5869(Bytes(22, 0x0b), {}, {}, 42,
                  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                  "9d201395faa4b61a96c8");
}

// The PRK of RFC 5869 test case 1.
constexpr std::string_view kPrk =
    "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5";

// Computed independently with the openssl command line (bash):
//   PRK=077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5
//   LABEL=$(printf 'securechat/v1 key' | xxd -p)   # 17 bytes = 0x11
//   CTX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//   INFO=002011${LABEL}20${CTX}                     # length 32, label', context
//   OPTS="-kdfopt digest:SHA256 -kdfopt mode:EXPAND_ONLY"
//   openssl kdf -keylen 32 $OPTS -kdfopt hexkey:$PRK -kdfopt hexinfo:$INFO HKDF
TEST(Hkdf, ExpandLabelMatchesOpensslCommandLine) {
    auto out = hkdf_expand_label(SecretBytes(hex(kPrk)), "key", range(0x00, 0x20), 32);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(secret_hex(*out), "6fd2007bbce1c358e6f453a69bec12a81d79b8b610660d619a318ef438f1144a");
}

// Computed independently with the openssl command line (bash), PRK and OPTS as above:
//   LABEL=$(printf 'securechat/v1 iv' | xxd -p)    # 16 bytes = 0x10
//   INFO=000c10${LABEL}00                           # length 12, label', empty context
//   openssl kdf -keylen 12 $OPTS -kdfopt hexkey:$PRK -kdfopt hexinfo:$INFO HKDF
TEST(Hkdf, ExpandLabelWithEmptyContextMatchesOpensslCommandLine) {
    auto out = hkdf_expand_label(SecretBytes(hex(kPrk)), "iv", {}, 12);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(secret_hex(*out), "041cebcd1bb1136e01afb9b1");
}

TEST(Hkdf, ExpandLabelSeparatesLabelsContextsAndLengths) {
    SecretBytes prk(hex(kPrk));
    auto base = hkdf_expand_label(prk, "key", as_bytes("context"), 32);
    auto other_label = hkdf_expand_label(prk, "kez", as_bytes("context"), 32);
    auto other_context = hkdf_expand_label(prk, "key", as_bytes("contexu"), 32);
    auto longer = hkdf_expand_label(prk, "key", as_bytes("context"), 33);
    ASSERT_TRUE(base && other_label && other_context && longer);
    EXPECT_FALSE(*base == *other_label);
    EXPECT_FALSE(*base == *other_context);
    // The length is part of the info, so a longer output does not extend a shorter one.
    EXPECT_NE(secret_hex(*longer).substr(0, 64), secret_hex(*base));
}

TEST(Hkdf, ExtractRejectsEmptyInputKeyMaterial) {
    auto out = hkdf_extract(as_bytes("salt"), SecretBytes());
    ASSERT_FALSE(out);
    EXPECT_TRUE(mentions(out.error(), "input key material is empty"));
}

TEST(Hkdf, ExpandRejectsShortPrk) {
    auto out = hkdf_expand(SecretBytes(Bytes(31, 0x01)), {}, 32);
    ASSERT_FALSE(out);
    EXPECT_TRUE(mentions(out.error(), "at least 32"));
}

TEST(Hkdf, ExpandAcceptsOnlyLengthsFrom1To8160) {
    SecretBytes prk(hex(kPrk));
    for (std::size_t length : {std::size_t{0}, std::size_t{8161}, std::size_t{100000}}) {
        auto out = hkdf_expand(prk, {}, length);
        ASSERT_FALSE(out) << length;
        EXPECT_TRUE(mentions(out.error(), "between 1 and 8160"));
    }
    for (std::size_t length : {std::size_t{1}, std::size_t{8160}}) {
        auto out = hkdf_expand(prk, {}, length);
        ASSERT_TRUE(out) << out.error().message;
        EXPECT_EQ(out->size(), length);
    }
}

TEST(Hkdf, ExpandLabelRejectsOversizedFields) {
    SecretBytes prk(hex(kPrk));
    // "securechat/v1 " is 14 bytes, so a 241-byte label is the longest that fits in 255.
    EXPECT_TRUE(hkdf_expand_label(prk, std::string(241, 'a'), {}, 32));
    auto long_label = hkdf_expand_label(prk, std::string(242, 'a'), {}, 32);
    ASSERT_FALSE(long_label);
    EXPECT_TRUE(mentions(long_label.error(), "label"));

    EXPECT_TRUE(hkdf_expand_label(prk, "key", Bytes(255, 0x01), 32));
    auto long_context = hkdf_expand_label(prk, "key", Bytes(256, 0x01), 32);
    ASSERT_FALSE(long_context);
    EXPECT_TRUE(mentions(long_context.error(), "context"));

    for (std::size_t length : {std::size_t{0}, std::size_t{8161}, std::size_t{65536}}) {
        auto out = hkdf_expand_label(prk, "key", {}, length);
        ASSERT_FALSE(out) << length;
        EXPECT_TRUE(mentions(out.error(), "between 1 and 8160"));
    }
}

}  // namespace
}  // namespace sc::crypto
