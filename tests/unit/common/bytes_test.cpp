#include "common/bytes.h"

#include <gtest/gtest.h>

namespace sc {
namespace {

TEST(Hex, RoundTrips) {
    Bytes data{0x00, 0x7f, 0x80, 0xff, 0x1a};
    EXPECT_EQ(to_hex(data), "007f80ff1a");
    EXPECT_EQ(to_hex_colons(data), "00:7F:80:FF:1A");
    EXPECT_EQ(from_hex("007F80ff1A"), data);
}

TEST(Hex, RejectsOddLengthAndNonHex) {
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_FALSE(from_hex("zz"));
    EXPECT_TRUE(from_hex("")->empty());
}

}  // namespace
}  // namespace sc
