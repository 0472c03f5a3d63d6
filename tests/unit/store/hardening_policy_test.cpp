// Regression tests for the December 2026 review findings in the account store that need no
// database server: L6 (the wrapped record), L7 (the MariaDB transport policy, checked before
// connecting) and I4 (SQLite durability).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/accounts.h"
#include "store/mariadb/tls.h"
#include "store/migrations.h"
#include "unit/store/seed_rows.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

// ---- L6 ----

TEST(Hardening, L6_WrappedRecordVerifiesOnlyTheSamePassword) {
    PasswordRecord legacy;
    legacy.algorithm = std::string(kLegacyHashAlgorithm);
    legacy.salt = kSeedSalt;
    legacy.hash = *from_hex(seed_hash_hex(kSeedSalt, "StrongPassword123"));
    ASSERT_TRUE(verify_password(secret("StrongPassword123"), legacy));
    auto wrapped = wrap_legacy_record(legacy, test_hash_cost());
    ASSERT_TRUE(wrapped) << wrapped.error().message;
    EXPECT_EQ(wrapped->algorithm, "argon2id-over-sha256");
    EXPECT_NE(wrapped->hash, legacy.hash);
    EXPECT_TRUE(verify_password(secret("StrongPassword123"), *wrapped));
    EXPECT_FALSE(verify_password(secret("StrongPassword124"), *wrapped));
    // Knowing the old SHA-256 is not enough to pass as the password.
    EXPECT_FALSE(verify_password(crypto::SecretBytes(legacy.hash), *wrapped));
    EXPECT_TRUE(needs_rehash(*wrapped, test_policy()));
}

// ---- L7 ----

TEST(Hardening, L7_ANonLocalHostWithoutTlsIsRefusedBeforeConnecting) {
    MariaDbConfig remote;
    remote.host = "db.example.com";
    remote.password = "secret-db-password";
    auto refused = open_mariadb(remote);
    ASSERT_FALSE(refused);
    const std::string& message = refused.error().message;
    EXPECT_NE(message.find("without TLS"), std::string::npos) << message;
    EXPECT_NE(message.find("tls_ca"), std::string::npos) << message;
    EXPECT_NE(message.find("allow_cleartext_remote"), std::string::npos) << message;
    EXPECT_EQ(message.find("cannot reach"), std::string::npos) << "it must not have tried";
    EXPECT_EQ(message.find("secret-db-password"), std::string::npos);
    for (const char* host : {"10.1.2.3", "192.168.0.10", "::ffff:127.0.0.1", "fe80::1"}) {
        remote.host = host;
        EXPECT_FALSE(check_transport_policy(remote)) << host;
    }
    // Local traffic needs no TLS; a remote host may be allowed in clear only explicitly.
    for (const char* host : {"localhost", "127.0.0.1", "127.8.9.10", "::1"}) {
        remote.host = host;
        EXPECT_TRUE(is_local_database(remote)) << host;
        EXPECT_TRUE(check_transport_policy(remote)) << host;
    }
    remote.host = "db.example.com";
    remote.unix_socket = "/run/mysqld/mysqld.sock";
    EXPECT_TRUE(check_transport_policy(remote));
    remote.unix_socket.clear();
    remote.allow_cleartext_remote = true;
    EXPECT_TRUE(check_transport_policy(remote));
    remote.allow_cleartext_remote = false;
    remote.tls_ca = "/nonexistent/ca.pem";
    auto no_file = check_transport_policy(remote);
    ASSERT_FALSE(no_file);
    EXPECT_NE(no_file.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(Hardening, L7_RemoteHostAllowedInClearOnlyWhenAskedTriesToConnect) {
    // 0.0.0.0 is not a loopback literal, so it counts as remote; connecting to it reaches this
    // machine, where nothing listens on port 1: a quick "cannot reach", proof the policy let it.
    MariaDbConfig remote;
    remote.host = "0.0.0.0";
    remote.port = 1;
    ASSERT_FALSE(check_transport_policy(remote));
    remote.allow_cleartext_remote = true;
    auto result = open_mariadb(remote);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, StoreErrorCode::unavailable) << result.error().message;
}

// ---- I4 ----

// Runs for every SQLite connection this process opens, before the store configures it: it sets
// the weakest durability, as a build with another default would have.
sqlite3* g_last_db = nullptr;
int remember_connection(sqlite3* db, const char**, const sqlite3_api_routines*) {
    g_last_db = db;
    sqlite3_exec(db, "PRAGMA synchronous=OFF", nullptr, nullptr, nullptr);
    return SQLITE_OK;
}

TEST(Hardening, I4_SqliteStoreSetsSynchronousFullItself) {
    sc::test::TempDir dir;
    using Entry = void (*)();
    // The documented way to register one (SQLite's own cast from the typed callback).
    ASSERT_EQ(sqlite3_auto_extension(reinterpret_cast<Entry>(&remember_connection)), SQLITE_OK);
    auto store = open_sqlite(dir / "accounts.db", test_hash_cost());
    sqlite3_cancel_auto_extension(reinterpret_cast<Entry>(&remember_connection));
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_NE(g_last_db, nullptr);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(g_last_db, "PRAGMA synchronous", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 2) << "2 is FULL";
    sqlite3_finalize(stmt);
    g_last_db = nullptr;
}

}  // namespace
}  // namespace sc::store::test
