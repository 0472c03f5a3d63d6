// Registration and login rules. Every refusal names the rule that failed, except login, which
// must not tell an unknown user from a wrong password.
#include "store/accounts.h"

#include <algorithm>
#include <chrono>

#include "common/usernames.h"
#include "crypto/random.h"
#include "store/migrations.h"

namespace sc::store {
namespace {

using proto::kMaxEmailBytes;
constexpr std::size_t kDummyHashBytes = 32;

// The same words for an unknown user and a wrong password.
constexpr std::string_view kWrongCredentials = "wrong username or password";
// The same words for a taken username and a taken email (review L5): registration must not tell
// a stranger which names or addresses have accounts. The log keeps the precise code.
constexpr std::string_view kRegistrationRefused = "that username or email cannot be used";

Failure<AuthError> auth_fail(AuthErrorCode code, std::string message) {
    return fail(AuthError{code, std::move(message)});
}

// Printable ASCII without the space: 0x21..0x7E.
bool is_visible_ascii(char c) {
    return c > ' ' && c < 0x7f;
}

AuthError from_store(const StoreError& error) {
    switch (error.code) {
        case StoreErrorCode::duplicate_username:
            return {AuthErrorCode::username_taken, std::string(kRegistrationRefused)};
        case StoreErrorCode::duplicate_email:
            return {AuthErrorCode::email_taken, std::string(kRegistrationRefused)};
        case StoreErrorCode::unavailable:
            return {AuthErrorCode::unavailable,
                    "the account database is unavailable; try again later (" + error.message + ")"};
        case StoreErrorCode::not_found:
        case StoreErrorCode::corrupt:
        case StoreErrorCode::internal:
        case StoreErrorCode::limit_reached:
        case StoreErrorCode::invalid_argument:
            break;
    }
    return {AuthErrorCode::internal, "account database error: " + error.message};
}

}  // namespace

Result<bool, AuthError> validate_email(const std::string& email) {
    if (email.size() > kMaxEmailBytes) {
        return auth_fail(AuthErrorCode::invalid_email,
                         "email must be at most " + std::to_string(kMaxEmailBytes) + " characters");
    }
    if (!std::all_of(email.begin(), email.end(), is_visible_ascii)) {
        return auth_fail(AuthErrorCode::invalid_email,
                         "email may only contain printable ASCII characters without spaces");
    }
    if (std::count(email.begin(), email.end(), '@') != 1) {
        return auth_fail(AuthErrorCode::invalid_email, "email must contain exactly one '@'");
    }
    auto at = email.find('@');
    if (at == 0) {
        return auth_fail(AuthErrorCode::invalid_email,
                         "email must have a non-empty part before the '@'");
    }
    std::string_view domain = std::string_view(email).substr(at + 1);
    auto dot = domain.find('.');
    if (dot == std::string_view::npos || domain.front() == '.' || domain.back() == '.') {
        return auth_fail(AuthErrorCode::invalid_email,
                         "email must have a domain with a dot after the '@' (like example.com)");
    }
    return true;
}

Result<bool, AuthError> validate_username(const std::string& username) {
    // The rule is common/usernames.h's: the CA checks the same one before it names a user.
    if (auto problem = username_problem(username)) {
        return auth_fail(AuthErrorCode::invalid_username, *problem);
    }
    return true;
}

Result<bool, AuthError> validate_password(const crypto::SecretBytes& password,
                                          const PasswordPolicy& policy) {
    if (password.size() < policy.min_length) {
        return auth_fail(
            AuthErrorCode::weak_password,
            "password must be at least " + std::to_string(policy.min_length) + " characters");
    }
    if (password.size() > policy.max_length) {
        return auth_fail(
            AuthErrorCode::weak_password,
            "password must be at most " + std::to_string(policy.max_length) + " characters");
    }
    return true;
}

Accounts::Accounts(AccountStore& store, PasswordPolicy policy) : store_(store), policy_(policy) {
    // Random bytes rather than a hash of some password: nothing can match it, and verifying
    // against it costs exactly one Argon2id run with the current parameters.
    dummy_.algorithm = std::string(kArgon2idAlgorithm);
    dummy_.opslimit = policy_.opslimit;
    dummy_.memlimit = policy_.memlimit;
    dummy_.salt.resize(16);
    dummy_.hash.resize(kDummyHashBytes);
    // Should the system's random generator fail, zeros still cost the same to verify against,
    // and no password hashes to them with any practical likelihood.
    (void)crypto::fill_random(dummy_.salt);
    (void)crypto::fill_random(dummy_.hash);
}

AuthResult<Account> Accounts::register_account(const std::string& email,
                                               const std::string& username,
                                               const crypto::SecretBytes& password) {
    return add_account(email, username, password, Role::user);
}

AuthResult<Account> Accounts::add_account(const std::string& email, const std::string& username,
                                          const crypto::SecretBytes& password, Role role) {
    SC_TRY(validate_email(email));
    SC_TRY(validate_username(username));
    SC_TRY(validate_password(password, policy_));
    auto record = hash_password(password, policy_.opslimit, policy_.memlimit);
    if (!record) {
        return auth_fail(AuthErrorCode::internal, record.error().message);
    }
    auto created = store_.create_account(email, username, *record, role);
    if (!created) {
        return fail(from_store(created.error()));
    }
    return std::move(created).value();
}

void Accounts::pad_to_policy_cost(const PasswordRecord& record) const {
    // Argon2id time grows with passes × memory. A record hashed with less than the policy (or a
    // legacy SHA-256 one, which costs nothing) is topped up with a throwaway run for the rest, so
    // every failed login costs what an unknown user's does and timing cannot single out old
    // accounts (review L12).
    const std::uint64_t target = verification_work(dummy_);
    const std::uint64_t done = verification_work(record);
    if (done < target) {
        burn_argon2_work(target - done, policy_.opslimit);
    }
}

AuthResult<Account> Accounts::login(const std::string& username,
                                    const crypto::SecretBytes& password) {
    // A name that breaks the rules cannot exist (and in MariaDB, "alice " would compare equal to
    // "alice"), so it is not looked up; the dummy verification keeps the time the same.
    std::optional<Credentials> found;
    if (validate_username(username) && password.size() <= policy_.max_length) {
        auto looked_up = store_.find_by_username(username);
        if (!looked_up) {
            return fail(from_store(looked_up.error()));
        }
        found = std::move(looked_up).value();
    }
    if (!found) {
        (void)verify_password(password, dummy_);
        return auth_fail(AuthErrorCode::wrong_credentials, std::string(kWrongCredentials));
    }

    const PasswordRecord& record = found->password;
    bool matches = verify_password(password, record);
    pad_to_policy_cost(record);
    if (!matches) {
        return auth_fail(AuthErrorCode::wrong_credentials, std::string(kWrongCredentials));
    }
    // Only after the password matched: otherwise anyone could probe which accounts are disabled.
    Account account = std::move(found->account);
    if (account.disabled) {
        return auth_fail(AuthErrorCode::account_disabled, "this account is disabled");
    }

    if (needs_rehash(record, policy_)) {
        // Best effort: a failed upgrade must not turn a correct password away; it is retried at
        // the next login.
        auto upgraded = hash_password(password, policy_.opslimit, policy_.memlimit);
        if (upgraded) {
            (void)store_.update_password(account.id, *upgraded);
        }
    }

    auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto recorded = store_.record_login(account.id, now);
    if (!recorded) {
        return fail(from_store(recorded.error()));
    }
    account.last_login = now;
    return account;
}

}  // namespace sc::store
