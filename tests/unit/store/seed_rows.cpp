#include "unit/store/seed_rows.h"

#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "store/accounts.h"
#include "store/migrations.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {

const Bytes kSeedSalt = *from_hex("f829b1d284e76b24186afecfbe7e5c68");

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

}  // namespace sc::store::test
