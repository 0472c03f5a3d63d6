// The registry of logged-in sessions without a server: the admin's listing (ordered, bounded)
// and the sweep that a login which began before it cannot slip past.
#include "server/session_registry.h"

#include <gtest/gtest.h>

namespace sc::server {
namespace {

LoggedInSession session(std::string user, std::uint64_t since) {
    return {std::move(user), std::string(64, 'a'), "default", since};
}

TEST(SessionRegistry, ListsByUserThenLoginTimeAndSaysWhenItCut) {
    SessionRegistry registry;
    EXPECT_FALSE(registry.add(1, {}, session("carol", 10), 0));
    EXPECT_FALSE(registry.add(2, {}, session("Bob", 30), 0));
    EXPECT_FALSE(registry.add(3, {}, session("bob", 20), 0));
    auto all = registry.list(10);
    EXPECT_FALSE(all.truncated);
    ASSERT_EQ(all.sessions.size(), 3u);
    EXPECT_EQ(all.sessions[0].since_ms, 20u);
    EXPECT_EQ(all.sessions[1].since_ms, 30u);
    EXPECT_EQ(all.sessions[2].user, "carol");
    auto cut = registry.list(2);
    EXPECT_TRUE(cut.truncated);
    EXPECT_EQ(cut.sessions.size(), 2u);
    registry.remove(2);
    EXPECT_EQ(registry.list(10).sessions.size(), 2u);
}

TEST(SessionRegistry, ALoginThatBeganBeforeASweepIsRefusedWithItsCode) {
    SessionRegistry registry;
    auto before = registry.begin_login("bob");
    registry.sweep("BOB", proto::ErrorCode::account_disabled);
    EXPECT_EQ(registry.add(1, {}, session("bob", 1), before), proto::ErrorCode::account_disabled);
    EXPECT_TRUE(registry.list(10).sessions.empty());
    // One that begins after the sweep is not (the store refuses a disabled account itself).
    auto after = registry.begin_login("bob");
    EXPECT_FALSE(registry.add(2, {}, session("bob", 2), after));
    // Other users are not affected by bob's sweep.
    auto carol = registry.begin_login("carol");
    registry.sweep("bob", proto::ErrorCode::kicked);
    EXPECT_FALSE(registry.add(3, {}, session("carol", 3), carol));
    EXPECT_EQ(registry.add(4, {}, session("bob", 4), after), proto::ErrorCode::kicked);
}

}  // namespace
}  // namespace sc::server
