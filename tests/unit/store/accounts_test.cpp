// Registration and login on top of each backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "store/accounts.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using AccountsTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, tested_backends(), backend_param_name);

TEST_P(AccountsTest, RegistersAndLogsIn) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    auto registered =
        accounts.register_account("taha@test.com", "taha1", secret("a long enough password"));
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_EQ(registered->username, "taha1");
    EXPECT_EQ(registered->role, Role::user);

    auto stored = store->find_by_username("taha1");
    ASSERT_TRUE(stored && stored->has_value());
    const PasswordRecord& record = (*stored)->password;
    EXPECT_EQ(record.algorithm, "argon2id13");
    EXPECT_EQ(record.salt.size(), 16u);
    EXPECT_EQ(record.hash.size(), 32u);
    EXPECT_EQ(record.opslimit, test_policy().opslimit);
    EXPECT_EQ(record.memlimit, test_policy().memlimit);
    EXPECT_TRUE(verify_password(secret("a long enough password"), record));

    auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
    auto login = accounts.login("taha1", secret("a long enough password"));
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->id, registered->id);
    ASSERT_TRUE(login->last_login);
    EXPECT_GE(*login->last_login, before);
    auto after = store->find_by_username("taha1");
    ASSERT_TRUE(after && after->has_value());
    EXPECT_EQ((*after)->account.last_login, login->last_login);
}

TEST_P(AccountsTest, RefusesDuplicatesWithAClearError) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    ASSERT_TRUE(accounts.register_account("taha@test.com", "taha1", secret("password-one")));
    // The codes (for the server's log) differ; the words the client sees do not (review L5).
    auto same_name = accounts.register_account("other@test.com", "taha1", secret("password-two"));
    ASSERT_FALSE(same_name);
    EXPECT_EQ(same_name.error().code, AuthErrorCode::username_taken);
    EXPECT_EQ(same_name.error().message, "that username or email cannot be used");
    auto same_email = accounts.register_account("taha@test.com", "taha2", secret("password-two"));
    ASSERT_FALSE(same_email);
    EXPECT_EQ(same_email.error().code, AuthErrorCode::email_taken);
    EXPECT_EQ(same_email.error().message, same_name.error().message);
    // The first account is untouched.
    EXPECT_TRUE(accounts.login("taha1", secret("password-one")));
}

TEST_P(AccountsTest, RegistrationNamesTheRuleThatFailed) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    struct Case {
        std::string email, username, password;
        AuthErrorCode code;
        std::string message;
    };
    const Case cases[] = {
        {"taha.test.com", "taha1", "password-one", AuthErrorCode::invalid_email,
         "email must contain exactly one '@'"},
        {"taha@test", "taha1", "password-one", AuthErrorCode::invalid_email,
         "email must have a domain with a dot after the '@' (like example.com)"},
        {"ta ha@test.com", "taha1", "password-one", AuthErrorCode::invalid_email,
         "email may only contain printable ASCII characters without spaces"},
        {std::string(250, 'a') + "@b.co", "taha1", "password-one", AuthErrorCode::invalid_email,
         "email must be at most 254 characters"},
        {"taha@test.com", "ta", "password-one", AuthErrorCode::invalid_username,
         "username must be 3-32 characters"},
        {"taha@test.com", "taha!", "password-one", AuthErrorCode::invalid_username,
         "username may only contain letters, digits, '_', '.', '-'"},
        {"taha@test.com", "9taha", "password-one", AuthErrorCode::invalid_username,
         "username must start with a letter"},
        {"taha@test.com", "taha1", "short", AuthErrorCode::weak_password,
         "password must be at least 10 characters"},
        {"taha@test.com", "taha1", std::string(300, 'p'), AuthErrorCode::weak_password,
         "password must be at most 256 characters"},
    };
    for (const Case& c : cases) {
        auto result = accounts.register_account(c.email, c.username, secret(c.password));
        ASSERT_FALSE(result) << c.message;
        EXPECT_EQ(result.error().code, c.code) << c.message;
        EXPECT_EQ(result.error().message, c.message);
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "0");
}

TEST_P(AccountsTest, WrongPasswordAndUnknownUserLookTheSame) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    ASSERT_TRUE(accounts.register_account("taha@test.com", "taha1", secret("the right password")));

    auto wrong = accounts.login("taha1", secret("the wrong password"));
    auto unknown = accounts.login("nobody", secret("the right password"));
    auto malformed = accounts.login("no such user!", secret("the right password"));
    ASSERT_FALSE(wrong);
    ASSERT_FALSE(unknown);
    ASSERT_FALSE(malformed);
    EXPECT_EQ(wrong.error().code, AuthErrorCode::wrong_credentials);
    EXPECT_EQ(unknown.error().code, wrong.error().code);
    EXPECT_EQ(unknown.error().message, wrong.error().message);
    EXPECT_EQ(malformed.error().code, wrong.error().code);
    EXPECT_EQ(malformed.error().message, wrong.error().message);
    EXPECT_EQ(wrong.error().message, "wrong username or password");

    // The same work, too: HardeningStore.L12_EveryFailedLoginCostsThePolicysArgon2Work counts
    // the Argon2id work of each path (a count, not a clock, so busy machines cannot flake it).
}

TEST_P(AccountsTest, UpgradesOldHashParametersAtTheNextLogin) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    {
        Accounts old_policy(*store, test_policy());
        ASSERT_TRUE(old_policy.register_account("taha@test.com", "taha1", secret("password-one")));
    }
    auto before = store->find_by_username("taha1");
    ASSERT_TRUE(before && before->has_value());

    PasswordPolicy raised = test_policy();
    raised.opslimit = 2;
    raised.memlimit = 16 * 1024 * 1024;
    Accounts accounts(*store, raised);
    // A wrong password changes nothing.
    ASSERT_FALSE(accounts.login("taha1", secret("password-two")));
    auto unchanged = store->find_by_username("taha1");
    ASSERT_TRUE(unchanged && unchanged->has_value());
    EXPECT_EQ((*unchanged)->password.hash, (*before)->password.hash);

    ASSERT_TRUE(accounts.login("taha1", secret("password-one")));
    auto after = store->find_by_username("taha1");
    ASSERT_TRUE(after && after->has_value());
    const PasswordRecord& record = (*after)->password;
    EXPECT_EQ(record.opslimit, 2u);
    EXPECT_EQ(record.memlimit, 16u * 1024 * 1024);
    EXPECT_NE(record.salt, (*before)->password.salt);
    EXPECT_NE(record.hash, (*before)->password.hash);
    EXPECT_FALSE(needs_rehash(record, raised));
    // Still the same password, under either policy.
    EXPECT_TRUE(accounts.login("taha1", secret("password-one")));
    Accounts back_to_old(*store, test_policy());
    EXPECT_TRUE(back_to_old.login("taha1", secret("password-one")));
    auto not_downgraded = store->find_by_username("taha1");
    EXPECT_EQ((*not_downgraded)->password.opslimit, 2u);
}

TEST_P(AccountsTest, ADisabledAccountCannotLogIn) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    auto registered = accounts.register_account("taha@test.com", "taha1", secret("password-one"));
    ASSERT_TRUE(registered);
    ASSERT_TRUE(store->set_disabled(registered->id, true));

    auto right = accounts.login("taha1", secret("password-one"));
    ASSERT_FALSE(right);
    EXPECT_EQ(right.error().code, AuthErrorCode::account_disabled);
    EXPECT_EQ(right.error().message, "this account is disabled");
    // Without the password nobody learns that the account is disabled.
    auto wrong = accounts.login("taha1", secret("password-two"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, AuthErrorCode::wrong_credentials);

    ASSERT_TRUE(store->set_disabled(registered->id, false));
    EXPECT_TRUE(accounts.login("taha1", secret("password-one")));
}

TEST_P(AccountsTest, InjectionAttemptsInEveryFieldAreJustText) {
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    const std::string attack = "alice'; DROP TABLE users; --";
    // The email rules allow quotes and semicolons (no spaces), so this one is stored.
    const std::string email = "alice';DROP-TABLE-users;--@example.com";
    auto registered = accounts.register_account(email, "alice", secret(attack));
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_EQ(registered->email, email);

    // The username rules refuse it before any SQL runs; login treats it as unknown.
    auto bad_name = accounts.register_account("b@example.com", attack, secret("password-one"));
    ASSERT_FALSE(bad_name);
    EXPECT_EQ(bad_name.error().code, AuthErrorCode::invalid_username);
    auto login_attack = accounts.login(attack, secret(attack));
    ASSERT_FALSE(login_attack);
    EXPECT_EQ(login_attack.error().code, AuthErrorCode::wrong_credentials);
    auto or_true = accounts.login("alice", secret("' OR '1'='1"));
    ASSERT_FALSE(or_true);
    EXPECT_EQ(or_true.error().code, AuthErrorCode::wrong_credentials);

    // The password with SQL in it is simply the password.
    auto login = accounts.login("alice", secret(attack));
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->email, email);
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM users"), "1");
    EXPECT_EQ(scalar_raw("SELECT email FROM users"), email);
}

}  // namespace
}  // namespace sc::store::test
