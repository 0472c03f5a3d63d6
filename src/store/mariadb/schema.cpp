// The MariaDB dialect of the schema (store/migrations.h) and open_mariadb. MariaDB commits DDL
// implicitly, so each step checks what is already done (by looking at information_schema) and
// migrate() writes the version row last.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/account_store_sql.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/tls.h"
#include "store/migrations.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;
using mariadb::MariaDbConnection;

// How long open waits for another process that is migrating the same database.
constexpr int kMigrationLockSeconds = 30;

// The two text columns of each row of a query without parameters (NULLs skipped).
StoreResult<std::vector<std::pair<std::string, std::string>>> text_pairs(sql::Connection& db,
                                                                         std::string_view query,
                                                                         std::string_view during) {
    SC_TRY_ASSIGN(auto select, db.prepare(query, during));
    std::vector<std::pair<std::string, std::string>> rows;
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return rows;
        }
        auto first = select->get_text(0);
        auto second = select->get_text(1);
        if (first && second) {
            rows.emplace_back(std::move(*first), std::move(*second));
        }
    }
}

// Column name -> DATA_TYPE ("varbinary", "char"...) of `users`.
StoreResult<std::map<std::string, std::string>> users_columns(sql::Connection& db) {
    SC_TRY_ASSIGN(auto rows,
                  text_pairs(db,
                             "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS"
                             " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'",
                             "inspecting the users table"));
    return std::map<std::string, std::string>(rows.begin(), rows.end());
}

// Columns of `users` that have a unique key of their own.
StoreResult<std::set<std::string>> single_column_unique_keys(sql::Connection& db) {
    SC_TRY_ASSIGN(auto rows, text_pairs(db,
                                        "SELECT MAX(COLUMN_NAME), INDEX_NAME"
                                        " FROM information_schema.STATISTICS"
                                        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'"
                                        " AND NON_UNIQUE = 0 GROUP BY INDEX_NAME"
                                        " HAVING COUNT(*) = 1",
                                        "inspecting the users table"));
    std::set<std::string> columns;
    for (auto& row : rows) {
        columns.insert(std::move(row.first));
    }
    return columns;
}

// Version 1: the seeds' table, exactly as their DESCRIBE shows it. A table the seeds created
// before they added `id` gets it the way they did.
StoreResult<bool> create_seed_users(sql::Connection& db) {
    const std::string_view during = "migration 1 (the seeds' users table)";
    SC_TRY(
        db.execute("CREATE TABLE IF NOT EXISTS users ("
                   " id INT PRIMARY KEY AUTO_INCREMENT,"
                   " email VARCHAR(255),"
                   " username VARCHAR(255) UNIQUE,"
                   " salt VARBINARY(16),"
                   " pwd_hash CHAR(64))",
                   during));
    SC_TRY_ASSIGN(auto columns, users_columns(db));
    if (!columns.contains("id")) {
        SC_TRY(db.execute("ALTER TABLE users ADD COLUMN id INT PRIMARY KEY AUTO_INCREMENT FIRST",
                          during));
    }
    return true;
}

// Some seeds stored the hash as BINARY(32) and the salt as BINARY(16); we keep hex in CHAR(64)
// and the salt in VARBINARY(16), converting without losing a byte.
StoreResult<bool> convert_binary_hash(sql::Connection& db,
                                      std::map<std::string, std::string>& columns,
                                      std::string_view during) {
    const bool has_hash = columns.contains("pwd_hash");
    const bool has_hex = columns.contains("pwd_hash_hex");
    if (!has_hash && has_hex) {
        // Cut short between dropping the binary column and renaming the hex one.
        SC_TRY(db.execute("ALTER TABLE users CHANGE COLUMN pwd_hash_hex pwd_hash CHAR(64) NULL",
                          during));
    } else if (has_hash &&
               (columns["pwd_hash"] == "binary" || columns["pwd_hash"] == "varbinary")) {
        if (!has_hex) {
            SC_TRY(db.execute(
                "ALTER TABLE users ADD COLUMN pwd_hash_hex CHAR(64) NULL AFTER pwd_hash", during));
        }
        SC_TRY(
            db.execute("UPDATE users SET pwd_hash_hex = LOWER(HEX(pwd_hash))"
                       " WHERE pwd_hash IS NOT NULL",
                       during));
        // One statement, so no state exists with neither column.
        SC_TRY(
            db.execute("ALTER TABLE users DROP COLUMN pwd_hash,"
                       " CHANGE COLUMN pwd_hash_hex pwd_hash CHAR(64) NULL",
                       during));
    }
    return true;
}

// Version 2. Everything but the hash conversion in one ALTER (atomic DDL in MariaDB >= 10.6, and
// one table rebuild instead of eight), listing only what is missing. Rows from before this
// version: role user, enabled, created now (the seeds kept no time), and a legacy SHA-256 hash
// that migration 3 wraps.
StoreResult<bool> add_account_columns(sql::Connection& db) {
    const std::string_view during = "migration 2 (accounts)";
    SC_TRY_ASSIGN(auto columns, users_columns(db));
    SC_TRY(convert_binary_hash(db, columns, during));

    struct Column {
        std::string_view name;
        std::string_view definition;
    };
    constexpr Column added[] = {
        {"role", "ENUM('user', 'admin') NOT NULL DEFAULT 'user'"},
        {"disabled", "BOOLEAN NOT NULL DEFAULT FALSE"},
        {"created_at", "DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"},
        {"last_login_at", "DATETIME(3) NULL"},
        {"hash_alg", "VARCHAR(32) NOT NULL DEFAULT 'legacy-sha256'"},
        {"opslimit", "BIGINT UNSIGNED NOT NULL DEFAULT 0"},
        {"memlimit", "BIGINT UNSIGNED NOT NULL DEFAULT 0"},
    };
    std::vector<std::string> changes;
    for (const Column& column : added) {
        if (!columns.contains(std::string(column.name))) {
            changes.push_back("ADD COLUMN " + std::string(column.name) + " " +
                              std::string(column.definition));
        }
    }
    if (columns["salt"] == "binary") {
        changes.emplace_back("MODIFY COLUMN salt VARBINARY(16) NULL");
    }
    SC_TRY_ASSIGN(auto unique, single_column_unique_keys(db));
    if (!unique.contains("username")) {
        changes.emplace_back("ADD UNIQUE KEY users_username_unique (username)");
    }
    if (!unique.contains("email")) {
        changes.emplace_back("ADD UNIQUE KEY users_email_unique (email)");
    }
    if (changes.empty()) {
        return true;
    }
    std::string alter = "ALTER TABLE users ";
    for (std::size_t i = 0; i < changes.size(); ++i) {
        alter += (i == 0 ? "" : ", ") + changes[i];
    }
    auto altered = db.execute(alter, during);
    if (altered) {
        return true;
    }
    switch (duplicate_account_field(altered.error()).value_or(StoreErrorCode::internal)) {
        case StoreErrorCode::duplicate_email:
            return fail(store_error(StoreErrorCode::corrupt,
                                    std::string(during) +
                                        ": some existing accounts share an email address;"
                                        " give them distinct emails, then open again"));
        case StoreErrorCode::duplicate_username:
            return fail(store_error(StoreErrorCode::corrupt,
                                    std::string(during) +
                                        ": some existing accounts share a username;"
                                        " rename them, then open again"));
        default:
            return fail(std::move(altered).error());
    }
}

class MariaDbSchema final : public SchemaDialect {
  public:
    explicit MariaDbSchema(std::string database) : database_(std::move(database)) {}

    bool transactional_ddl() const override { return false; }
    std::string_view create_schema_version_table() const override {
        return "CREATE TABLE IF NOT EXISTS schema_version ("
               " version INT NOT NULL PRIMARY KEY,"
               " description VARCHAR(255) NOT NULL,"
               " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))";
    }
    // Two servers starting at once must not both migrate: a named lock, per database.
    StoreResult<bool> lock_migrations(sql::Connection& db) const override {
        SC_TRY_ASSIGN(auto lock, db.prepare("SELECT GET_LOCK(CONCAT('securechat.migrate.',"
                                            " DATABASE()), ?)",
                                            "waiting for the migration lock"));
        lock->bind_int64(1, kMigrationLockSeconds);
        SC_TRY_ASSIGN(sql::Step step, lock->step());
        if (step != sql::Step::row || lock->get_int64(0) != 1) {
            return fail(store_error(StoreErrorCode::unavailable,
                                    "another process has been migrating database '" + database_ +
                                        "' for " + std::to_string(kMigrationLockSeconds) +
                                        " s; try again"));
        }
        return true;
    }
    void unlock_migrations(sql::Connection& db) const override {
        // A lost connection took the lock with it; do not reconnect only to release it.
        if (db.connected()) {
            (void)db.execute("SELECT RELEASE_LOCK(CONCAT('securechat.migrate.', DATABASE()))",
                             "releasing the migration lock");
        }
    }
    StoreResult<bool> apply_schema(SchemaVersion version, sql::Connection& db) const override {
        return version == SchemaVersion::seed_users ? create_seed_users(db)
                                                    : add_account_columns(db);
    }

  private:
    std::string database_;
};

}  // namespace

StoreResult<std::unique_ptr<Store>> open_mariadb(const MariaDbConfig& config, HashCost wrap_cost) {
    // mysql_library_init is not thread-safe and mysql_init calls it implicitly: do it once,
    // here, before any store exists.
    static const bool library_ready = mysql_library_init(0, nullptr, nullptr) == 0;
    if (!library_ready) {
        return fail(store_error(StoreErrorCode::internal,
                                "the MariaDB client library failed to initialise"));
    }
    // Before any connection: the database password must not go out in clear (review L7).
    SC_TRY(check_transport_policy(config));
    auto db = std::make_unique<MariaDbConnection>(config, mariadb::kMigrationReadTimeoutSeconds);
    SC_TRY(db->connect());
    SC_TRY(migrate(*db, MariaDbSchema{config.database}, wrap_cost));
    // From here on every call is bounded by the short timeouts.
    SC_TRY(db->reconnect_with_read_timeout(mariadb::kServiceTimeoutSeconds));
    return make_sql_store(std::move(db));
}

}  // namespace sc::store
