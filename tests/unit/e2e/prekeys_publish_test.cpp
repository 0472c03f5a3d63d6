#include <gtest/gtest.h>

#include <set>

#include "e2e/device_sessions.h"
#include "e2e/prekeys.h"
#include "proto/limits.h"
#include "unit/e2e/fixture.h"

namespace sc::e2e::test {
namespace {

class E2ePrekeys : public ::testing::Test, public World {};

constexpr std::uint64_t kDay = 24ull * 3600 * 1000;

TEST_F(E2ePrekeys, TheFirstStatusGetsASignedPrekeyAndOneBatch) {
    auto p = party(bob, "bob");
    auto publish = p->sessions->prekeys_to_publish({}, kNow).value();
    ASSERT_TRUE(publish);
    EXPECT_EQ(publish->spk_id, 1u);
    EXPECT_EQ(publish->spk_ts, kNow);
    EXPECT_TRUE(verify_prekey(bob.verified.key, PrekeyKind::signed_prekey, bob.verified.fp,
                              publish->spk_id, publish->spk, publish->spk_ts, publish->spk_sig));
    ASSERT_EQ(publish->one_time.size(), proto::kMaxOneTimePrekeysPerPublish);
    for (const auto& k : publish->one_time) {
        EXPECT_TRUE(verify_prekey(bob.verified.key, PrekeyKind::one_time, bob.verified.fp, k.key_id,
                                  k.key, k.ts, k.sig));
    }
}

TEST_F(E2ePrekeys, OneTimePrekeysAreToppedUpInBatchesOnlyBelowTheLowWater) {
    auto p = party(bob, "bob");
    int requests = 0;
    for (; requests < 10; ++requests) {
        auto before = server.status(bob.verified.fp);
        server.publish(*p, kNow);
        if (server.status(bob.verified.fp).one_time_left == before.one_time_left &&
            server.status(bob.verified.fp).spk_id == before.spk_id) {
            break;
        }
    }
    EXPECT_EQ(requests, 4);  // 4 × 25 = 100, then nothing
    EXPECT_EQ(server.status(bob.verified.fp).one_time_left, proto::kMaxOneTimePrekeys);
    // Handing out 75 leaves 25: not below the low water, nothing to publish.
    for (int i = 0; i < 75; ++i) {
        (void)server.bundle(bob);
    }
    EXPECT_FALSE(p->sessions->prekeys_to_publish(server.status(bob.verified.fp), kNow).value());
    (void)server.bundle(bob);  // 24 left: top up to 100 again, 25 at a time
    auto publish = p->sessions->prekeys_to_publish(server.status(bob.verified.fp), kNow).value();
    ASSERT_TRUE(publish);
    EXPECT_EQ(publish->spk_id, 0u);
    EXPECT_EQ(publish->one_time.size(), 25u);
    proto::msg::PrekeyStatus almost{0, 1, kNow, 90};
    auto last = p->sessions->prekeys_to_publish(almost, kNow).value();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->one_time.size(), 10u);  // up to 100, no further
}

TEST_F(E2ePrekeys, TheSignedPrekeyRotatesAfterAWeekAndThePreviousOpensForTwoMore) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    for (int i = 0; i < 3; ++i) {
        server.publish(*b, kNow);  // up to 100 one-time prekeys
    }
    ASSERT_EQ(server.status(bob.verified.fp).one_time_left, proto::kMaxOneTimePrekeys);
    auto old_bundle = server.bundle(bob, false);
    EXPECT_FALSE(
        b->sessions->prekeys_to_publish(server.status(bob.verified.fp), kNow + 7 * kDay - 1)
            .value()
            .has_value());
    const std::uint64_t rotated_at = kNow + 7 * kDay;
    server.publish(*b, rotated_at);
    auto status = server.status(bob.verified.fp);
    EXPECT_NE(status.spk_id, old_bundle.spk_id);
    EXPECT_EQ(status.spk_ts, rotated_at);

    // An initial message to the old signed prekey, sealed before the rotation, opens within
    // the grace period...
    auto late = send(*a, bob, "to the old prekey", &old_bundle, rotated_at + 14 * kDay);
    auto got = receive(*b, late.sealed.body, alice, rotated_at + 14 * kDay);
    ASSERT_TRUE(got) << got.error().message;
    // ...and not after it (the private half is deleted at the next status).
    auto phone = party(alice_phone, "phone");
    auto too_late = send(*phone, bob, "too late", &old_bundle, rotated_at + 14 * kDay + 1);
    (void)b->sessions->prekeys_to_publish(server.status(bob.verified.fp),
                                          rotated_at + 14 * kDay + 1);
    auto refused = receive(*b, too_late.sealed.body, alice_phone, rotated_at + 14 * kDay + 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "decrypt_failed");
}

TEST_F(E2ePrekeys, AnUnpublishedSignedPrekeyIsSentAgainNotReplaced) {
    auto p = party(bob, "bob");
    auto first = p->sessions->prekeys_to_publish({}, kNow).value();
    ASSERT_TRUE(first);
    // The request was lost: the server still has none.
    auto again = p->sessions->prekeys_to_publish({}, kNow + 1000).value();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->spk_id, first->spk_id);
    EXPECT_EQ(again->spk, first->spk);
}

TEST_F(E2ePrekeys, KeyIdsAreNeverReusedAcrossRestarts) {
    auto p = party(bob, "bob");
    std::set<std::uint64_t> ids;
    auto collect = [&](const proto::msg::PublishPrekeys& publish) {
        if (publish.spk_id != 0) {
            EXPECT_TRUE(ids.insert(publish.spk_id).second) << publish.spk_id;
        }
        for (const auto& k : publish.one_time) {
            EXPECT_TRUE(ids.insert(k.key_id).second) << k.key_id;
            EXPECT_GE(k.key_id, 1u);
        }
    };
    for (std::uint64_t round = 0; round < 3; ++round) {
        auto publish = p->sessions->prekeys_to_publish({}, kNow + round * 8 * kDay).value();
        ASSERT_TRUE(publish);
        collect(*publish);
        p->reload();
    }
    EXPECT_EQ(ids.size(), 3u * 26u);
}

}  // namespace
}  // namespace sc::e2e::test
