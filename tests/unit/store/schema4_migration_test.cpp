// Schema 4 (devices and friends) on databases that earlier versions left behind: built here
// with their own DDL, filled, then opened with this code.
#include <gtest/gtest.h>

#include "store/social_store.h"
#include "unit/store/seed_rows.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

const TimePoint kCreated = TimePoint{} + std::chrono::milliseconds(1'700'000'000'000);
const TimePoint kLogin = kCreated + std::chrono::hours(5);

using Schema4MigrationTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, Schema4MigrationTest, tested_backends(), backend_param_name);

// Schema 3 as SecureChat wrote it before this version, with two accounts.
std::vector<std::string> schema3(bool mariadb) {
    const std::string hash(64, 'c');
    if (mariadb) {
        return {
            "CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY, description "
            "VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            "INSERT INTO schema_version (version, description) VALUES (1, 'seed'), "
            "(2, 'accounts'), (3, 'wrapped')",
            "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(255), "
            "username VARCHAR(255) UNIQUE, salt VARBINARY(16), pwd_hash CHAR(64), "
            "role ENUM('user', 'admin') NOT NULL DEFAULT 'user', "
            "disabled BOOLEAN NOT NULL DEFAULT FALSE, "
            "created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "
            "last_login_at DATETIME(3) NULL, "
            "hash_alg VARCHAR(32) NOT NULL DEFAULT 'legacy-sha256', "
            "opslimit BIGINT UNSIGNED NOT NULL DEFAULT 0, "
            "memlimit BIGINT UNSIGNED NOT NULL DEFAULT 0, "
            "UNIQUE KEY users_email_unique (email))",
            "INSERT INTO users (email, username, salt, pwd_hash, role, disabled, created_at, "
            "last_login_at, hash_alg, opslimit, memlimit) VALUES "
            "('alice@example.com', 'alice', X'11111111111111111111111111111111', '" +
                hash +
                "', 'admin', 0, '2023-11-14 22:13:20.000', '2023-11-15 03:13:20.000', "
                "'argon2id13', 2, 8388608), "
                "('bob@example.com', 'bob', X'22222222222222222222222222222222', '" +
                hash + "', 'user', 1, '2023-11-14 22:13:20.000', NULL, 'argon2id13', 2, 8388608)",
        };
    }
    return {
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (1, 'seed', 0), (2, 'accounts', 0), (3, 'wrapped', 0)",
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT COLLATE NOCASE, "
        "username TEXT COLLATE NOCASE UNIQUE, salt BLOB, pwd_hash TEXT, "
        "role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')), "
        "disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)), "
        "created_at INTEGER NOT NULL DEFAULT 0, last_login_at INTEGER, "
        "hash_alg TEXT NOT NULL DEFAULT 'legacy-sha256', opslimit INTEGER NOT NULL DEFAULT 0, "
        "memlimit INTEGER NOT NULL DEFAULT 0);"
        "CREATE UNIQUE INDEX users_email_unique ON users (email)",
        "INSERT INTO users (email, username, salt, pwd_hash, role, disabled, created_at, "
        "last_login_at, hash_alg, opslimit, memlimit) VALUES "
        "('alice@example.com', 'alice', X'11111111111111111111111111111111', '" +
            hash +
            "', 'admin', 0, 1700000000000, 1700018000000, 'argon2id13', 2, 8388608), "
            "('bob@example.com', 'bob', X'22222222222222222222222222222222', '" +
            hash + "', 'user', 1, 1700000000000, NULL, 'argon2id13', 2, 8388608)",
    };
}

// What every upgraded database must allow: devices and friends for the accounts it had.
void expect_social_tables_work(Store& store, std::int64_t alice, std::int64_t bob) {
    auto device = store.record_device(alice, std::string(64, 'f'), "laptop", Bytes(10, 1), kLogin);
    ASSERT_TRUE(device) << device.error().message;
    EXPECT_EQ(store.devices(alice)->size(), 1u);
    auto asked = store.request_friend(alice, "bob", kLogin);
    ASSERT_TRUE(asked) << asked.error().message;
    EXPECT_EQ(*asked, RequestOutcome::requested);
    auto accepted = store.accept_friend(bob, "alice", kLogin);
    ASSERT_TRUE(accepted) << accepted.error().message;
    EXPECT_EQ(*accepted, AnswerOutcome::done);
    EXPECT_TRUE(*store.are_friends("alice", "bob"));
}

TEST_P(Schema4MigrationTest, UpgradesASchema3DatabaseInPlaceKeepingItsAccounts) {
    for (const std::string& sql : schema3(is_mariadb())) {
        ASSERT_EQ(exec_raw(sql), "") << sql;
    }
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), 6);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM schema_version"), "6");

    auto alice = store->find_by_username("alice");
    ASSERT_TRUE(alice && alice->has_value());
    const Account& a = (*alice)->account;
    EXPECT_EQ(a.id, 1);
    EXPECT_EQ(a.email, "alice@example.com");
    EXPECT_EQ(a.role, Role::admin);
    EXPECT_FALSE(a.disabled);
    EXPECT_EQ(a.created_at, kCreated);
    EXPECT_EQ(a.last_login, kLogin);
    EXPECT_EQ((*alice)->password.salt, Bytes(16, 0x11));
    EXPECT_EQ((*alice)->password.hash, Bytes(32, 0xcc));
    EXPECT_EQ((*alice)->password.algorithm, "argon2id13");
    EXPECT_EQ((*alice)->password.memlimit, 8388608u);
    auto bob = store->find_account("bob");
    ASSERT_TRUE(bob && bob->has_value());
    EXPECT_EQ((*bob)->id, 2);
    EXPECT_TRUE((*bob)->disabled);
    EXPECT_FALSE((*bob)->last_login);

    expect_social_tables_work(*store, 1, 2);
    store.reset();
    // Opening again changes nothing.
    auto reopened = open_or_fail();
    ASSERT_TRUE(reopened);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM schema_version"), "6");
    EXPECT_TRUE(*reopened->are_friends("bob", "alice"));
}

TEST_P(Schema4MigrationTest, UpgradesASeedsOnlyDatabaseToTheLatestSchema) {
    // The seeds' table, nothing else: no schema_version at all.
    ASSERT_EQ(exec_raw(is_mariadb()
                           ? "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, email "
                             "VARCHAR(255), username VARCHAR(255) UNIQUE, salt VARBINARY(16), "
                             "pwd_hash CHAR(64))"
                           : "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT "
                             "COLLATE NOCASE, username TEXT COLLATE NOCASE UNIQUE, salt BLOB, "
                             "pwd_hash TEXT)"),
              "");
    if (!is_mariadb()) {
        // SQLite's schema 1 is only ours (the seeds never used SQLite): mark it as such.
        ASSERT_EQ(exec_raw("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                           "description TEXT NOT NULL, applied_at INTEGER NOT NULL);"
                           "INSERT INTO schema_version VALUES (1, 'seed', 0)"),
                  "");
    }
    ASSERT_EQ(exec_raw(seed_row("taha@test.com", "taha1", "StrongPassword123")), "");
    ASSERT_EQ(exec_raw(seed_row("bob@test.com", "bob", "bobs password")), "");
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), 6);
    auto taha = store->find_account("taha1");
    ASSERT_TRUE(taha && taha->has_value());
    EXPECT_EQ((*taha)->email, "taha@test.com");
    auto device =
        store->record_device((*taha)->id, std::string(64, 'e'), "default", Bytes(10, 1), kLogin);
    ASSERT_TRUE(device) << device.error().message;
    auto asked = store->request_friend((*taha)->id, "bob", kLogin);
    ASSERT_TRUE(asked) << asked.error().message;
    auto bob = store->find_account("bob");
    ASSERT_TRUE(bob && bob->has_value());
    auto accepted = store->accept_friend((*bob)->id, "TAHA1", kLogin);
    ASSERT_TRUE(accepted) << accepted.error().message;
    EXPECT_EQ(*accepted, AnswerOutcome::done);
    expect_seed_user_upgrades(*store, "taha1", "StrongPassword123");
}

}  // namespace
}  // namespace sc::store::test
