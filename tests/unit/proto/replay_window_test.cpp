#include "proto/replay_window.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sc::proto {
namespace {

using Verdict = ReplayWindow::Verdict;

// check() then mark(), as a receiver does once the message has authenticated.
Verdict receive(ReplayWindow& w, std::uint64_t seq) {
    auto verdict = w.check(seq);
    if (verdict == Verdict::fresh) {
        w.mark(seq);
    }
    return verdict;
}

TEST(ReplayWindow, AcceptsInOrderAndRefusesDuplicates) {
    ReplayWindow w(64);
    for (std::uint64_t seq = 0; seq < 200; ++seq) {
        ASSERT_EQ(receive(w, seq), Verdict::fresh) << seq;
        ASSERT_EQ(w.check(seq), Verdict::duplicate) << seq;
    }
    EXPECT_EQ(w.highest(), 199u);
}

TEST(ReplayWindow, AcceptsOutOfOrderWithinTheWindowOnce) {
    ReplayWindow w(8);
    EXPECT_EQ(receive(w, 10), Verdict::fresh);
    EXPECT_EQ(receive(w, 7), Verdict::fresh);
    EXPECT_EQ(receive(w, 3), Verdict::fresh);  // 10 − 3 = 7 < 8: the oldest still held
    EXPECT_EQ(receive(w, 2), Verdict::too_old);
    EXPECT_EQ(receive(w, 7), Verdict::duplicate);
    EXPECT_EQ(receive(w, 10), Verdict::duplicate);
    EXPECT_EQ(receive(w, 12), Verdict::fresh);  // ahead: the window slides to 5..12
    EXPECT_EQ(receive(w, 11), Verdict::fresh);
    EXPECT_EQ(receive(w, 4), Verdict::too_old);
    EXPECT_EQ(receive(w, 3), Verdict::too_old);  // once marked, now below the window
    EXPECT_EQ(receive(w, 5), Verdict::fresh);
    EXPECT_EQ(receive(w, 7), Verdict::duplicate);
}

TEST(ReplayWindow, CheckAloneDoesNotMark) {
    ReplayWindow w(16);
    EXPECT_EQ(w.check(5), Verdict::fresh);
    EXPECT_EQ(w.check(5), Verdict::fresh);  // e.g. it failed authentication: not recorded
    EXPECT_FALSE(w.any_marked());
    w.mark(5);
    EXPECT_TRUE(w.any_marked());
    EXPECT_EQ(w.check(5), Verdict::duplicate);
}

TEST(ReplayWindow, ALongJumpForgetsEverything) {
    ReplayWindow w(100);
    for (std::uint64_t seq = 0; seq < 100; ++seq) {
        w.mark(seq);
    }
    EXPECT_EQ(receive(w, 1'000'000), Verdict::fresh);
    EXPECT_EQ(receive(w, 999'901), Verdict::fresh);  // the bits of 0..99 did not survive
    EXPECT_EQ(receive(w, 999'900), Verdict::too_old);
    EXPECT_EQ(receive(w, 99), Verdict::too_old);
}

TEST(ReplayWindow, SizeOneIsStrictlyIncreasing) {
    ReplayWindow w(1);
    EXPECT_EQ(receive(w, 1), Verdict::fresh);
    EXPECT_EQ(receive(w, 1), Verdict::duplicate);
    EXPECT_EQ(receive(w, 0), Verdict::too_old);
    EXPECT_EQ(receive(w, 3), Verdict::fresh);
    EXPECT_EQ(receive(w, 2), Verdict::too_old);
}

TEST(ReplayWindow, HandlesTheTopOfTheRange) {
    ReplayWindow w(64);
    EXPECT_EQ(receive(w, UINT64_MAX), Verdict::fresh);
    EXPECT_EQ(receive(w, UINT64_MAX), Verdict::duplicate);
    EXPECT_EQ(receive(w, UINT64_MAX - 63), Verdict::fresh);
    EXPECT_EQ(receive(w, UINT64_MAX - 64), Verdict::too_old);
}

// Against a model: a set of every number accepted so far, and the window's definition.
TEST(ReplayWindow, MatchesAModelUnderRandomArrival) {
    for (std::size_t size : {1u, 7u, 64u, 65u, 200u}) {
        ReplayWindow w(size);
        std::set<std::uint64_t> seen;
        std::uint64_t highest = 0;
        std::mt19937_64 rng(size);
        for (int i = 0; i < 20'000; ++i) {
            std::uint64_t base = highest > 150 ? highest - 150 : 0;
            std::uint64_t seq = base + rng() % 300;
            Verdict expected = Verdict::fresh;
            if (!seen.empty() && seq <= highest) {
                if (highest - seq >= size) {
                    expected = Verdict::too_old;
                } else if (seen.count(seq) != 0) {
                    expected = Verdict::duplicate;
                }
            }
            ASSERT_EQ(receive(w, seq), expected) << "size " << size << " seq " << seq;
            if (expected == Verdict::fresh) {
                seen.insert(seq);
                highest = std::max(highest, seq);
            }
        }
    }
}

TEST(ReplayWindow, NamesEachVerdict) {
    EXPECT_EQ(verdict_name(Verdict::fresh), "fresh");
    EXPECT_EQ(verdict_name(Verdict::duplicate), "duplicate");
    EXPECT_EQ(verdict_name(Verdict::too_old), "too_old");
}

TEST(ReplayWindowDeathTest, MarkingANumberThatIsNotFreshIsABug) {
    ReplayWindow w(4);
    w.mark(9);
    EXPECT_DEATH(w.mark(9), "internal check failed .*Verdict::fresh");
    EXPECT_DEATH(w.mark(2), "internal check failed .*Verdict::fresh");
    EXPECT_DEATH(ReplayWindow(0), "internal check failed .*size >= 1");
}

}  // namespace
}  // namespace sc::proto
