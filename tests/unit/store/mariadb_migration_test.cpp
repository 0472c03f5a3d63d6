// Opening the tables the seeds left behind on the server they used (MariaDB only).
#include <gtest/gtest.h>

#include "store/accounts.h"
#include "unit/store/seed_rows.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

// The seeds' own history, on the server they used.
using MariaDbMigrationTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Seeds, MariaDbMigrationTest, testing::Values(Backend::mariadb),
                         backend_param_name);

TEST_P(MariaDbMigrationTest, GivesASeedTableWithoutIdOneAsTheSeedsDid) {
    // Seed 000 before its ALTER: DESCRIBE showed no `id`.
    ASSERT_EQ(exec_raw("CREATE TABLE users (email VARCHAR(255), username VARCHAR(255) UNIQUE, "
                       "salt VARBINARY(16), pwd_hash CHAR(64))"),
              "");
    ASSERT_EQ(exec_raw(seed_row("taha@test.com", "taha1", "StrongPassword123")), "");
    ASSERT_EQ(exec_raw(seed_row("bob@test.com", "bob", "bobs password")), "");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(scalar_raw("SELECT GROUP_CONCAT(id ORDER BY id) FROM users"), "1,2");
    // The seeds' columns keep their types.
    EXPECT_EQ(scalar_raw("SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE) ORDER BY "
                         "ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                         "DATABASE() AND TABLE_NAME = 'users' AND ORDINAL_POSITION <= 5"),
              "id int(11),email varchar(255),username varchar(255),salt varbinary(16),"
              "pwd_hash char(64)");
    expect_seed_user_upgrades(*store, "bob", "bobs password");
}

TEST_P(MariaDbMigrationTest, ConvertsABinarySeedTableToHex) {
    // Seed 001's variant: email UNIQUE, salt BINARY(16), pwd_hash BINARY(32).
    ASSERT_EQ(exec_raw("CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(255) "
                       "UNIQUE, username VARCHAR(255) UNIQUE, salt BINARY(16), pwd_hash "
                       "BINARY(32))"),
              "");
    ASSERT_EQ(exec_raw("INSERT INTO users (email, username, salt, pwd_hash) VALUES "
                       "('taha@test.com', 'taha1', X'" +
                       to_hex(kSeedSalt) + "', X'" + seed_hash_hex(kSeedSalt, "StrongPassword123") +
                       "')"),
              "");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(scalar_raw("SELECT CONCAT(COLUMN_TYPE) FROM information_schema.COLUMNS WHERE "
                         "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = "
                         "'pwd_hash'"),
              "char(64)");
    expect_seed_user_upgrades(*store, "taha1", "StrongPassword123");
    // Its own unique key on email (named `email`) is recognised as the email rule.
    auto dup = store->create_account("taha@test.com", "other", PasswordRecord{}, Role::user);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, StoreErrorCode::duplicate_email);
}

TEST_P(MariaDbMigrationTest, FinishesAMigrationThatWasCutShort) {
    // MariaDB commits each ALTER at once: a start that died mid-migration leaves some columns.
    ASSERT_EQ(exec_raw("CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY, "
                       "description VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL "
                       "DEFAULT CURRENT_TIMESTAMP(3))"),
              "");
    ASSERT_EQ(exec_raw("INSERT INTO schema_version (version, description) VALUES (1, 'seed')"), "");
    ASSERT_EQ(exec_raw("CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email "
                       "VARCHAR(255), username VARCHAR(255) UNIQUE, salt VARBINARY(16), "
                       "pwd_hash CHAR(64))"),
              "");
    ASSERT_EQ(exec_raw("ALTER TABLE users ADD COLUMN role ENUM('user', 'admin') NOT NULL "
                       "DEFAULT 'user', ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE"),
              "");
    ASSERT_EQ(exec_raw(seed_row("taha@test.com", "taha1", "StrongPassword123")), "");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    auto version = store->schema_version();
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, 6);
    expect_seed_user_upgrades(*store, "taha1", "StrongPassword123");
}

TEST_P(MariaDbMigrationTest, SaysWhenOldRowsShareAnEmail) {
    ASSERT_EQ(exec_raw("CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email "
                       "VARCHAR(255), username VARCHAR(255) UNIQUE, salt VARBINARY(16), "
                       "pwd_hash CHAR(64))"),
              "");
    ASSERT_EQ(exec_raw(seed_row("same@test.com", "taha1", "one password")), "");
    ASSERT_EQ(exec_raw(seed_row("same@test.com", "taha2", "two password")), "");
    auto refused = open();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, StoreErrorCode::corrupt);
    EXPECT_NE(refused.error().message.find("share an email address"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find("same@test.com"), std::string::npos);

    ASSERT_EQ(exec_raw("UPDATE users SET email = 'other@test.com' WHERE username = 'taha2'"), "");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "2");
}

}  // namespace
}  // namespace sc::store::test
