// Admission before login (H2): counting per address block, eviction of the oldest silent
// connection, and refusal only when every slot in the way belongs to one that spoke.
#include "server/admission.h"

#include <gtest/gtest.h>

#include <vector>

#include "server/address_block.h"

namespace sc::server {
namespace {

TEST(AddressBlock, Ipv4IsA24AndIpv6A64) {
    EXPECT_EQ(address_block(asio::ip::make_address("203.0.113.77")), "203.0.113.0/24");
    EXPECT_EQ(address_block(asio::ip::make_address("::ffff:203.0.113.77")), "203.0.113.0/24");
    EXPECT_EQ(address_block(asio::ip::make_address("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
    EXPECT_EQ(address_block(asio::ip::make_address("2001:db8:1:2:ffff::1")),
              address_block(asio::ip::make_address("2001:db8:1:2::9")));
    EXPECT_NE(address_block(asio::ip::make_address("2001:db8:1:3::1")),
              address_block(asio::ip::make_address("2001:db8:1:2::1")));
}

TEST(Admission, FullTableEvictsTheOldestSilentConnection) {
    Admission admission({.max_total = 3, .max_per_block = 10});
    std::vector<std::uint64_t> evicted;
    auto evict = [&](std::uint64_t id) { return [&evicted, id] { evicted.push_back(id); }; };
    EXPECT_TRUE(admission.admit(1, "a", evict(1)));
    EXPECT_TRUE(admission.admit(2, "b", evict(2)));
    EXPECT_TRUE(admission.admit(3, "c", evict(3)));
    admission.heard(1);  // spoke: not evictable
    EXPECT_TRUE(admission.admit(4, "d", evict(4)));
    EXPECT_EQ(evicted, std::vector<std::uint64_t>{2});
    EXPECT_EQ(admission.size(), 3u);
    admission.heard(3);
    admission.heard(4);
    EXPECT_FALSE(admission.admit(5, "e", evict(5)));  // everyone in the way spoke
    admission.release(1);
    admission.release(1);  // idempotent
    EXPECT_TRUE(admission.admit(6, "e", evict(6)));
}

TEST(Admission, FullBlockEvictsOnlyWithinThatBlock) {
    Admission admission({.max_total = 10, .max_per_block = 2});
    std::vector<std::uint64_t> evicted;
    auto evict = [&](std::uint64_t id) { return [&evicted, id] { evicted.push_back(id); }; };
    EXPECT_TRUE(admission.admit(1, "other", evict(1)));
    EXPECT_TRUE(admission.admit(2, "a", evict(2)));
    EXPECT_TRUE(admission.admit(3, "a", evict(3)));
    EXPECT_TRUE(admission.admit(4, "a", evict(4)));
    EXPECT_EQ(evicted, std::vector<std::uint64_t>{2});
    admission.heard(3);
    admission.heard(4);
    EXPECT_FALSE(admission.admit(5, "a", evict(5)));
    EXPECT_TRUE(admission.admit(6, "b", evict(6)));
}

}  // namespace
}  // namespace sc::server
