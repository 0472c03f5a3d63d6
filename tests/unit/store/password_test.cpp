// The rules and the hashing on their own, without a database.
#include <gtest/gtest.h>
#include <sodium.h>

#include "crypto/sha256.h"
#include "store/accounts.h"
#include "store/backend.h"
#include "store/migrations.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

std::string email_error(const std::string& email) {
    auto result = validate_email(email);
    return result ? "" : result.error().message;
}

std::string username_error(const std::string& username) {
    auto result = validate_username(username);
    return result ? "" : result.error().message;
}

TEST(ValidateEmail, AcceptsOrdinaryAddresses) {
    EXPECT_EQ(email_error("taha@test.com"), "");
    EXPECT_EQ(email_error("a.b+tag@mail.example.org"), "");
    EXPECT_EQ(email_error(std::string(240, 'a') + "@example.com"), "");  // 252 bytes
}

TEST(ValidateEmail, NamesEachRule) {
    EXPECT_EQ(email_error(std::string(243, 'a') + "@example.com"),
              "email must be at most 254 characters");
    EXPECT_EQ(email_error("taha test@test.com"),
              "email may only contain printable ASCII characters without spaces");
    EXPECT_EQ(email_error("t\xc3\xa4ha@test.com"),
              "email may only contain printable ASCII characters without spaces");
    EXPECT_EQ(email_error("tahatest.com"), "email must contain exactly one '@'");
    EXPECT_EQ(email_error("taha@x@test.com"), "email must contain exactly one '@'");
    EXPECT_EQ(email_error(""), "email must contain exactly one '@'");
    EXPECT_EQ(email_error("@test.com"), "email must have a non-empty part before the '@'");
    EXPECT_EQ(email_error("taha@localhost"),
              "email must have a domain with a dot after the '@' (like example.com)");
    EXPECT_EQ(email_error("taha@"),
              "email must have a domain with a dot after the '@' (like example.com)");
    EXPECT_EQ(email_error("taha@.com"),
              "email must have a domain with a dot after the '@' (like example.com)");
    EXPECT_EQ(email_error("taha@test."),
              "email must have a domain with a dot after the '@' (like example.com)");
    EXPECT_EQ(validate_email("x").error().code, AuthErrorCode::invalid_email);
}

TEST(ValidateUsername, AcceptsTheAllowedCharacters) {
    EXPECT_EQ(username_error("taha1"), "");
    EXPECT_EQ(username_error("abc"), "");
    EXPECT_EQ(username_error("A.b_c-9"), "");
    EXPECT_EQ(username_error(std::string(32, 'z')), "");
}

TEST(ValidateUsername, NamesEachRule) {
    EXPECT_EQ(username_error("ab"), "username must be 3-32 characters");
    EXPECT_EQ(username_error(std::string(33, 'z')), "username must be 3-32 characters");
    EXPECT_EQ(username_error(""), "username must be 3-32 characters");
    EXPECT_EQ(username_error("taha 1"), "username may only contain letters, digits, '_', '.', '-'");
    EXPECT_EQ(username_error("alice'; DROP TABLE users; --"),
              "username may only contain letters, digits, '_', '.', '-'");
    EXPECT_EQ(username_error("t\xc3\xa4ha"),
              "username may only contain letters, digits, '_', '.', '-'");
    EXPECT_EQ(username_error("1taha"), "username must start with a letter");
    EXPECT_EQ(username_error("_taha"), "username must start with a letter");
    EXPECT_EQ(validate_username("x").error().code, AuthErrorCode::invalid_username);
}

TEST(ValidatePassword, EnforcesThePolicyLengths) {
    PasswordPolicy policy;  // 10..256
    EXPECT_TRUE(validate_password(secret("0123456789"), policy));
    auto short_one = validate_password(secret("012345678"), policy);
    ASSERT_FALSE(short_one);
    EXPECT_EQ(short_one.error().code, AuthErrorCode::weak_password);
    EXPECT_EQ(short_one.error().message, "password must be at least 10 characters");
    auto long_one = validate_password(secret(std::string(257, 'p')), policy);
    ASSERT_FALSE(long_one);
    EXPECT_EQ(long_one.error().message, "password must be at most 256 characters");
    EXPECT_TRUE(validate_password(secret(std::string(256, 'p')), policy));
}

TEST(PasswordHash, IsArgon2idWithARandomSaltAndItsParameters) {
    auto a = hash_password(secret("correct horse battery"), 1, 8 << 20);
    auto b = hash_password(secret("correct horse battery"), 1, 8 << 20);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(a->algorithm, "argon2id13");
    EXPECT_EQ(a->salt.size(), 16u);
    EXPECT_EQ(a->hash.size(), 32u);
    EXPECT_EQ(a->opslimit, 1u);
    EXPECT_EQ(a->memlimit, 8u << 20);
    EXPECT_NE(a->salt, b->salt);
    EXPECT_NE(a->hash, b->hash);

    // The same computation by libsodium directly, so the record really is crypto_pwhash output.
    std::string password = "correct horse battery";
    Bytes expected(32);
    ASSERT_EQ(crypto_pwhash(expected.data(), expected.size(), password.data(), password.size(),
                            a->salt.data(), 1, 8 << 20, crypto_pwhash_ALG_ARGON2ID13),
              0);
    EXPECT_EQ(a->hash, expected);
}

TEST(PasswordHash, VerifiesWithTheRecordsOwnParameters) {
    auto record = hash_password(secret("correct horse battery"), 2, 9 << 20);
    ASSERT_TRUE(record);
    EXPECT_TRUE(verify_password(secret("correct horse battery"), *record));
    EXPECT_FALSE(verify_password(secret("correct horse batterz"), *record));
    EXPECT_FALSE(verify_password(secret(""), *record));

    PasswordRecord other_params = *record;
    other_params.opslimit = 1;
    EXPECT_FALSE(verify_password(secret("correct horse battery"), other_params));
    PasswordRecord truncated = *record;
    truncated.hash.pop_back();
    EXPECT_FALSE(verify_password(secret("correct horse battery"), truncated));
    PasswordRecord unknown_alg = *record;
    unknown_alg.algorithm = "md5";
    EXPECT_FALSE(verify_password(secret("correct horse battery"), unknown_alg));
    PasswordRecord huge = *record;
    huge.memlimit = std::uint64_t{1} << 40;  // a hostile row must not make us allocate 1 TiB
    EXPECT_FALSE(verify_password(secret("correct horse battery"), huge));
}

TEST(PasswordHash, RefusesParametersOutsideLibsodiumsRange) {
    auto no_work = hash_password(secret("correct horse battery"), 0, 8 << 20);
    ASSERT_FALSE(no_work);
    EXPECT_NE(no_work.error().message.find("out of range"), std::string::npos);
    EXPECT_FALSE(hash_password(secret("correct horse battery"), 1, 1024));
}

TEST(PasswordHash, VerifiesTheSeedsLegacySha256Rows) {
    // The seeds stored hex(SHA-256(salt || password)) beside a 16-byte salt.
    PasswordRecord legacy;
    legacy.algorithm = std::string(kLegacyHashAlgorithm);
    legacy.salt = Bytes(16, 0x5a);
    Bytes input = legacy.salt;
    std::string password = "seed password";
    input.insert(input.end(), password.begin(), password.end());
    auto digest = crypto::sha256(input);
    legacy.hash.assign(digest.begin(), digest.end());
    EXPECT_TRUE(verify_password(secret("seed password"), legacy));
    EXPECT_FALSE(verify_password(secret("seed passwore"), legacy));
    EXPECT_TRUE(needs_rehash(legacy, test_policy()));
}

TEST(PasswordHash, NeedsRehashWhenThePolicyAsksForMore) {
    auto record = hash_password(secret("correct horse battery"), 1, 8 << 20);
    ASSERT_TRUE(record);
    PasswordPolicy same = test_policy();
    EXPECT_FALSE(needs_rehash(*record, same));
    PasswordPolicy more_ops = same;
    more_ops.opslimit = 2;
    EXPECT_TRUE(needs_rehash(*record, more_ops));
    PasswordPolicy more_memory = same;
    more_memory.memlimit = 16 << 20;
    EXPECT_TRUE(needs_rehash(*record, more_memory));
    PasswordPolicy less = same;
    less.memlimit = 8192;
    EXPECT_FALSE(needs_rehash(*record, less));  // never downgraded
}

TEST(ErrorNames, AreTheEnumeratorNames) {
    EXPECT_EQ(store_error_name(StoreErrorCode::duplicate_email), "duplicate_email");
    EXPECT_EQ(store_error_name(StoreErrorCode::unavailable), "unavailable");
    EXPECT_EQ(auth_error_name(AuthErrorCode::wrong_credentials), "wrong_credentials");
    EXPECT_EQ(auth_error_name(AuthErrorCode::account_disabled), "account_disabled");
    EXPECT_EQ(role_name(Role::admin), "admin");
}

TEST(BackendNames, AreSqliteAndMysqlAndNothingElse) {
    EXPECT_EQ(parse_backend("sqlite"), sc::store::Backend::sqlite);
    EXPECT_EQ(parse_backend("mysql"), sc::store::Backend::mysql);
    for (std::string_view other : {"", "SQLite", "mariadb", "mysql ", "postgres"}) {
        EXPECT_FALSE(parse_backend(other)) << other;
    }
    EXPECT_EQ(backend_name(sc::store::Backend::sqlite), "sqlite");
    EXPECT_EQ(backend_name(sc::store::Backend::mysql), "mysql");
}

}  // namespace
}  // namespace sc::store::test
