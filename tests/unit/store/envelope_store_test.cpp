// The EnvelopeStore contract (issue 12), run against SQLite and MariaDB: envelopes come back in
// the order they were stored, a retried send is stored once, the quota counts envelopes and
// bytes, a device releases only its own, expired ones are neither returned nor kept, a device
// or account removed takes its envelopes with it, and a schema-5 database migrates to 6.
#include <gtest/gtest.h>

#include "common/ids.h"
#include "proto/limits.h"
#include "store/social_store.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

const TimePoint kT0 = TimePoint{} + std::chrono::milliseconds(1'700'000'000'000);
constexpr std::uint64_t kNow = 1'700'000'000'000;
constexpr std::uint64_t kDay = 24ull * 3600 * 1000;
const HeldQuota kRoomy{1000, 1 << 20};

std::string fingerprint(char c) {
    return std::string(64, c);
}

HeldEnvelope envelope(int n, const std::string& to = fingerprint('a'),
                      const std::string& from = fingerprint('c'), std::size_t size = 100,
                      std::uint64_t stored = kNow) {
    HeldEnvelope e;
    e.to_fingerprint = to;
    e.from_user = "bob";
    e.from_fingerprint = from;
    e.mid = Bytes(kMessageIdBytes, static_cast<std::uint8_t>(n));
    e.body = Bytes(size, static_cast<std::uint8_t>(n + 1));
    e.stored_ms = stored;
    e.expires_ms = stored + 14 * kDay;
    return e;
}

class EnvelopeStoreTest : public StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        store_ = open_or_fail();
        ASSERT_TRUE(store_);
        alice_ = add("alice");
        ASSERT_TRUE(store_->record_device(alice_, fingerprint('a'), "laptop", cert_, kT0));
        ASSERT_TRUE(store_->record_device(alice_, fingerprint('b'), "phone", cert_, kT0));
    }
    std::int64_t add(const std::string& username) {
        auto created = store_->create_account(username + "@example.com", username, PasswordRecord{},
                                              Role::user);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->id : 0;
    }
    HeldEnvelope hold(const HeldEnvelope& e, const HeldQuota& quota = kRoomy) {
        auto held = store_->hold_envelope(alice_, e, quota);
        EXPECT_TRUE(held) << held.error().message;
        return held ? *held : HeldEnvelope{};
    }
    std::vector<HeldEnvelope> held(const std::string& fp, std::vector<std::uint64_t> skip = {},
                                   std::size_t limit = 100, std::uint64_t now = kNow) {
        auto got = store_->held_for(alice_, fp, skip, limit, now);
        EXPECT_TRUE(got) << got.error().message;
        return got ? *got : std::vector<HeldEnvelope>{};
    }
    static std::vector<std::uint64_t> ids(const std::vector<HeldEnvelope>& envelopes) {
        std::vector<std::uint64_t> out;
        for (const auto& e : envelopes) {
            out.push_back(e.held);
        }
        return out;
    }

    std::unique_ptr<Store> store_;
    std::int64_t alice_ = 0;
    const Bytes cert_ = Bytes(600, 0x30);
};
INSTANTIATE_TEST_SUITE_P(Backends, EnvelopeStoreTest, tested_backends(), backend_param_name);

TEST_P(EnvelopeStoreTest, ReturnsEachDevicesEnvelopesInTheOrderTheyWereStored) {
    std::vector<std::uint64_t> for_a;
    for (int n = 0; n < 5; ++n) {
        HeldEnvelope stored = hold(envelope(n));
        EXPECT_GT(stored.held, 0u);
        EXPECT_EQ(stored.body, envelope(n).body);
        if (!for_a.empty()) {
            EXPECT_GT(stored.held, for_a.back());
        }
        for_a.push_back(stored.held);
        hold(envelope(n, fingerprint('b')));  // the other device's copies interleave
    }
    auto got = held(fingerprint('a'));
    EXPECT_EQ(ids(got), for_a);
    ASSERT_EQ(got.size(), 5u);
    HeldEnvelope expected = envelope(2);
    expected.held = for_a[2];
    EXPECT_EQ(got[2], expected);  // every column as stored
    EXPECT_EQ(held(fingerprint('b')).size(), 5u);
    // A window: skip what is in flight, at most `limit`.
    EXPECT_EQ(ids(held(fingerprint('a'), {for_a[0], for_a[1]}, 2)),
              (std::vector<std::uint64_t>{for_a[2], for_a[3]}));
    EXPECT_EQ(ids(held(fingerprint('a'), {for_a[1]}, 100)),
              (std::vector<std::uint64_t>{for_a[0], for_a[2], for_a[3], for_a[4]}));
    EXPECT_TRUE(held(fingerprint('a'), {}, 0).empty());
    EXPECT_EQ(*store_->held_counts(alice_, fingerprint('a')), (EnvelopeStore::HeldCounts{5, 500}));
}

TEST_P(EnvelopeStoreTest, ARetriedSendIsStoredOnceAndAnswersTheFirstRow) {
    HeldEnvelope first = hold(envelope(1));
    HeldEnvelope retry = envelope(1);
    retry.stored_ms += 5000;  // the retry comes later; the first statement stands
    retry.expires_ms += 5000;
    HeldEnvelope again = hold(retry);
    EXPECT_EQ(again, first);
    // Another sending device may use the same mid.
    HeldEnvelope other = hold(envelope(1, fingerprint('a'), fingerprint('d')));
    EXPECT_NE(other.held, first.held);
    EXPECT_EQ(held(fingerprint('a')).size(), 2u);
}

TEST_P(EnvelopeStoreTest, TheQuotaCountsEnvelopesAndBytesAndStoresNothingPastIt) {
    const HeldQuota quota{3, 250};
    hold(envelope(1), quota);
    hold(envelope(2), quota);
    // 200 bytes held: 100 more would make 300 > 250.
    auto too_big = store_->hold_envelope(alice_, envelope(3), quota);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, StoreErrorCode::limit_reached);
    hold(envelope(3, fingerprint('a'), fingerprint('c'), 50), quota);  // 250: exactly the bound
    auto too_many = store_->hold_envelope(
        alice_, envelope(4, fingerprint('a'), fingerprint('c'), 1), HeldQuota{3, 1 << 20});
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, StoreErrorCode::limit_reached);
    EXPECT_EQ(*store_->held_counts(alice_, fingerprint('a')), (EnvelopeStore::HeldCounts{3, 250}));
    // A retry of one already stored is answered even at the quota.
    EXPECT_TRUE(store_->hold_envelope(alice_, envelope(1), quota));
    // The quota is per device.
    EXPECT_TRUE(store_->hold_envelope(alice_, envelope(4, fingerprint('b')), quota));
}

TEST_P(EnvelopeStoreTest, RefusesAnUnknownDeviceAndMalformedEnvelopes) {
    auto unknown = store_->hold_envelope(alice_, envelope(1, fingerprint('e')), kRoomy);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, StoreErrorCode::not_found);
    auto no_account = store_->hold_envelope(alice_ + 100, envelope(1), kRoomy);
    ASSERT_FALSE(no_account);
    EXPECT_EQ(no_account.error().code, StoreErrorCode::not_found);
    HeldEnvelope bad_mid = envelope(1);
    bad_mid.mid.pop_back();
    HeldEnvelope empty = envelope(1, fingerprint('a'), fingerprint('c'), 0);
    HeldEnvelope huge =
        envelope(1, fingerprint('a'), fingerprint('c'), proto::kMaxEnvelopeBytes + 1);
    HeldEnvelope never_expires = envelope(1);
    never_expires.expires_ms = never_expires.stored_ms;
    for (const HeldEnvelope& e : {bad_mid, empty, huge, never_expires}) {
        auto refused = store_->hold_envelope(alice_, e, kRoomy);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, StoreErrorCode::invalid_argument);
    }
    EXPECT_TRUE(
        hold(envelope(1, fingerprint('a'), fingerprint('c'), proto::kMaxEnvelopeBytes)).held > 0);
    EXPECT_EQ(held(fingerprint('a')).size(), 1u);
}

TEST_P(EnvelopeStoreTest, ADeviceReleasesOnlyItsOwnEnvelopes) {
    HeldEnvelope a1 = hold(envelope(1));
    HeldEnvelope a2 = hold(envelope(2));
    HeldEnvelope b1 = hold(envelope(1, fingerprint('b')));
    // b's id named by a is ignored; an unknown id too; one named twice counts once.
    auto released =
        store_->release_envelopes(alice_, fingerprint('a'), {a1.held, b1.held, 999999, a1.held});
    ASSERT_TRUE(released) << released.error().message;
    EXPECT_EQ(*released, 1u);
    EXPECT_EQ(ids(held(fingerprint('a'))), (std::vector<std::uint64_t>{a2.held}));
    EXPECT_EQ(ids(held(fingerprint('b'))), (std::vector<std::uint64_t>{b1.held}));
    // Another account with the same device id releases nothing of alice's.
    std::int64_t carol = add("carol");
    ASSERT_TRUE(store_->record_device(carol, fingerprint('a'), "laptop", cert_, kT0));
    EXPECT_EQ(*store_->release_envelopes(carol, fingerprint('a'), {a2.held}), 0u);
    EXPECT_EQ(*store_->release_envelopes(alice_, fingerprint('a'), {a1.held}), 0u);  // gone
    EXPECT_EQ(ids(held(fingerprint('a'))), (std::vector<std::uint64_t>{a2.held}));
    // Too many at once is refused, not cut short.
    std::vector<std::uint64_t> many(proto::kMaxReceivedPerRequest + 1, a2.held);
    auto refused = store_->release_envelopes(alice_, fingerprint('a'), many);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, StoreErrorCode::invalid_argument);
}

TEST_P(EnvelopeStoreTest, AnExpiredEnvelopeIsNeverReturnedAndTheSweepDeletesIt) {
    HeldEnvelope old = hold(envelope(1, fingerprint('a'), fingerprint('c'), 100, kNow - 20 * kDay));
    HeldEnvelope fresh = hold(envelope(2));
    EXPECT_EQ(ids(held(fingerprint('a'))), (std::vector<std::uint64_t>{fresh.held}));
    // Until its expiry it is returned; just after, not.
    EXPECT_EQ(ids(held(fingerprint('a'), {}, 100, old.expires_ms)),
              (std::vector<std::uint64_t>{old.held, fresh.held}));
    EXPECT_EQ(ids(held(fingerprint('a'), {}, 100, old.expires_ms + 1)),
              (std::vector<std::uint64_t>{fresh.held}));
    EXPECT_EQ(*store_->held_counts(alice_, fingerprint('a')), (EnvelopeStore::HeldCounts{2, 200}));
    auto swept = store_->expire_envelopes(kNow);
    ASSERT_TRUE(swept) << swept.error().message;
    EXPECT_EQ(*swept, 1u);
    EXPECT_EQ(*store_->held_counts(alice_, fingerprint('a')), (EnvelopeStore::HeldCounts{1, 100}));
    EXPECT_EQ(*store_->expire_envelopes(kNow), 0u);
}

TEST_P(EnvelopeStoreTest, RemovingADeviceOrItsAccountDeletesItsEnvelopes) {
    hold(envelope(1));
    hold(envelope(2, fingerprint('b')));
    ASSERT_TRUE(store_->remove_device(alice_, fingerprint('a')));
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM held_envelopes"), "1");
    // The same certificate coming back is a new device, with nothing stored.
    ASSERT_TRUE(store_->record_device(alice_, fingerprint('a'), "laptop", cert_, kT0));
    EXPECT_TRUE(held(fingerprint('a')).empty());
    // Straight in the database, as no store call deletes an account (SQLite enforces foreign
    // keys per connection, as the store's own does).
    const std::string remove = "DELETE FROM users WHERE id = " + std::to_string(alice_);
    ASSERT_EQ(exec_raw(is_mariadb() ? remove : "PRAGMA foreign_keys=ON; " + remove), "");
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM held_envelopes"), "0");
}

// A database that this code's schema 5 left (no held_envelopes yet), with a device and its
// prekeys: opening it adds the table and keeps the rest.
TEST_P(EnvelopeStoreTest, MigratesASchema5DatabaseToSchema6) {
    ASSERT_TRUE(store_->publish_prekeys(
        alice_, fingerprint('a'), StoredPrekey{1, Bytes(proto::kPrekeyBytes, 1), 5, Bytes(64, 2)},
        {}));
    store_.reset();
    ASSERT_EQ(exec_raw("DROP TABLE held_envelopes"), "");
    ASSERT_EQ(exec_raw("DELETE FROM schema_version WHERE version = 6"), "");
    ASSERT_EQ(scalar_raw("SELECT MAX(version) FROM schema_version"), "5");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), 6);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM schema_version WHERE version = 6"), "1");
    EXPECT_EQ(store->prekey_status(alice_, fingerprint('a'))->spk_id, 1u);
    auto stored = store->hold_envelope(alice_, envelope(1), kRoomy);
    ASSERT_TRUE(stored) << stored.error().message;
    auto got = store->held_for(alice_, fingerprint('a'), {}, 10, kNow);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().held, stored->held);
}

}  // namespace
}  // namespace sc::store::test
