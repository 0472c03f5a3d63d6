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
};
std::string_view store_error_name(StoreErrorCode code);

struct StoreError {
    StoreErrorCode code;
    std::string message;  // plain words, never a password or hash
};

template <class T>
using StoreResult = Result<T, StoreError>;

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
    virtual StoreResult<int> schema_version() = 0;
    virtual std::string backend() const = 0;  // "sqlite:/path" or "mariadb:host/db"
};

// The Argon2id cost migration 3 wraps the seeds' SHA-256 rows with (review L6). Defaults are
// PasswordPolicy's; the server passes its policy's, tests a cheap one.
struct HashCost {
    std::uint64_t opslimit = 2;
    std::uint64_t memlimit = 64 * 1024 * 1024;
};

// Opens (creating if needed) the SQLite database at `path` (WAL mode, synchronous=FULL) and runs
// migrations.
StoreResult<std::unique_ptr<AccountStore>> open_sqlite(const std::filesystem::path& path,
                                                       HashCost wrap_cost = {});

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
// Connects, runs migrations (keeping the seeds' `users` table and its columns), and reconnects
// by itself after the server went away: calls during an outage fail with `unavailable`.
StoreResult<std::unique_ptr<AccountStore>> open_mariadb(const MariaDbConfig& config,
                                                        HashCost wrap_cost = {});

}  // namespace sc::store
