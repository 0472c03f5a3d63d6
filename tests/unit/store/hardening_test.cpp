// Regression tests for the December 2026 review findings in the account store, on each backend:
// L5 (registration answers), L6 (seed hashes wrapped at migration), L7 (MariaDB transport) and
// L12 (login cost). Those that need no database server are in hardening_policy_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "store/accounts.h"
#include "store/mariadb/tls.h"
#include "store/migrations.h"
#include "support/run_command.h"
#include "unit/store/seed_rows.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using HardeningStore = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, HardeningStore, tested_backends(), backend_param_name);

// ---- L5 ----

TEST_P(HardeningStore, L5_RegistrationDoesNotSayWhetherANameOrEmailExists) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    ASSERT_TRUE(accounts.register_account("taha@test.com", "taha1", secret("password-one")));
    auto name = accounts.register_account("new@test.com", "taha1", secret("password-two"));
    auto email = accounts.register_account("taha@test.com", "newname", secret("password-two"));
    auto both = accounts.register_account("taha@test.com", "taha1", secret("password-two"));
    ASSERT_FALSE(name);
    ASSERT_FALSE(email);
    ASSERT_FALSE(both);
    EXPECT_EQ(name.error().message, "that username or email cannot be used");
    EXPECT_EQ(email.error().message, name.error().message);
    EXPECT_EQ(both.error().message, name.error().message);
    // Rules still name themselves: they say nothing about other accounts.
    auto rule = accounts.register_account("x@test.com", "ab", secret("password-two"));
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().message, "username must be 3-32 characters");
}

// ---- L6 ----

TEST_P(HardeningStore, L6_MigrationWrapsSeedHashesAndLoginUnwrapsThem) {
    // A database at schema 2 (as a previous SecureChat left it) holding seed rows.
    {
        auto store = open_or_fail();
        ASSERT_TRUE(store);
    }
    ASSERT_EQ(exec_raw("DELETE FROM schema_version WHERE version >= 3"), "");
    for (const char* table : {"held_envelopes",                                // schema 6's
                              "one_time_prekeys", "signed_prekeys",            // schema 5's
                              "friend_requests", "friendships", "devices"}) {  // schema 4's
        ASSERT_EQ(exec_raw(std::string("DROP TABLE ") + table), "");
    }
    auto seed = [&](const std::string& user, const std::string& password) {
        return exec_raw("INSERT INTO users (email, username, salt, pwd_hash) VALUES ('" + user +
                        "@test.com', '" + user + "', X'" + to_hex(kSeedSalt) + "', '" +
                        seed_hash_hex(kSeedSalt, password) + "')");
    };
    ASSERT_EQ(seed("taha1", "StrongPassword123"), "");
    ASSERT_EQ(seed("bob", "bobs password"), "");
    ASSERT_EQ(exec_raw("INSERT INTO users (email, username, salt, pwd_hash) VALUES "
                       "('bad@test.com', 'broken', NULL, 'not hex')"),
              "");
    ASSERT_EQ(scalar_raw("SELECT hash_alg FROM users WHERE username = 'taha1'"), "legacy-sha256");

    auto store = open_or_fail();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), 6);
    // No single SHA-256 is left in the table, for any well-formed row.
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users WHERE hash_alg = 'argon2id-over-sha256'"),
              "2");
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users WHERE pwd_hash = '" +
                         seed_hash_hex(kSeedSalt, "StrongPassword123") + "'"),
              "0");
    EXPECT_EQ(scalar_raw("SELECT hash_alg FROM users WHERE username = 'broken'"), "legacy-sha256");
    auto wrapped = store->find_by_username("taha1");
    ASSERT_TRUE(wrapped && wrapped->has_value());
    EXPECT_EQ((*wrapped)->password.opslimit, test_policy().opslimit);
    EXPECT_EQ((*wrapped)->password.memlimit, test_policy().memlimit);

    Accounts accounts(*store, test_policy());
    EXPECT_EQ(accounts.login("taha1", secret("StrongPassword12")).error().code,
              AuthErrorCode::wrong_credentials);
    ASSERT_TRUE(accounts.login("taha1", secret("StrongPassword123")));
    // Upgraded to plain Argon2id at that login; the other seed row stays wrapped until its own.
    EXPECT_EQ(scalar_raw("SELECT hash_alg FROM users WHERE username = 'taha1'"), "argon2id13");
    EXPECT_EQ(scalar_raw("SELECT hash_alg FROM users WHERE username = 'bob'"),
              "argon2id-over-sha256");
    EXPECT_TRUE(accounts.login("taha1", secret("StrongPassword123")));
    EXPECT_TRUE(accounts.login("bob", secret("bobs password")));

    // Opening again does not wrap twice (the version row says the step is done).
    store.reset();
    auto again = open_or_fail();
    ASSERT_TRUE(again);
    Accounts later(*again, test_policy());
    EXPECT_TRUE(later.login("bob", secret("bobs password")));
}

// ---- L12 ----

TEST_P(HardeningStore, L12_EveryFailedLoginCostsThePolicysArgon2Work) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    const auto policy = test_policy();  // 1 pass, 8 MiB
    Accounts accounts(*store, policy);
    ASSERT_TRUE(accounts.register_account("cur@test.com", "current", secret("password-one")));
    // An account from before the policy was raised: 1 pass over 1 MiB.
    auto old = hash_password(secret("password-old"), 1, 1024 * 1024);
    ASSERT_TRUE(old);
    ASSERT_TRUE(store->create_account("old@test.com", "older", *old, Role::user));
    // A seed row that was never migrated (inserted by the seeds' tool after migration 3).
    ASSERT_EQ(exec_raw("INSERT INTO users (email, username, salt, pwd_hash, hash_alg) VALUES "
                       "('seed@test.com', 'seedy', X'" +
                       to_hex(kSeedSalt) + "', '" + seed_hash_hex(kSeedSalt, "password-seed") +
                       "', 'legacy-sha256')"),
              "");

    auto work_of_failed_login = [&](const std::string& user) {
        auto before = argon2_work_on_this_thread();
        auto result = accounts.login(user, secret("not the password"));
        EXPECT_FALSE(result) << user;
        return argon2_work_on_this_thread() - before;
    };
    const std::uint64_t expected = policy.opslimit * (policy.memlimit / 1024);
    EXPECT_EQ(work_of_failed_login("nobody"), expected);
    EXPECT_EQ(work_of_failed_login("current"), expected);
    EXPECT_EQ(work_of_failed_login("older"), expected) << "a cheap old hash must be padded";
    EXPECT_EQ(work_of_failed_login("seedy"), expected);
    EXPECT_EQ(work_of_failed_login("x"), expected) << "an impossible name";
    // The old account still logs in, and is upgraded to the policy's cost.
    ASSERT_TRUE(accounts.login("older", secret("password-old")));
    EXPECT_EQ(work_of_failed_login("older"), expected);
}

// ---- L7 ----

TEST_P(HardeningStore, L7_TlsToMariaDbVerifiesTheServerCertificate) {
    const char* ca = std::getenv("SECURECHAT_TEST_MARIADB_TLS_CA");
    if (!is_mariadb() || ca == nullptr || !std::filesystem::exists(ca)) {
        GTEST_SKIP() << "needs scripts/mariadb-test-server.sh's server (it offers TLS)";
    }
    MariaDbConfig config = mariadb_config();
    config.unix_socket.clear();  // TCP to 127.0.0.1, which its certificate names
    config.tls_ca = ca;
    auto store = open_mariadb(config, test_hash_cost());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_TRUE((*store)->create_account("tls@test.com", "tlsuser", PasswordRecord{}, Role::user));

    // Another CA: the server's certificate does not chain to it, so the connection is refused
    // (no fallback to cleartext, no unverified TLS).
    sc::test::TempDir dir;
    auto made = sc::test::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                       "-keyout", (dir / "other.key").string(), "-out",
                                       (dir / "other.pem").string(), "-days", "1", "-subj",
                                       "/CN=SecureChat test MariaDB CA"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    config.tls_ca = (dir / "other.pem").string();
    auto refused = open_mariadb(config, test_hash_cost());
    ASSERT_FALSE(refused) << "connected although the server's certificate is not from our CA";
    EXPECT_NE(refused.error().message.find("TLS"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace sc::store::test
