// An attack's target is one numeric address and port, given explicitly: names, ranges, missing
// or bad ports are refused, saying why; loopback is recognised for IPv4 (127/8) and IPv6 (::1).
#include "attack/target.h"

#include <gtest/gtest.h>

namespace sc::attack {
namespace {

TEST(AttackTarget, NumericAddressesWithAPortAreTargets) {
    auto v4 = parse_target("127.0.0.1:6000");
    ASSERT_TRUE(v4) << v4.error().message;
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->port, 6000);
    EXPECT_TRUE(v4->loopback);
    EXPECT_EQ(v4->text(), "127.0.0.1:6000");
    auto other = parse_target("127.8.9.10:1");
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->loopback);
    auto v6 = parse_target("[::1]:65535");
    ASSERT_TRUE(v6) << v6.error().message;
    EXPECT_EQ(v6->host, "::1");
    EXPECT_TRUE(v6->loopback);
    EXPECT_EQ(v6->text(), "[::1]:65535");
    auto remote = parse_target("192.0.2.7:6000");
    ASSERT_TRUE(remote);
    EXPECT_FALSE(remote->loopback);
}

TEST(AttackTarget, NamesRangesAndBadPortsAreRefusedSayingWhy) {
    auto named = parse_target("localhost:6000");
    ASSERT_FALSE(named);
    EXPECT_NE(named.error().message.find("no names are resolved"), std::string::npos);
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                            "127.0.0.1:60x", "10.0.0.0/8:6000", "::1:6000", "[::1]6000", ""}) {
        EXPECT_FALSE(parse_target(bad)) << bad;
    }
}

}  // namespace
}  // namespace sc::attack
