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

// The type of users.id and the character set and collation of users.username, as this database
// has them (the seeds' INT and the server's default collation, usually): the new tables' keys
// must match them exactly for the foreign keys, and to_username must compare as username does.
struct UsersKeyTypes {
    std::string id_type;
    std::string username_charset;
    std::string username_collation;
};

StoreResult<UsersKeyTypes> users_key_types(sql::Connection& db, std::string_view during) {
    SC_TRY_ASSIGN(auto select,
                  db.prepare("SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME"
                             " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                             " AND TABLE_NAME = 'users' AND COLUMN_NAME IN ('id', 'username')",
                             during));
    UsersKeyTypes types;
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            break;
        }
        const std::string column = select->get_text(0).value_or("");
        if (column == "id") {
            types.id_type = select->get_text(1).value_or("");
        } else {
            types.username_charset = select->get_text(2).value_or("");
            types.username_collation = select->get_text(3).value_or("");
        }
    }
    // They go into DDL text, so they must be plain names ("int(11)", "utf8mb4_general_ci").
    auto plain = [](const std::string& text) {
        return !text.empty() &&
               text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_() ") ==
                   std::string::npos;
    };
    if (!plain(types.id_type) || !plain(types.username_charset) ||
        !plain(types.username_collation)) {
        return fail(store_error(
            StoreErrorCode::corrupt,
            std::string(during) + ": the users table has no readable id and username columns"));
    }
    return types;
}

// Version 4: devices, friendships, friend_requests (the reasons are in sqlite_schema.cpp's
// kSocial). Each CREATE is IF NOT EXISTS, so a run cut short is finished by the next open.
StoreResult<bool> create_social_tables(sql::Connection& db) {
    const std::string_view during = "migration 4 (devices and friends)";
    SC_TRY_ASSIGN(UsersKeyTypes types, users_key_types(db, during));
    const std::string& id = types.id_type;
    const std::string statements[] = {
        "CREATE TABLE IF NOT EXISTS devices ("
        " id BIGINT PRIMARY KEY AUTO_INCREMENT,"
        " account_id " +
            id +
            " NOT NULL,"
            " fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
            " name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,"
            " cert_der BLOB NOT NULL,"
            " first_seen DATETIME(3) NOT NULL,"
            " last_seen DATETIME(3) NOT NULL,"
            " UNIQUE KEY devices_account_fingerprint (account_id, fingerprint),"
            " CONSTRAINT devices_account FOREIGN KEY (account_id) REFERENCES users (id)"
            " ON DELETE CASCADE) ENGINE=InnoDB",
        "CREATE TABLE IF NOT EXISTS friendships ("
        " user_low " +
            id +
            " NOT NULL,"
            " user_high " +
            id +
            " NOT NULL,"
            " since DATETIME(3) NOT NULL,"
            " PRIMARY KEY (user_low, user_high),"
            " KEY friendships_high (user_high),"
            " CONSTRAINT friendships_low_user FOREIGN KEY (user_low) REFERENCES users (id)"
            " ON DELETE CASCADE,"
            " CONSTRAINT friendships_high_user FOREIGN KEY (user_high) REFERENCES users (id)"
            " ON DELETE CASCADE,"
            " CONSTRAINT friendships_ordered CHECK (user_low < user_high)) ENGINE=InnoDB",
        "CREATE TABLE IF NOT EXISTS friend_requests ("
        " from_id " +
            id +
            " NOT NULL,"
            " to_username VARCHAR(255) CHARACTER SET " +
            types.username_charset + " COLLATE " + types.username_collation +
            " NOT NULL,"
            " created_at DATETIME(3) NOT NULL,"
            " PRIMARY KEY (from_id, to_username),"
            " KEY friend_requests_to (to_username),"
            " CONSTRAINT friend_requests_from FOREIGN KEY (from_id) REFERENCES users (id)"
            " ON DELETE CASCADE) ENGINE=InnoDB",
    };
    for (const std::string& statement : statements) {
        SC_TRY(db.execute(statement, during));
    }
    return true;
}

// Version 5: signed_prekeys, one_time_prekeys (the reasons are in sqlite_schema.cpp's
// kPrekeys). IF NOT EXISTS, so a run cut short is finished by the next open.
StoreResult<bool> create_prekey_tables(sql::Connection& db) {
    const std::string_view during = "migration 5 (prekeys)";
    const std::string_view statements[] = {
        "CREATE TABLE IF NOT EXISTS signed_prekeys ("
        " device_id BIGINT NOT NULL PRIMARY KEY,"
        " key_id BIGINT NOT NULL,"
        " prekey VARBINARY(32) NOT NULL,"
        " made_at_ms BIGINT NOT NULL,"
        " sig VARBINARY(1024) NOT NULL,"
        " CONSTRAINT signed_prekeys_device FOREIGN KEY (device_id) REFERENCES devices (id)"
        " ON DELETE CASCADE) ENGINE=InnoDB",
        "CREATE TABLE IF NOT EXISTS one_time_prekeys ("
        " device_id BIGINT NOT NULL,"
        " key_id BIGINT NOT NULL,"
        " prekey VARBINARY(32) NOT NULL,"
        " made_at_ms BIGINT NOT NULL,"
        " sig VARBINARY(1024) NOT NULL,"
        " PRIMARY KEY (device_id, key_id),"
        " CONSTRAINT one_time_prekeys_device FOREIGN KEY (device_id) REFERENCES devices (id)"
        " ON DELETE CASCADE) ENGINE=InnoDB",
    };
    for (std::string_view statement : statements) {
        SC_TRY(db.execute(statement, during));
    }
    return true;
}

// Version 6: held_envelopes (the reasons are in sqlite_schema.cpp's kHeldEnvelopes). InnoDB's
// AUTO_INCREMENT is never reused while the server runs and, since MariaDB 10.2, survives a
// restart; the recipient account's row lock orders the inserts for one device.
StoreResult<bool> create_held_envelope_table(sql::Connection& db) {
    SC_TRY(db.execute(
        "CREATE TABLE IF NOT EXISTS held_envelopes ("
        " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " device_id BIGINT NOT NULL,"
        " from_user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,"
        " from_fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
        " mid VARBINARY(16) NOT NULL,"
        " body BLOB NOT NULL,"
        " body_bytes INT NOT NULL,"
        " stored_ms BIGINT NOT NULL,"
        " expires_ms BIGINT NOT NULL,"
        " UNIQUE KEY held_envelopes_once (device_id, from_fingerprint, mid),"
        " KEY held_envelopes_device (device_id, id, body_bytes),"
        " KEY held_envelopes_expires (expires_ms),"
        " CONSTRAINT held_envelopes_of_device FOREIGN KEY (device_id) REFERENCES devices (id)"
        " ON DELETE CASCADE) ENGINE=InnoDB",
        "migration 6 (held envelopes)"));
    return true;
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
        switch (version) {
            case SchemaVersion::seed_users:
                return create_seed_users(db);
            case SchemaVersion::social:
                return create_social_tables(db);
            case SchemaVersion::prekeys:
                return create_prekey_tables(db);
            case SchemaVersion::held_envelopes:
                return create_held_envelope_table(db);
            default:
                return add_account_columns(db);
        }
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
