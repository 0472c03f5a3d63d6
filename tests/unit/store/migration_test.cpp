// Opening databases the seeds (or an interrupted start) left behind.
#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "store/accounts.h"
#include "store/migrations.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

const Bytes kSeedSalt = *from_hex("f829b1d284e76b24186afecfbe7e5c68");  // from the seeds' dump

// What the seeds stored: hex(SHA-256(salt || password)).
std::string seed_hash_hex(const Bytes& salt, const std::string& password) {
    Bytes input = salt;
    input.insert(input.end(), password.begin(), password.end());
    auto digest = crypto::sha256(input);
    return to_hex(digest);
}

std::string seed_row(const std::string& email, const std::string& username,
                     const std::string& password) {
    return "INSERT INTO users (email, username, salt, pwd_hash) VALUES ('" + email + "', '" +
           username + "', X'" + to_hex(kSeedSalt) + "', '" + seed_hash_hex(kSeedSalt, password) +
           "')";
}

// A seed user logs in with the old password once; the hash becomes Argon2id.
void expect_seed_user_upgrades(AccountStore& store, const std::string& username,
                               const std::string& password) {
    // Since migration 3 (review L6) no row keeps the single SHA-256: it is wrapped in Argon2id.
    auto before = store.find_by_username(username);
    ASSERT_TRUE(before) << before.error().message;
    ASSERT_TRUE(before->has_value());
    EXPECT_EQ((*before)->password.algorithm, kWrappedLegacyAlgorithm);
    EXPECT_EQ((*before)->password.salt, kSeedSalt);
    EXPECT_NE(to_hex((*before)->password.hash), seed_hash_hex(kSeedSalt, password));
    EXPECT_EQ((*before)->password.opslimit, test_policy().opslimit);
    EXPECT_EQ((*before)->password.memlimit, test_policy().memlimit);

    Accounts accounts(store, test_policy());
    auto wrong = accounts.login(username, secret(password + "x"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, AuthErrorCode::wrong_credentials);
    auto login = accounts.login(username, secret(password));
    ASSERT_TRUE(login) << login.error().message;

    auto after = store.find_by_username(username);
    ASSERT_TRUE(after && after->has_value());
    EXPECT_EQ((*after)->password.algorithm, "argon2id13");
    EXPECT_EQ((*after)->password.opslimit, test_policy().opslimit);
    EXPECT_TRUE(accounts.login(username, secret(password)));
}

using MigrationTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, MigrationTest,
                         testing::Values(Backend::sqlite, Backend::mariadb), backend_param_name);

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
    EXPECT_EQ(*version, 3);
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
    EXPECT_EQ(*version, 3);
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
