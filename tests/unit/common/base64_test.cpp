#include "common/base64.h"

#include <gtest/gtest.h>

namespace sc {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> cases[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : cases) {
        EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
        auto decoded = base64_decode(encoded);
        ASSERT_TRUE(decoded) << encoded;
        EXPECT_EQ(std::string(decoded->begin(), decoded->end()), plain);
    }
}

TEST(Base64, EveryByteValueRoundTrips) {
    Bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) {
        all[i] = static_cast<std::uint8_t>(i);
    }
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Base64, StrictDecodingRejectsAnythingNonCanonical) {
    for (const char* bad :
         {"Zg", "Zg=", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm-_", "====", "Z===", "Zm=v", "=Zm9"}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
}

}  // namespace
}  // namespace sc
