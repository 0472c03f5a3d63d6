// The AccountStore contract, run against SQLite and MariaDB alike.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "store/account_store.h"
#include "store/accounts.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using namespace std::chrono_literals;

PasswordRecord sample_record(std::uint8_t fill = 0x11) {
    PasswordRecord record;
    record.salt = Bytes(16, fill);
    record.hash = Bytes(32, static_cast<std::uint8_t>(fill + 1));
    record.opslimit = 3;
    record.memlimit = 12345678;
    return record;
}

std::string seconds_text(std::chrono::steady_clock::duration elapsed) {
    return std::to_string(std::chrono::duration<double>(elapsed).count()) + " s";
}

using AccountStoreTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, AccountStoreTest, tested_backends(), backend_param_name);

TEST_P(AccountStoreTest, OpensAtTheLatestSchema) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto version = store->schema_version();
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_EQ(*version, 6);
    EXPECT_EQ(store->backend().rfind(is_mariadb() ? "mariadb:" : "sqlite:", 0), 0u)
        << store->backend();
    EXPECT_EQ(store->backend().find("StrongPassword"), std::string::npos);
}

TEST_P(AccountStoreTest, CreatesAndFindsAnAccount) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto before = std::chrono::system_clock::now() - 1s;
    auto created = store->create_account("taha@test.com", "taha1", sample_record(), Role::admin);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_GT(created->id, 0);
    EXPECT_EQ(created->email, "taha@test.com");
    EXPECT_EQ(created->username, "taha1");
    EXPECT_EQ(created->role, Role::admin);
    EXPECT_FALSE(created->disabled);
    EXPECT_GE(created->created_at, before);
    EXPECT_FALSE(created->last_login);

    auto found = store->find_by_username("taha1");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    const Credentials& credentials = **found;
    EXPECT_EQ(credentials.account.id, created->id);
    EXPECT_EQ(credentials.account.email, "taha@test.com");
    EXPECT_EQ(credentials.account.username, "taha1");
    EXPECT_EQ(credentials.account.role, Role::admin);
    EXPECT_FALSE(credentials.account.disabled);
    EXPECT_EQ(credentials.account.created_at, created->created_at);
    EXPECT_FALSE(credentials.account.last_login);
    PasswordRecord expected = sample_record();
    EXPECT_EQ(credentials.password.salt, expected.salt);
    EXPECT_EQ(credentials.password.hash, expected.hash);
    EXPECT_EQ(credentials.password.opslimit, expected.opslimit);
    EXPECT_EQ(credentials.password.memlimit, expected.memlimit);
    EXPECT_EQ(credentials.password.algorithm, "argon2id13");

    // The hash is kept as 64 hex digits in the seeds' CHAR(64) column.
    EXPECT_EQ(scalar_raw("SELECT pwd_hash FROM users WHERE id = " + std::to_string(created->id)),
              to_hex(expected.hash));
}

TEST_P(AccountStoreTest, UnknownUsernameIsNotAnError) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto found = store->find_by_username("nobody");
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_FALSE(found->has_value());
}

TEST_P(AccountStoreTest, RefusesADuplicateUsernameWhateverItsCase) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->create_account("a@example.com", "alice", sample_record(), Role::user));
    for (const char* name : {"alice", "ALICE", "Alice"}) {
        auto again = store->create_account(std::string(name) + "@other.org", name, sample_record(),
                                           Role::user);
        ASSERT_FALSE(again) << name;
        EXPECT_EQ(again.error().code, StoreErrorCode::duplicate_username) << again.error().message;
        EXPECT_EQ(again.error().message, "username is already taken");
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "1");
}

TEST_P(AccountStoreTest, RefusesADuplicateEmailWhateverItsCase) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->create_account("a@example.com", "alice", sample_record(), Role::user));
    for (const char* email : {"a@example.com", "A@Example.COM"}) {
        auto again = store->create_account(email, "bob", sample_record(), Role::user);
        ASSERT_FALSE(again) << email;
        EXPECT_EQ(again.error().code, StoreErrorCode::duplicate_email) << again.error().message;
        EXPECT_EQ(again.error().message, "an account with this email already exists");
        // Nothing of the refused row is left behind.
        auto bob = store->find_by_username("bob");
        ASSERT_TRUE(bob);
        EXPECT_FALSE(bob->has_value());
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "1");
}

TEST_P(AccountStoreTest, UpdatesPasswordLoginTimeAndDisabledFlag) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto created = store->create_account("a@example.com", "alice", sample_record(), Role::user);
    ASSERT_TRUE(created);

    PasswordRecord replacement = sample_record(0x33);
    replacement.opslimit = 4;
    replacement.memlimit = 1 << 26;
    auto updated = store->update_password(created->id, replacement);
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_TRUE(*updated);

    auto when =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto logged = store->record_login(created->id, when);
    ASSERT_TRUE(logged) << logged.error().message;
    EXPECT_TRUE(*logged);
    auto disabled = store->set_disabled(created->id, true);
    ASSERT_TRUE(disabled) << disabled.error().message;
    EXPECT_TRUE(*disabled);
    // Setting the same value again still finds the row.
    auto again = store->set_disabled(created->id, true);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again);

    auto found = store->find_by_username("alice");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->password.salt, replacement.salt);
    EXPECT_EQ((*found)->password.hash, replacement.hash);
    EXPECT_EQ((*found)->password.opslimit, 4u);
    EXPECT_EQ((*found)->password.memlimit, 1u << 26);
    ASSERT_TRUE((*found)->account.last_login);
    EXPECT_EQ(*(*found)->account.last_login, when);
    EXPECT_TRUE((*found)->account.disabled);

    // An id that does not exist: false, not an error.
    for (auto result : {store->update_password(999999, replacement),
                        store->record_login(999999, when), store->set_disabled(999999, false)}) {
        ASSERT_TRUE(result) << result.error().message;
        EXPECT_FALSE(*result);
    }
}

TEST_P(AccountStoreTest, StoresInjectionAttemptsLiterally) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    const std::string evil_name = "alice'; DROP TABLE users; --";
    const std::string evil_email = "x'); DELETE FROM users; --@example.com";
    auto created = store->create_account(evil_email, evil_name, sample_record(), Role::user);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(store->create_account("b@example.com", "bob", sample_record(), Role::user));

    auto found = store->find_by_username(evil_name);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->account.username, evil_name);
    EXPECT_EQ((*found)->account.email, evil_email);
    for (const char* probe : {"' OR '1'='1", "bob' --", "%", "bob%"}) {
        auto none = store->find_by_username(probe);
        ASSERT_TRUE(none) << none.error().message;
        EXPECT_FALSE(none->has_value()) << probe;
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "2");
}

TEST_P(AccountStoreTest, ReopensAnExistingDatabase) {
    std::int64_t id = 0;
    {
        auto store = open_or_fail();
        ASSERT_TRUE(store);
        auto created = store->create_account("a@example.com", "alice", sample_record(), Role::user);
        ASSERT_TRUE(created);
        id = created->id;
    }
    // MariaDB: the second time over TCP instead of the socket.
    auto reopened = [&]() -> StoreResult<std::unique_ptr<Store>> {
        if (!is_mariadb()) {
            return open();
        }
        MariaDbConfig tcp = mariadb_config();
        tcp.unix_socket.clear();
        return open_mariadb(tcp, test_hash_cost());
    }();
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto& store = *reopened;
    if (is_mariadb()) {
        EXPECT_NE(store->backend().find("127.0.0.1:"), std::string::npos) << store->backend();
    }
    auto found = store->find_by_username("alice");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->account.id, id);
    auto version = store->schema_version();
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, 6);
    // Each migration ran once.
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM schema_version"), "6");
    auto next = store->create_account("b@example.com", "bob", sample_record(), Role::user);
    ASSERT_TRUE(next);
    EXPECT_GT(next->id, id);
}

TEST_P(AccountStoreTest, RefusesASchemaFromTheFuture) {
    {
        auto store = open_or_fail();
        ASSERT_TRUE(store);
    }
    ASSERT_EQ(exec_raw(is_mariadb() ? "INSERT INTO schema_version (version, description)"
                                      " VALUES (7, 'from a newer SecureChat')"
                                    : "INSERT INTO schema_version VALUES (7, 'newer', 0)"),
              "");
    auto reopened = open();
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, StoreErrorCode::corrupt);
    EXPECT_NE(reopened.error().message.find("schema is version 7, newer than"), std::string::npos)
        << reopened.error().message;
    // Nothing was touched.
    EXPECT_EQ(scalar_raw("SELECT MAX(version) FROM schema_version"), "7");
}

TEST_P(AccountStoreTest, ConcurrentRegistrationsAllSucceed) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    constexpr int kThreads = 8;
    std::vector<std::string> failures(kThreads);
    std::vector<std::int64_t> ids(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                std::string name = "user" + std::to_string(i);
                auto result = accounts.register_account(name + "@example.com", name,
                                                        secret("password-" + name));
                if (result) {
                    ids[static_cast<std::size_t>(i)] = result->id;
                } else {
                    failures[static_cast<std::size_t>(i)] = result.error().message;
                }
            });
        }
    }
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(failures[static_cast<std::size_t>(i)], "") << "thread " << i;
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "8");
    for (int i = 0; i < kThreads; ++i) {
        std::string name = "user" + std::to_string(i);
        EXPECT_TRUE(accounts.login(name, secret("password-" + name))) << name;
    }
}

// MariaDB: the server is stopped under the store, calls fail with `unavailable` quickly, and
// the same store object works again once it is back. SQLite has no server; its counterpart is
// another process holding the write lock.
TEST_P(AccountStoreTest, AnOutageFailsCallsQuicklyAndTheStoreRecovers) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    ASSERT_TRUE(accounts.register_account("a@example.com", "alice", secret("alice-password")));

    if (!is_mariadb()) {
        sqlite3* other = nullptr;
        ASSERT_EQ(sqlite3_open(sqlite_path().c_str(), &other), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        auto start = std::chrono::steady_clock::now();
        auto blocked = accounts.register_account("b@example.com", "bob", secret("bob-password"));
        auto elapsed = std::chrono::steady_clock::now() - start;
        ASSERT_FALSE(blocked);
        EXPECT_EQ(blocked.error().code, AuthErrorCode::unavailable) << blocked.error().message;
        EXPECT_LT(elapsed, 6s) << seconds_text(elapsed);
        // WAL: readers are not blocked by the writer.
        auto found = store->find_by_username("alice");
        ASSERT_TRUE(found) << found.error().message;
        EXPECT_TRUE(found->has_value());
        sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        EXPECT_TRUE(accounts.register_account("b@example.com", "bob", secret("bob-password")));
        EXPECT_TRUE(accounts.login("alice", secret("alice-password")));
        return;
    }

    if (!managed_server_dir(mariadb_config())) {
        GTEST_SKIP() << "the MariaDB under test is not the one scripts/mariadb-test-server.sh "
                        "manages (SECURECHAT_MARIADB_DIR), so it cannot be stopped";
    }
    // Whatever happens below, leave the server running for the tests after this one.
    struct Restart {
        ~Restart() { (void)run_server_script("start"); }
    } restart;
    ASSERT_EQ(run_server_script("stop"), "");

    for (int attempt = 0; attempt < 2; ++attempt) {
        auto start = std::chrono::steady_clock::now();
        auto found = store->find_by_username("alice");
        auto elapsed = std::chrono::steady_clock::now() - start;
        ASSERT_FALSE(found) << "attempt " << attempt;
        EXPECT_EQ(found.error().code, StoreErrorCode::unavailable) << found.error().message;
        EXPECT_LT(elapsed, 5s) << seconds_text(elapsed);
    }
    auto start = std::chrono::steady_clock::now();
    auto login = accounts.login("alice", secret("alice-password"));
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(login);
    EXPECT_EQ(login.error().code, AuthErrorCode::unavailable) << login.error().message;
    EXPECT_LT(elapsed, 5s) << seconds_text(elapsed);
    auto registered = accounts.register_account("b@example.com", "bob", secret("bob-password"));
    ASSERT_FALSE(registered);
    EXPECT_EQ(registered.error().code, AuthErrorCode::unavailable);

    ASSERT_EQ(run_server_script("start"), "");

    // The same store object, not reopened.
    auto found = store->find_by_username("alice");
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->has_value());
    EXPECT_TRUE(accounts.login("alice", secret("alice-password")));
    EXPECT_TRUE(accounts.register_account("b@example.com", "bob", secret("bob-password")));
}

}  // namespace
}  // namespace sc::store::test
