// The PrekeyStore contract (issue 11), run against SQLite and MariaDB: publish and status, the
// limits and repeated key ids, the devices that hold a signed prekey, bundles that hand out each
// one-time prekey once (also to two threads on two connections at once), device removal, and the
// migration of a schema-4 database.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "proto/limits.h"
#include "store/social_store.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + std::chrono::milliseconds(1'700'000'000'000);

std::string fingerprint(int n) {
    std::string hex = std::to_string(n);
    return std::string(64 - hex.size(), 'b') + hex;
}

StoredPrekey key(std::uint64_t id, std::uint64_t ts = 1'700'000'000'123) {
    return StoredPrekey{id, Bytes(proto::kPrekeyBytes, static_cast<std::uint8_t>(id)), ts,
                        Bytes(64, static_cast<std::uint8_t>(id + 1))};
}

std::vector<StoredPrekey> keys(std::uint64_t first, std::size_t count) {
    std::vector<StoredPrekey> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(key(first + i));
    }
    return out;
}

class PrekeyStoreTest : public StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        store_ = open_or_fail();
        ASSERT_TRUE(store_);
        alice_ = add("alice");
        auto device = store_->record_device(alice_, fingerprint(1), "laptop", cert_, kT0);
        ASSERT_TRUE(device) << device.error().message;
    }
    std::int64_t add(const std::string& username) {
        auto created = store_->create_account(username + "@example.com", username, PasswordRecord{},
                                              Role::user);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->id : 0;
    }
    PrekeyCounts status(const std::string& fp) {
        auto counts = store_->prekey_status(alice_, fp);
        EXPECT_TRUE(counts) << counts.error().message;
        return counts ? *counts : PrekeyCounts{};
    }

    std::unique_ptr<Store> store_;
    std::int64_t alice_ = 0;
    const Bytes cert_ = Bytes(600, 0x30);
};
INSTANTIATE_TEST_SUITE_P(Backends, PrekeyStoreTest, tested_backends(), backend_param_name);

TEST_P(PrekeyStoreTest, PublishesAndReportsWhatTheDeviceHolds) {
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{0, 0, 0}));
    auto published = store_->publish_prekeys(alice_, fingerprint(1), key(7, 1000), keys(1, 3));
    ASSERT_TRUE(published) << published.error().message;
    EXPECT_EQ(*published, (PrekeyCounts{7, 1000, 3}));
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{7, 1000, 3}));
    // A new signed prekey replaces the old one; one-time prekeys are added.
    auto again = store_->publish_prekeys(alice_, fingerprint(1), key(8, 2000), keys(4, 2));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, (PrekeyCounts{8, 2000, 5}));
    auto only_one_time = store_->publish_prekeys(alice_, fingerprint(1), std::nullopt, keys(6, 1));
    ASSERT_TRUE(only_one_time) << only_one_time.error().message;
    EXPECT_EQ(*only_one_time, (PrekeyCounts{8, 2000, 6}));
    auto bundle = store_->take_bundle(alice_, fingerprint(1));
    ASSERT_TRUE(bundle && bundle->has_value());
    EXPECT_EQ((*bundle)->signed_prekey, key(8, 2000));
}

TEST_P(PrekeyStoreTest, AnUnknownDeviceIsNotFound) {
    auto published = store_->publish_prekeys(alice_, fingerprint(2), key(1), {});
    ASSERT_FALSE(published);
    EXPECT_EQ(published.error().code, StoreErrorCode::not_found);
    auto other = add("bob");  // alice's device is not bob's
    auto not_his = store_->publish_prekeys(other, fingerprint(1), key(1), {});
    ASSERT_FALSE(not_his);
    EXPECT_EQ(not_his.error().code, StoreErrorCode::not_found);
    auto counts = store_->prekey_status(other, fingerprint(1));
    ASSERT_FALSE(counts);
    EXPECT_EQ(counts.error().code, StoreErrorCode::not_found);
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{0, 0, 0}));
}

TEST_P(PrekeyStoreTest, AKeyIdTheDeviceHasOrOneGivenTwiceIsRefusedAndNothingIsStored) {
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), key(1, 10), keys(1, 2)));
    auto reused = store_->publish_prekeys(alice_, fingerprint(1), key(2, 20), {key(3), key(2)});
    ASSERT_FALSE(reused);
    EXPECT_EQ(reused.error().code, StoreErrorCode::invalid_argument);
    EXPECT_NE(reused.error().message.find("already has one-time prekey 2"), std::string::npos)
        << reused.error().message;
    auto twice = store_->publish_prekeys(alice_, fingerprint(1), std::nullopt, {key(9), key(9)});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, StoreErrorCode::invalid_argument);
    // Neither the signed prekey nor key 3 of the refused request was kept.
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{1, 10, 2}));
}

TEST_P(PrekeyStoreTest, MalformedKeysAreRefused) {
    auto short_key = key(1);
    short_key.key.pop_back();
    auto zero = key(0);
    auto unsigned_key = key(2);
    unsigned_key.sig.clear();
    auto long_sig = key(3);
    long_sig.sig.assign(proto::kMaxSigBytes + 1, 1);
    for (const auto& bad : {short_key, zero, unsigned_key, long_sig}) {
        auto as_signed = store_->publish_prekeys(alice_, fingerprint(1), bad, {});
        ASSERT_FALSE(as_signed);
        EXPECT_EQ(as_signed.error().code, StoreErrorCode::invalid_argument);
        auto as_one_time = store_->publish_prekeys(alice_, fingerprint(1), std::nullopt, {bad});
        ASSERT_FALSE(as_one_time);
        EXPECT_EQ(as_one_time.error().code, StoreErrorCode::invalid_argument);
    }
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{0, 0, 0}));
}

TEST_P(PrekeyStoreTest, ADeviceHoldsAtMostTheLimitOfOneTimePrekeys) {
    const std::size_t per = proto::kMaxOneTimePrekeysPerPublish;
    for (std::size_t first = 1; first <= proto::kMaxOneTimePrekeys; first += per) {
        auto published =
            store_->publish_prekeys(alice_, fingerprint(1), std::nullopt, keys(first, per));
        ASSERT_TRUE(published) << published.error().message;
    }
    EXPECT_EQ(status(fingerprint(1)).one_time_left, proto::kMaxOneTimePrekeys);
    auto past = store_->publish_prekeys(alice_, fingerprint(1), key(1),
                                        keys(proto::kMaxOneTimePrekeys + 1, 1));
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, StoreErrorCode::limit_reached);
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{0, 0, proto::kMaxOneTimePrekeys}));
    // One handed out makes room for one more.
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), key(1), {}));
    ASSERT_TRUE(store_->take_bundle(alice_, fingerprint(1)));
    auto refill = store_->publish_prekeys(alice_, fingerprint(1), std::nullopt,
                                          keys(proto::kMaxOneTimePrekeys + 1, 1));
    ASSERT_TRUE(refill) << refill.error().message;
    EXPECT_EQ(refill->one_time_left, proto::kMaxOneTimePrekeys);
}

TEST_P(PrekeyStoreTest, DevicesWithPrekeysAreThoseWithASignedPrekeyOldestFirst) {
    ASSERT_TRUE(store_->record_device(alice_, fingerprint(2), "phone", cert_, kT0 + 1h));
    ASSERT_TRUE(store_->record_device(alice_, fingerprint(3), "tablet", cert_, kT0 + 2h));
    auto bob = add("bob");
    ASSERT_TRUE(store_->record_device(bob, fingerprint(4), "bobs", cert_, kT0));
    auto none = store_->devices_with_prekeys(alice_);
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->empty());
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(3), key(1), {}));
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(2), std::nullopt, keys(1, 2)));
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), key(1), {}));
    ASSERT_TRUE(store_->publish_prekeys(bob, fingerprint(4), key(1), {}));
    auto listed = store_->devices_with_prekeys(alice_);
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].fingerprint, fingerprint(1));
    EXPECT_EQ((*listed)[0].name, "laptop");
    EXPECT_EQ((*listed)[0].cert_der, cert_);
    EXPECT_EQ((*listed)[1].fingerprint, fingerprint(3));
    EXPECT_EQ((*listed)[1].name, "tablet");
}

TEST_P(PrekeyStoreTest, ABundleHandsOutEachOneTimePrekeyOnce) {
    ASSERT_TRUE(
        store_->publish_prekeys(alice_, fingerprint(1), key(5, 99), {key(3), key(1), key(2)}));
    std::vector<std::uint64_t> handed;
    for (int i = 0; i < 3; ++i) {
        auto bundle = store_->take_bundle(alice_, fingerprint(1));
        ASSERT_TRUE(bundle) << bundle.error().message;
        ASSERT_TRUE(bundle->has_value());
        const PrekeyBundle& b = **bundle;
        EXPECT_EQ(b.fingerprint, fingerprint(1));
        EXPECT_EQ(b.name, "laptop");
        EXPECT_EQ(b.cert_der, cert_);
        EXPECT_EQ(b.signed_prekey, key(5, 99));
        ASSERT_TRUE(b.one_time);
        EXPECT_EQ(*b.one_time, key(b.one_time->key_id));
        handed.push_back(b.one_time->key_id);
    }
    EXPECT_EQ(handed, (std::vector<std::uint64_t>{1, 2, 3}));  // lowest id first
    // None left: the bundle still comes, without a one-time prekey.
    auto last = store_->take_bundle(alice_, fingerprint(1));
    ASSERT_TRUE(last && last->has_value());
    EXPECT_FALSE((*last)->one_time);
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{5, 99, 0}));
    // A reused id is refused while the key is held, not after it was handed out: a device
    // never reuses ids, but the store has no memory of keys it no longer holds.
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM one_time_prekeys"), "0");
}

TEST_P(PrekeyStoreTest, NoBundleForAnUnknownDeviceOrOneWithoutASignedPrekey) {
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), std::nullopt, keys(1, 2)));
    auto without = store_->take_bundle(alice_, fingerprint(1));
    ASSERT_TRUE(without) << without.error().message;
    EXPECT_FALSE(without->has_value());
    EXPECT_EQ(status(fingerprint(1)).one_time_left, 2u);  // nothing was handed out
    auto unknown = store_->take_bundle(alice_, fingerprint(9));
    ASSERT_TRUE(unknown) << unknown.error().message;
    EXPECT_FALSE(unknown->has_value());
    auto no_account = store_->take_bundle(alice_ + 1000, fingerprint(1));
    ASSERT_TRUE(no_account) << no_account.error().message;
    EXPECT_FALSE(no_account->has_value());
}

// Two takers on two connections (two stores on one database, as two server processes would
// be): every one-time prekey goes to exactly one of them.
TEST_P(PrekeyStoreTest, ConcurrentTakersNeverGetTheSameOneTimePrekey) {
    const std::size_t total = proto::kMaxOneTimePrekeys;
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), key(1), keys(1, total)));
    auto second = open_or_fail();
    ASSERT_TRUE(second);
    std::vector<std::uint64_t> got[2];
    std::vector<std::string> errors[2];
    auto take_all = [&](Store* store, int who) {
        for (std::size_t i = 0; i < total / 2 + 10; ++i) {
            auto bundle = store->take_bundle(alice_, fingerprint(1));
            if (!bundle) {
                errors[who].push_back(bundle.error().message);
            } else if (bundle->has_value() && (*bundle)->one_time) {
                got[who].push_back((*bundle)->one_time->key_id);
            }
        }
    };
    std::thread a(take_all, store_.get(), 0);
    std::thread b(take_all, second.get(), 1);
    a.join();
    b.join();
    EXPECT_TRUE(errors[0].empty()) << errors[0].front();
    EXPECT_TRUE(errors[1].empty()) << errors[1].front();
    std::multiset<std::uint64_t> all(got[0].begin(), got[0].end());
    all.insert(got[1].begin(), got[1].end());
    EXPECT_EQ(all.size(), total);
    EXPECT_EQ(std::set<std::uint64_t>(all.begin(), all.end()).size(), total) << "a key went twice";
    EXPECT_EQ(status(fingerprint(1)).one_time_left, 0u);
}

TEST_P(PrekeyStoreTest, RemovingADeviceRemovesItsPrekeys) {
    ASSERT_TRUE(store_->record_device(alice_, fingerprint(2), "phone", cert_, kT0 + 1h));
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(1), key(1), keys(1, 4)));
    ASSERT_TRUE(store_->publish_prekeys(alice_, fingerprint(2), key(1), keys(1, 3)));
    auto removed = store_->remove_device(alice_, fingerprint(1));
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_TRUE(*removed);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM signed_prekeys"), "1");
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM one_time_prekeys"), "3");
    auto bundle = store_->take_bundle(alice_, fingerprint(1));
    ASSERT_TRUE(bundle);
    EXPECT_FALSE(bundle->has_value());
    auto listed = store_->devices_with_prekeys(alice_);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().fingerprint, fingerprint(2));
    // The same certificate logging in again is a new device, without keys.
    ASSERT_TRUE(store_->record_device(alice_, fingerprint(1), "laptop", cert_, kT0 + 3h));
    EXPECT_EQ(status(fingerprint(1)), (PrekeyCounts{0, 0, 0}));
}

// A database that this code's schema 4 left (the tables of version 5 not there yet), with a
// device in it: opening it adds the prekey tables and keeps the device.
TEST_P(PrekeyStoreTest, MigratesASchema4DatabaseToSchema5) {
    store_.reset();
    ASSERT_EQ(exec_raw("DROP TABLE held_envelopes"), "");
    ASSERT_EQ(exec_raw("DROP TABLE one_time_prekeys"), "");
    ASSERT_EQ(exec_raw("DROP TABLE signed_prekeys"), "");
    ASSERT_EQ(exec_raw("DELETE FROM schema_version WHERE version >= 5"), "");
    ASSERT_EQ(scalar_raw("SELECT MAX(version) FROM schema_version"), "4");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), 6);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM schema_version WHERE version = 5"), "1");
    auto devices = store->devices(alice_);
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1u);
    auto published = store->publish_prekeys(alice_, fingerprint(1), key(2, 5), keys(1, 1));
    ASSERT_TRUE(published) << published.error().message;
    EXPECT_EQ(*published, (PrekeyCounts{2, 5, 1}));
    auto bundle = store->take_bundle(alice_, fingerprint(1));
    ASSERT_TRUE(bundle && bundle->has_value());
    ASSERT_TRUE((*bundle)->one_time);
    EXPECT_EQ((*bundle)->one_time->key_id, 1u);
}

}  // namespace
}  // namespace sc::store::test
