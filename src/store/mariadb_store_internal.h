// Internals of the MariaDB backend shared by mariadb_store.cpp (connection, statements, account
// rows) and mariadb_migrations.cpp (the schema steps). Not part of the store's interface.
#pragma once

#include <mysql.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/free_with.h"
#include "store/account_store.h"
#include "store/migrations.h"

namespace sc::store::mariadb {

// Every wait on the server is bounded: an outage costs a caller a few seconds, not a hang.
constexpr unsigned kServiceTimeoutSeconds = 3;
// Migrations may rebuild a large table; they run once, at open, on a connection of their own.
constexpr unsigned kMigrationReadTimeoutSeconds = 120;
// How long open waits for another process that is migrating the same database.
constexpr int kMigrationLockSeconds = 30;

using ConnPtr = std::unique_ptr<MYSQL, FreeWith<mysql_close>>;
using StmtPtr = std::unique_ptr<MYSQL_STMT, FreeWith<mysql_stmt_close>>;

using Param = std::variant<std::nullptr_t, std::int64_t, std::uint64_t, std::string_view, ByteView>;
using Row = std::vector<std::optional<std::string>>;

struct QueryResult {
    std::vector<Row> rows;
    std::uint64_t affected = 0;  // matched rows, thanks to CLIENT_FOUND_ROWS
    std::uint64_t insert_id = 0;
};

// A decimal column as a number; nullopt for NULL, empty or anything but digits.
std::optional<std::uint64_t> parse_unsigned(const std::optional<std::string>& text);

class MariaDbStore final : public AccountStore {
  public:
    MariaDbStore(MariaDbConfig config, HashCost wrap_cost)
        : config_(std::move(config)), wrap_cost_(wrap_cost) {}

    StoreResult<bool> open_and_migrate();

    StoreResult<Account> create_account(const std::string& email, const std::string& username,
                                        const PasswordRecord& password, Role role) override;
    StoreResult<std::optional<Credentials>> find_by_username(const std::string& username) override;
    StoreResult<bool> update_password(std::int64_t account_id,
                                      const PasswordRecord& password) override;
    StoreResult<bool> record_login(std::int64_t account_id, TimePoint when) override;
    StoreResult<bool> set_disabled(std::int64_t account_id, bool disabled) override;
    StoreResult<int> schema_version() override;
    std::string backend() const override { return "mariadb:" + where() + "/" + config_.database; }

  private:
    std::string where() const {
        return config_.unix_socket.empty() ? config_.host + ":" + std::to_string(config_.port)
                                           : config_.unix_socket;
    }
    StoreResult<bool> connect(unsigned read_timeout_seconds);
    StoreError error_for(unsigned code, const char* message, std::string_view during);
    // Prepares, binds, executes and fetches every row as text (NULL as nullopt). The caller
    // holds mutex_.
    StoreResult<QueryResult> run(std::string_view sql, const std::vector<Param>& params,
                                 std::string_view during);
    StoreResult<int> current_version();
    StoreResult<bool> migrate();
    StoreResult<bool> migrate_locked();
    StoreResult<bool> migrate_to_seed_users();
    StoreResult<bool> migrate_to_accounts();
    StoreResult<bool> migrate_to_wrapped_legacy_hashes();
    // Column name -> DATA_TYPE ("varbinary", "char"...) of `users`.
    StoreResult<std::map<std::string, std::string>> users_columns();
    // Columns of `users` that have a unique key of their own.
    StoreResult<std::set<std::string>> single_column_unique_keys();
    StoreResult<bool> record_version(SchemaVersion version);
    StoreResult<bool> update_one(std::string_view sql, const std::vector<Param>& params,
                                 std::string_view during);

    std::mutex mutex_;
    MariaDbConfig config_;
    HashCost wrap_cost_;
    ConnPtr conn_;
};

}  // namespace sc::store::mariadb
