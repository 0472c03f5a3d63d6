#include "server/budgets.h"

#include <gtest/gtest.h>

namespace sc::server {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, BurstThenRefillPerKey) {
    RateLimiter limiter({.burst = 2, .per_second = 0.5});
    auto t0 = RateLimiter::Clock::time_point{} + 1000s;
    EXPECT_FALSE(limiter.take("a", t0));
    EXPECT_FALSE(limiter.take("a", t0));
    auto wait = limiter.take("a", t0);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 2s);
    EXPECT_FALSE(limiter.take("b", t0));  // another key has its own bucket
    EXPECT_FALSE(limiter.take("a", t0 + 2s));
}

TEST(RateLimiter, TableIsBounded) {
    RateLimiter limiter({.burst = 1, .per_second = 0.001, .max_keys = 4});
    auto t0 = RateLimiter::Clock::time_point{} + 1000s;
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(limiter.take("k" + std::to_string(i), t0 + std::chrono::seconds(i)));
    }
    // k0's empty bucket (refilling once per 1000 s) was dropped to make room: a new full one.
    EXPECT_FALSE(limiter.take("k0", t0 + 100s));
    // The newest key's bucket is still there, and still empty.
    EXPECT_TRUE(limiter.take("k99", t0 + 100s));
}

TEST(CappedCounter, CapsPerKey) {
    CappedCounter c(2);
    EXPECT_TRUE(c.acquire("a"));
    EXPECT_TRUE(c.acquire("a"));
    EXPECT_FALSE(c.acquire("a"));
    EXPECT_TRUE(c.acquire("b"));
    c.release("a");
    EXPECT_TRUE(c.acquire("a"));
}

TEST(DailyQuota, ResetsAtTheUtcDay) {
    DailyQuota q(100);
    auto day = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1};
    EXPECT_TRUE(q.charge("alice", 60, day + 1h));
    EXPECT_FALSE(q.charge("alice", 50, day + 2h));
    EXPECT_TRUE(q.charge("alice", 40, day + 3h));
    EXPECT_TRUE(q.charge("bob", 100, day + 3h));
    EXPECT_TRUE(q.charge("alice", 100, day + 25h));
}

}  // namespace
}  // namespace sc::server
