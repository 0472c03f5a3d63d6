// The login throttle (M2) without a server: canonical keys, per-(account, block) delays,
// reservations that count attempts in flight.
#include "server/login_throttle.h"

#include <gtest/gtest.h>

#include "testing/fixed_steady_clock.h"

namespace sc::server {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

TEST(LoginThrottle, CanonicalIsAsciiLowerCase) {
    EXPECT_EQ(LoginThrottle::canonical("ALice_9.X"), "alice_9.x");
}

TEST(LoginThrottle, ReservationsCountBeforeTheVerdict) {
    LoginThrottle t({.free_failures = 3});
    auto now = Clock::time_point{} + 1000s;
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    EXPECT_TRUE(t.reserve("alice", "b1", now));   // three in flight: the fourth waits
    EXPECT_FALSE(t.reserve("alice", "b2", now));  // the owner, elsewhere, is not locked out
}

// The wait named is rounded up, never down: found by `securechat attack guess`, which waited
// the "1 s" it was told while 1.7 s were left, and was refused again.
TEST(LoginThrottle, AClientThatWaitsTheSecondsNamedIsNotRefusedAgain) {
    LoginThrottle t({.free_failures = 1});
    auto now = Clock::time_point{} + 1000s;
    int throttled = 0;
    for (int i = 0; i < 8; ++i) {
        now += 300ms;  // a little after the last attempt: what is left is not whole seconds
        auto wait = t.reserve("alice", "b1", now);
        if (wait) {
            ++throttled;
            now += *wait;  // the client waits what it was told, then tries again
            EXPECT_FALSE(t.reserve("alice", "b1", now))
                << "refused again after waiting the " << wait->count() << " s named";
        }
    }
    EXPECT_GE(throttled, 3);
}

TEST(LoginThrottle, RefundAndSuccessGiveTheAttemptBack) {
    LoginThrottle t({.free_failures = 2});
    auto now = Clock::time_point{} + 1000s;
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    t.refund("alice", "b1");
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    t.succeeded("alice", "b1", now);
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    EXPECT_TRUE(t.reserve("alice", "b1", now));
}

TEST(LoginThrottle, AccountAllowanceBoundsGuessingFromManyBlocks) {
    LoginThrottle t({.free_failures = 3, .free_account_failures = 5});
    auto now = Clock::time_point{} + 1000s;
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(t.reserve("alice", "block" + std::to_string(i), now));
    }
    EXPECT_TRUE(t.reserve("alice", "block-new", now));
    EXPECT_FALSE(t.reserve("bob", "block-new", now));
}

// Review M2(a): guessing from many blocks exhausts the account's allowance, but the owner's
// block, where the owner logged in before, meets only its own delay.
TEST(LoginThrottle, M2_GuessingElsewhereDoesNotLockOutTheOwnersKnownBlock) {
    LoginThrottle t({.free_failures = 3, .free_account_failures = 5});
    auto now = Clock::time_point{} + 1000s;
    EXPECT_FALSE(t.reserve("alice", "home", now));
    t.succeeded("alice", "home", now);
    for (int i = 0; i < 50; ++i) {
        t.reserve("alice", "block" + std::to_string(i), now);
    }
    EXPECT_TRUE(t.reserve("alice", "block-new", now));  // the account allowance is used up
    EXPECT_FALSE(t.reserve("alice", "home", now));      // but not for the owner at home
    t.succeeded("alice", "home", now);
    // The home pair keeps its own delay: three wrong passwords there, and it waits.
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(t.reserve("alice", "home", now));
    }
    EXPECT_TRUE(t.reserve("alice", "home", now));
}

TEST(LoginThrottle, DelaysEnd) {
    LoginThrottle t({.free_failures = 1});
    auto now = Clock::time_point{} + 1000s;
    EXPECT_FALSE(t.reserve("alice", "b1", now));
    auto wait = t.reserve("alice", "b1", now);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 1s);
    EXPECT_FALSE(t.reserve("alice", "b1", now + 2s));
}

// Through the interface the server holds, with the clock it owns: the delays double from 1 s
// up to max_delay, and old failures are forgotten.
TEST(LoginThrottle, DelaysDoubleUpToTheCapOnAFixedClock) {
    sc::test::FixedSteadyClock clock;
    LoginThrottle local({.free_failures = 1, .max_delay = 5s, .forget_after = 60s});
    Throttle& t = local;
    std::vector<std::chrono::seconds> waits;
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(t.reserve("alice", "b1", clock.now())) << i;
        auto wait = t.reserve("alice", "b1", clock.now());
        ASSERT_TRUE(wait);
        waits.push_back(*wait);
        clock.advance(*wait);
    }
    EXPECT_EQ(waits, (std::vector<std::chrono::seconds>{1s, 2s, 4s, 5s, 5s}));
    clock.advance(61s);  // longer than forget_after since the last failure
    EXPECT_FALSE(t.reserve("alice", "b1", clock.now()));
    EXPECT_EQ(t.reserve("alice", "b1", clock.now()), 1s);  // counting starts over
}

TEST(LoginThrottle, TrustInAKnownPairExpires) {
    sc::test::FixedSteadyClock clock;
    LoginThrottle t({.free_failures = 3, .free_account_failures = 1, .trust_success_for = 10s});
    EXPECT_FALSE(t.reserve("alice", "home", clock.now()));
    t.succeeded("alice", "home", clock.now());  // trusted for 10 s
    // Guessing elsewhere, each time the account's delay has passed: 1, 2, 4, then 8 s.
    for (auto wait : {1s, 2s, 4s, 0s}) {
        EXPECT_FALSE(t.reserve("alice", "elsewhere-" + std::to_string(wait.count()), clock.now()));
        clock.advance(wait);
    }
    EXPECT_TRUE(t.reserve("alice", "elsewhere", clock.now()));  // the account waits
    EXPECT_FALSE(t.reserve("alice", "home", clock.now()));      // the owner at home does not
    t.refund("alice", "home");
    clock.advance(4s);                                     // 11 s after the success
    EXPECT_TRUE(t.reserve("alice", "home", clock.now()));  // trust expired: the account delay
}

}  // namespace
}  // namespace sc::server
