// Registration and login rules on top of an AccountStore: validation with the failed rule
// named, Argon2id hashing (libsodium), identical answers for unknown users and wrong passwords,
// and upgrading old hash parameters at the next login. Synchronous and CPU-heavy by design:
// the server runs these on its bounded worker pool, never on an I/O thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/secret.h"
#include "proto/limits.h"
#include "store/account_store.h"

namespace sc::store {

struct PasswordPolicy {
    std::size_t min_length = proto::kMinPasswordBytes;
    std::size_t max_length = proto::kMaxPasswordBytes;
    // Argon2id cost; libsodium's INTERACTIVE limits by default (tests may lower them).
    std::uint64_t opslimit = 2;
    std::uint64_t memlimit = 64 * 1024 * 1024;
};

enum class AuthErrorCode {
    invalid_email,  // message says which rule failed
    invalid_username,
    weak_password,
    username_taken,
    email_taken,
    wrong_credentials,  // the same for an unknown user and a wrong password
    account_disabled,
    unavailable,  // the database is down
    internal,
};
std::string_view auth_error_name(AuthErrorCode code);

struct AuthError {
    AuthErrorCode code;
    std::string message;
};

template <class T>
using AuthResult = Result<T, AuthError>;

// Rules (bounds in proto/limits.h, "accounts"): email ≤ kMaxEmailBytes (254), one '@', a
// non-empty local part of printable ASCII without spaces and a domain with a dot; username
// kMinUsernameBytes..kMaxUsernameBytes (3-32) of [A-Za-z0-9_.-] starting with a letter; password
// min_length..max_length bytes.
Result<bool, AuthError> validate_email(const std::string& email);
Result<bool, AuthError> validate_username(const std::string& username);
Result<bool, AuthError> validate_password(const crypto::SecretBytes& password,
                                          const PasswordPolicy& policy);

class Accounts {
  public:
    Accounts(AccountStore& store, PasswordPolicy policy);

    AuthResult<Account> register_account(const std::string& email, const std::string& username,
                                         const crypto::SecretBytes& password);
    // register_account's rules and hashing, with a role: an admin's /useradd and
    // `securechat server admin add`.
    AuthResult<Account> add_account(const std::string& email, const std::string& username,
                                    const crypto::SecretBytes& password, Role role);
    // Unknown user: hashes against a fixed dummy record so the time and answer match a wrong
    // password. On success records the login and upgrades the hash if its parameters are old.
    AuthResult<Account> login(const std::string& username, const crypto::SecretBytes& password);

  private:
    void pad_to_policy_cost(const PasswordRecord& record) const;

    AccountStore& store_;
    PasswordPolicy policy_;
    // What unknown users are verified against: a random salt and hash with the policy's
    // parameters, so the work done equals a real verification and can never succeed.
    PasswordRecord dummy_;
};

// PasswordRecord::algorithm of the hashes we write.
inline constexpr std::string_view kArgon2idAlgorithm = "argon2id13";

// Argon2id via libsodium (crypto_pwhash, ALG_ARGON2ID13), 32-byte output.
Result<PasswordRecord> hash_password(const crypto::SecretBytes& password, std::uint64_t opslimit,
                                     std::uint64_t memlimit);
// Recomputes with the record's own salt and parameters and compares in constant time. Also
// accepts the seeds' SHA-256(salt || password) rows (algorithm "legacy-sha256") so they can log
// in once and be upgraded. False for anything malformed.
bool verify_password(const crypto::SecretBytes& password, const PasswordRecord& record);
// True when the record is not Argon2id or was made with less work than the policy asks for.
bool needs_rehash(const PasswordRecord& record, const PasswordPolicy& policy);

// A legacy-sha256 record rewritten as argon2id-over-sha256 with this cost (migration 3): the
// same password still verifies, and nothing in it is cheaper to attack than Argon2id.
Result<PasswordRecord> wrap_legacy_record(const PasswordRecord& legacy, HashCost cost);

// Argon2id work (passes × KiB) that verify_password spends on `record`: 0 for what it refuses
// without hashing (legacy SHA-256, malformed rows).
std::uint64_t verification_work(const PasswordRecord& record);
// Argon2id work done by every crypto_pwhash call on this thread so far. Observed, not computed,
// so tests can check that login does the same work for every failed attempt (review L12).
std::uint64_t argon2_work_on_this_thread();
// Runs Argon2id on random input for about `work` passes × KiB (at least libsodium's minimum),
// with the policy's opslimit: the padding that brings a cheap verification up to the policy.
void burn_argon2_work(std::uint64_t work, std::uint64_t opslimit);

}  // namespace sc::store
