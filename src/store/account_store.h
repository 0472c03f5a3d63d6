// Accounts: one interface, two backends (SQLite, the embedded default; MySQL/MariaDB via
// MariaDB Connector/C, as in the seeds). Prepared statements only. Implementations are
// thread-safe: the server calls them from its worker pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace sc::store {

using TimePoint = std::chrono::system_clock::time_point;

enum class Role { user, admin };
std::string_view role_name(Role role);

struct Account {
    std::int64_t id = 0;
    std::string email;
    std::string username;
    Role role = Role::user;
    bool disabled = false;
    TimePoint created_at{};
    std::optional<TimePoint> last_login;
};

// An Argon2id hash with the parameters it was made with, so they can be raised later and old
// hashes upgraded at the next successful login.
struct PasswordRecord {
    Bytes salt;  // 16 random bytes
    Bytes hash;  // raw Argon2id output (32 bytes)
    std::uint64_t opslimit = 0;
    std::uint64_t memlimit = 0;
    std::string algorithm = "argon2id13";
};

struct Credentials {
    Account account;
    PasswordRecord password;
};

enum class StoreErrorCode {
    duplicate_username,
    duplicate_email,
    not_found,
    unavailable,  // the database is down or unreachable; retry later
    corrupt,      // a row or the schema is not what we wrote
    internal,
    limit_reached,     // a bound of proto/limits.h (friends, requests, devices) is reached
    invalid_argument,  // a value the store cannot keep (too long, malformed); says which
};
std::string_view store_error_name(StoreErrorCode code);

struct StoreError {
    StoreErrorCode code;
    std::string message;  // plain words, never a password or hash
};

template <class T>
using StoreResult = Result<T, StoreError>;

// The bound of AccountStore::list_accounts: a host admin's listing, not a wire message, so it
// is the store's own; past it the admin CLI says that the list was cut.
inline constexpr std::size_t kMaxListedAccounts = 10000;

class AccountStore {
  public:
    virtual ~AccountStore() = default;

    // Fails with duplicate_username / duplicate_email; the row is written whole or not at all.
    virtual StoreResult<Account> create_account(const std::string& email,
                                                const std::string& username,
                                                const PasswordRecord& password, Role role) = 0;
    virtual StoreResult<std::optional<Credentials>> find_by_username(
        const std::string& username) = 0;
    virtual StoreResult<bool> update_password(std::int64_t account_id,
                                              const PasswordRecord& password) = 0;
    virtual StoreResult<bool> record_login(std::int64_t account_id, TimePoint when) = 0;
    virtual StoreResult<bool> set_disabled(std::int64_t account_id, bool disabled) = 0;
    // False: no such account.
    virtual StoreResult<bool> set_role(std::int64_t account_id, Role role) = 0;
    // The account without its password; nullopt when there is none.
    virtual StoreResult<std::optional<Account>> find_account(const std::string& username) = 0;
    // Every account by id (oldest first), at most kMaxListedAccounts: the host admin's list.
    virtual StoreResult<std::vector<Account>> list_accounts() = 0;
    virtual StoreResult<int> schema_version() = 0;
    virtual std::string backend() const = 0;  // "sqlite:/path" or "mariadb:host/db"
};

// The Argon2id cost migration 3 wraps the seeds' SHA-256 rows with (review L6). Defaults are
// PasswordPolicy's; the server passes its policy's, tests a cheap one.
struct HashCost {
    std::uint64_t opslimit = 2;
    std::uint64_t memlimit = 64 * 1024 * 1024;
};

struct MariaDbConfig {
    std::string host = "localhost";
    unsigned port = 3306;
    std::string unix_socket;  // used instead of host/port when set
    std::string user = "chatuser";
    std::string password;
    std::string database = "securechat";
    // TLS (review L7). With tls_ca set, the connection is TLS-only and the server's certificate
    // must chain to this CA file (PEM) and name `host` (MYSQL_OPT_SSL_CA,
    // MYSQL_OPT_SSL_VERIFY_SERVER_CERT). A host that is not local (anything but a unix socket,
    // "localhost", 127.0.0.0/8 and ::1) is refused without tls_ca, because password hashes and
    // the database password would cross the network in clear, unless the operator says
    // allow_cleartext_remote = true.
    std::string tls_ca;
    bool allow_cleartext_remote = false;
};
// open_sqlite and open_mariadb, which return the whole Store, are in store/social_store.h.

}  // namespace sc::store
