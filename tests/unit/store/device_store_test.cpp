// The DeviceStore contract and the host admin's account calls, run against SQLite and MariaDB.
#include <gtest/gtest.h>

#include "proto/limits.h"
#include "store/social_store.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + std::chrono::milliseconds(1'700'000'000'000);

std::string fingerprint(int n) {
    std::string hex = std::to_string(n);
    return std::string(64 - hex.size(), 'a') + hex;
}

class DeviceStoreTest : public StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        store_ = open_or_fail();
        ASSERT_TRUE(store_);
    }
    std::int64_t add(const std::string& username) {
        auto created = store_->create_account(username + "@example.com", username, PasswordRecord{},
                                              Role::user);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->id : 0;
    }

    std::unique_ptr<Store> store_;
    const Bytes cert_ = Bytes(700, 0x30);
};
INSTANTIATE_TEST_SUITE_P(Backends, DeviceStoreTest, tested_backends(), backend_param_name);

TEST_P(DeviceStoreTest, RecordsADeviceAndThenOnlyWhenItWasLastSeen) {
    auto alice = add("alice");
    auto first = store_->record_device(alice, fingerprint(1), "laptop", cert_, kT0);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->first_seen, kT0);
    EXPECT_EQ(first->last_seen, kT0);
    auto again = store_->record_device(alice, fingerprint(1), "other name", Bytes(5, 1), kT0 + 1h);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->first_seen, kT0);
    EXPECT_EQ(again->last_seen, kT0 + 1h);
    EXPECT_EQ(again->name, "laptop");
    auto listed = store_->devices(alice);
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1u);
    const DeviceRecord& device = listed->front();
    EXPECT_EQ(device.account_id, alice);
    EXPECT_EQ(device.fingerprint, fingerprint(1));
    EXPECT_EQ(device.name, "laptop");
    EXPECT_EQ(device.cert_der, cert_);
    EXPECT_EQ(device.first_seen, kT0);
    EXPECT_EQ(device.last_seen, kT0 + 1h);
}

TEST_P(DeviceStoreTest, ListsOldestFirstAndRemoves) {
    auto alice = add("alice");
    auto bob = add("bob");
    ASSERT_TRUE(store_->record_device(alice, fingerprint(2), "phone", cert_, kT0 + 1s));
    ASSERT_TRUE(store_->record_device(alice, fingerprint(1), "laptop", cert_, kT0));
    ASSERT_TRUE(store_->record_device(bob, fingerprint(3), "default", cert_, kT0));
    auto listed = store_->devices(alice);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].name, "laptop");
    EXPECT_EQ((*listed)[1].name, "phone");
    // Another account's device is not hers to remove.
    auto foreign = store_->remove_device(alice, fingerprint(3));
    ASSERT_TRUE(foreign);
    EXPECT_FALSE(*foreign);
    auto removed = store_->remove_device(alice, fingerprint(1));
    ASSERT_TRUE(removed);
    EXPECT_TRUE(*removed);
    auto again = store_->remove_device(alice, fingerprint(1));
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
    EXPECT_EQ(store_->devices(alice)->size(), 1u);
    EXPECT_EQ(store_->devices(bob)->size(), 1u);
}

TEST_P(DeviceStoreTest, AnAccountHasABoundedNumberOfDevices) {
    auto alice = add("alice");
    for (int i = 0; i < static_cast<int>(proto::kMaxDevicesPerUser); ++i) {
        ASSERT_TRUE(
            store_->record_device(alice, fingerprint(i), "d" + std::to_string(i), cert_, kT0));
    }
    auto over = store_->record_device(alice, fingerprint(99), "one more", cert_, kT0);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, StoreErrorCode::limit_reached);
    // A known device is still seen, and another account is not affected.
    EXPECT_TRUE(store_->record_device(alice, fingerprint(0), "d0", cert_, kT0 + 1s));
    EXPECT_TRUE(store_->record_device(add("bob"), fingerprint(99), "one more", cert_, kT0));
    EXPECT_EQ(store_->devices(alice)->size(), proto::kMaxDevicesPerUser);
}

// With identity binding off, the seeds' one client.crt logs in to every account.
TEST_P(DeviceStoreTest, OneSharedCertificateIsADeviceOfEachAccount) {
    auto alice = add("alice");
    auto bob = add("bob");
    EXPECT_TRUE(store_->record_device(alice, fingerprint(7), "default", cert_, kT0));
    EXPECT_TRUE(store_->record_device(bob, fingerprint(7), "default", cert_, kT0));
    EXPECT_TRUE(store_->remove_device(alice, fingerprint(7)));
    EXPECT_EQ(store_->devices(bob)->size(), 1u);
}

TEST_P(DeviceStoreTest, RefusesWhatItCannotKeep) {
    auto alice = add("alice");
    auto refused = [&](const std::string& fp, const std::string& name, const Bytes& cert) {
        auto result = store_->record_device(alice, fp, name, cert, kT0);
        return !result && result.error().code == StoreErrorCode::invalid_argument;
    };
    EXPECT_TRUE(refused("abc", "laptop", cert_));
    EXPECT_TRUE(refused(std::string(64, 'A'), "laptop", cert_));  // lowercase only
    EXPECT_TRUE(refused(std::string(63, 'a') + "g", "laptop", cert_));
    EXPECT_TRUE(refused(fingerprint(1), "", cert_));
    EXPECT_TRUE(refused(fingerprint(1), std::string(proto::kMaxDeviceNameBytes + 1, 'x'), cert_));
    EXPECT_TRUE(refused(fingerprint(1), "bad \xff utf-8", cert_));
    EXPECT_TRUE(refused(fingerprint(1), "laptop", Bytes{}));
    EXPECT_TRUE(refused(fingerprint(1), "laptop", Bytes(proto::kMaxCertBytes + 1, 1)));
    EXPECT_TRUE(store_->record_device(alice, fingerprint(1),
                                      std::string(proto::kMaxDeviceNameBytes, 'x'),
                                      Bytes(proto::kMaxCertBytes, 1), kT0));
    auto unknown = store_->record_device(424242, fingerprint(1), "laptop", cert_, kT0);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, StoreErrorCode::not_found);
    EXPECT_TRUE(store_->devices(424242)->empty());
}

// ---- the host admin's account calls ----

using AccountAdminTest = DeviceStoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, AccountAdminTest, tested_backends(), backend_param_name);

TEST_P(AccountAdminTest, FindsListsAndPromotesAccounts) {
    auto alice = add("alice");
    auto bob = add("bob");
    auto found = store_->find_account("ALICE");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->id, alice);
    EXPECT_EQ((*found)->username, "alice");
    EXPECT_EQ((*found)->role, Role::user);
    for (const char* missing : {"nobody", "alice ", "", "not a name"}) {
        auto none = store_->find_account(missing);
        ASSERT_TRUE(none) << none.error().message;
        EXPECT_FALSE(none->has_value()) << missing;
    }
    auto promoted = store_->set_role(bob, Role::admin);
    ASSERT_TRUE(promoted);
    EXPECT_TRUE(*promoted);
    auto no_one = store_->set_role(424242, Role::admin);
    ASSERT_TRUE(no_one);
    EXPECT_FALSE(*no_one);
    ASSERT_TRUE(store_->set_disabled(alice, true));
    auto all = store_->list_accounts();
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].username, "alice");
    EXPECT_TRUE((*all)[0].disabled);
    EXPECT_EQ((*all)[1].username, "bob");
    EXPECT_EQ((*all)[1].role, Role::admin);
    ASSERT_TRUE(store_->set_role(bob, Role::user));
    EXPECT_EQ((*store_->find_account("bob"))->role, Role::user);
}

TEST_P(AccountAdminTest, AddAccountKeepsTheRegistrationRulesWithARole) {
    Accounts accounts(*store_, test_policy());
    auto admin =
        accounts.add_account("root@example.com", "root", secret("long enough pw"), Role::admin);
    ASSERT_TRUE(admin) << admin.error().message;
    EXPECT_EQ(admin->role, Role::admin);
    auto login = accounts.login("root", secret("long enough pw"));
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->role, Role::admin);
    auto weak = accounts.add_account("x@example.com", "xavier", secret("short"), Role::admin);
    ASSERT_FALSE(weak);
    EXPECT_EQ(weak.error().code, AuthErrorCode::weak_password);
    auto taken =
        accounts.add_account("y@example.com", "ROOT", secret("long enough pw"), Role::user);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, AuthErrorCode::username_taken);
    auto registered = accounts.register_account("z@example.com", "zoe", secret("long enough pw"));
    ASSERT_TRUE(registered);
    EXPECT_EQ(registered->role, Role::user);
}

}  // namespace
}  // namespace sc::store::test
