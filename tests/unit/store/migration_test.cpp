// Opening databases the seeds (or an interrupted start) left behind.
#include <gtest/gtest.h>

#include "store/accounts.h"
#include "store/migrations.h"
#include "unit/store/seed_rows.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using MigrationTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, MigrationTest, tested_backends(), backend_param_name);

TEST_P(MigrationTest, KeepsTheRowsOfASeedStyleTable) {
    if (is_mariadb()) {
        // The seeds' table as their DESCRIBE shows it after they added `id`.
        ASSERT_EQ(exec_raw("CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email "
                           "VARCHAR(255), username VARCHAR(255) UNIQUE, salt VARBINARY(16), "
                           "pwd_hash CHAR(64))"),
                  "");
    } else {
        // A file at schema 1, the SQLite twin of that table.
        ASSERT_EQ(exec_raw("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                           "description TEXT NOT NULL, applied_at INTEGER NOT NULL);"
                           "INSERT INTO schema_version VALUES (1, 'seed', 0);"
                           "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT "
                           "COLLATE NOCASE, username TEXT COLLATE NOCASE UNIQUE, salt BLOB, "
                           "pwd_hash TEXT)"),
                  "");
    }
    ASSERT_EQ(exec_raw(seed_row("taha@test.com", "taha1", "StrongPassword123")), "");
    ASSERT_EQ(exec_raw(seed_row("bob@test.com", "bob", "bobs password")), "");

    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto version = store->schema_version();
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, 6);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "2");
    auto taha = store->find_by_username("taha1");
    ASSERT_TRUE(taha && taha->has_value()) << (taha ? "" : taha.error().message);
    EXPECT_EQ((*taha)->account.id, 1);
    EXPECT_EQ((*taha)->account.email, "taha@test.com");
    EXPECT_EQ((*taha)->account.role, Role::user);
    EXPECT_FALSE((*taha)->account.disabled);
    EXPECT_GT((*taha)->account.created_at, TimePoint{});
    expect_seed_user_upgrades(*store, "taha1", "StrongPassword123");

    // The constraints added by the migration hold for the old rows too.
    auto dup = store->create_account("bob@test.com", "robert", PasswordRecord{}, Role::user);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, StoreErrorCode::duplicate_email);
    auto next = store->create_account("new@test.com", "newbie", PasswordRecord{}, Role::user);
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_GT(next->id, 2);  // InnoDB may skip the id the refused insert took
}

}  // namespace
}  // namespace sc::store::test
