// The MariaDB backend's schema steps (docs: store/migrations.h). MariaDB commits DDL implicitly,
// so each step checks what is already done and the version row is written last.
#include <string>
#include <vector>

#include "store/accounts.h"
#include "store/mariadb_store_internal.h"
#include "store/store_internal.h"

namespace sc::store::mariadb {

using detail::store_error;

StoreResult<std::map<std::string, std::string>> MariaDbStore::users_columns() {
    SC_TRY_ASSIGN(QueryResult result,
                  run("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS"
                      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'",
                      {}, "inspecting the users table"));
    std::map<std::string, std::string> columns;
    for (const Row& row : result.rows) {
        if (row[0] && row[1]) {
            columns.emplace(*row[0], *row[1]);
        }
    }
    return columns;
}

StoreResult<std::set<std::string>> MariaDbStore::single_column_unique_keys() {
    SC_TRY_ASSIGN(QueryResult result,
                  run("SELECT MAX(COLUMN_NAME) FROM information_schema.STATISTICS"
                      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'"
                      " AND NON_UNIQUE = 0 GROUP BY INDEX_NAME HAVING COUNT(*) = 1",
                      {}, "inspecting the users table"));
    std::set<std::string> columns;
    for (const Row& row : result.rows) {
        if (row[0]) {
            columns.insert(*row[0]);
        }
    }
    return columns;
}

StoreResult<bool> MariaDbStore::record_version(SchemaVersion version) {
    SC_TRY(run("INSERT INTO schema_version (version, description) VALUES (?, ?)",
               {std::int64_t{schema_number(version)}, migration_description(version)},
               "recording the schema version"));
    return true;
}

// Version 1: the seeds' table, exactly as their DESCRIBE shows it. A table the seeds created
// before they added `id` gets it the way they did.
StoreResult<bool> MariaDbStore::migrate_to_seed_users() {
    const std::string_view during = "migration 1 (the seeds' users table)";
    SC_TRY(
        run("CREATE TABLE IF NOT EXISTS users ("
            " id INT PRIMARY KEY AUTO_INCREMENT,"
            " email VARCHAR(255),"
            " username VARCHAR(255) UNIQUE,"
            " salt VARBINARY(16),"
            " pwd_hash CHAR(64))",
            {}, during));
    SC_TRY_ASSIGN(auto columns, users_columns());
    if (!columns.contains("id")) {
        SC_TRY(run("ALTER TABLE users ADD COLUMN id INT PRIMARY KEY AUTO_INCREMENT FIRST", {},
                   during));
    }
    return record_version(SchemaVersion::seed_users);
}

// Version 2. MariaDB commits DDL implicitly, so a migration cannot be one transaction; instead
// every step checks whether it is already done, and a migration cut short is finished by the
// next open. The version row is written last.
StoreResult<bool> MariaDbStore::migrate_to_accounts() {
    const std::string_view during = "migration 2 (accounts)";

    // Some seeds stored the hash as BINARY(32) and the salt as BINARY(16); we keep hex in
    // CHAR(64) and the salt in VARBINARY(16), converting without losing a byte.
    SC_TRY_ASSIGN(auto columns, users_columns());
    const bool has_hash = columns.contains("pwd_hash");
    const bool has_hex = columns.contains("pwd_hash_hex");
    if (!has_hash && has_hex) {
        // Cut short between dropping the binary column and renaming the hex one.
        SC_TRY(
            run("ALTER TABLE users CHANGE COLUMN pwd_hash_hex pwd_hash CHAR(64) NULL", {}, during));
    } else if (has_hash &&
               (columns["pwd_hash"] == "binary" || columns["pwd_hash"] == "varbinary")) {
        if (!has_hex) {
            SC_TRY(run("ALTER TABLE users ADD COLUMN pwd_hash_hex CHAR(64) NULL AFTER pwd_hash", {},
                       during));
        }
        SC_TRY(
            run("UPDATE users SET pwd_hash_hex = LOWER(HEX(pwd_hash))"
                " WHERE pwd_hash IS NOT NULL",
                {}, during));
        // One statement, so no state exists with neither column.
        SC_TRY(
            run("ALTER TABLE users DROP COLUMN pwd_hash,"
                " CHANGE COLUMN pwd_hash_hex pwd_hash CHAR(64) NULL",
                {}, during));
    }

    // Everything else in one ALTER (atomic DDL in MariaDB >= 10.6, and one table rebuild instead
    // of eight), listing only what is missing. Rows from before this version: role user,
    // enabled, created now (the seeds kept no time), and a legacy SHA-256 hash that is replaced
    // by Argon2id at the next successful login.
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
    SC_TRY_ASSIGN(auto unique, single_column_unique_keys());
    if (!unique.contains("username")) {
        changes.emplace_back("ADD UNIQUE KEY users_username_unique (username)");
    }
    if (!unique.contains("email")) {
        changes.emplace_back("ADD UNIQUE KEY users_email_unique (email)");
    }
    if (!changes.empty()) {
        std::string sql = "ALTER TABLE users ";
        for (std::size_t i = 0; i < changes.size(); ++i) {
            sql += (i == 0 ? "" : ", ") + changes[i];
        }
        auto altered = run(sql, {}, during);
        if (!altered) {
            if (altered.error().code == StoreErrorCode::duplicate_email) {
                return fail(store_error(StoreErrorCode::corrupt,
                                        std::string(during) +
                                            ": some existing accounts share an email address;"
                                            " give them distinct emails, then open again"));
            }
            if (altered.error().code == StoreErrorCode::duplicate_username) {
                return fail(store_error(StoreErrorCode::corrupt,
                                        std::string(during) +
                                            ": some existing accounts share a username;"
                                            " rename them, then open again"));
            }
            return fail(std::move(altered).error());
        }
    }
    return record_version(SchemaVersion::accounts);
}

// Version 3: no DDL. Each row is rewritten on its own (a cut-short run leaves some rows legacy,
// which still log in, and the next open finishes them); the version row is written last.
StoreResult<bool> MariaDbStore::migrate_to_wrapped_legacy_hashes() {
    const std::string_view during = "migration 3 (wrapping legacy password hashes)";
    SC_TRY_ASSIGN(QueryResult legacy, run("SELECT id, salt, pwd_hash FROM users WHERE hash_alg = ?",
                                          {kLegacyHashAlgorithm}, during));
    for (const Row& row : legacy.rows) {
        auto id = parse_unsigned(row[0]);
        PasswordRecord record;
        record.algorithm = std::string(kLegacyHashAlgorithm);
        std::string salt = row[1].value_or(std::string());
        record.salt.assign(salt.begin(), salt.end());
        record.hash = from_hex(row[2].value_or(std::string())).value_or(Bytes{});
        // A malformed row (no salt, not 32 bytes of hex) can never log in; it is left as it is.
        auto wrapped = wrap_legacy_record(record, wrap_cost_);
        if (!id || !wrapped) {
            continue;
        }
        const std::string hash_hex = to_hex(wrapped->hash);
        SC_TRY(
            run("UPDATE users SET pwd_hash = ?, hash_alg = ?, opslimit = ?, memlimit = ?"
                " WHERE id = ? AND hash_alg = ?",
                {std::string_view(hash_hex), std::string_view(wrapped->algorithm),
                 wrapped->opslimit, wrapped->memlimit, *id, kLegacyHashAlgorithm},
                during));
    }
    return record_version(SchemaVersion::wrapped_legacy_hashes);
}

StoreResult<bool> MariaDbStore::migrate_locked() {
    SC_TRY_ASSIGN(int found, current_version());
    if (found > schema_number(SchemaVersion::latest)) {
        return fail(newer_schema_error(found));
    }
    if (found < schema_number(SchemaVersion::seed_users)) {
        SC_TRY(migrate_to_seed_users());
    }
    if (found < schema_number(SchemaVersion::accounts)) {
        SC_TRY(migrate_to_accounts());
    }
    if (found < schema_number(SchemaVersion::wrapped_legacy_hashes)) {
        SC_TRY(migrate_to_wrapped_legacy_hashes());
    }
    return true;
}

StoreResult<bool> MariaDbStore::migrate() {
    SC_TRY(
        run("CREATE TABLE IF NOT EXISTS schema_version ("
            " version INT NOT NULL PRIMARY KEY,"
            " description VARCHAR(255) NOT NULL,"
            " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            {}, "creating the schema_version table"));
    // Two servers starting at once must not both migrate: a named lock, per database.
    SC_TRY_ASSIGN(QueryResult locked,
                  run("SELECT GET_LOCK(CONCAT('securechat.migrate.', DATABASE()), ?)",
                      {std::int64_t{kMigrationLockSeconds}}, "waiting for the migration lock"));
    if (locked.rows.empty() || locked.rows[0][0] != "1") {
        return fail(store_error(StoreErrorCode::unavailable,
                                "another process has been migrating database '" + config_.database +
                                    "' for " + std::to_string(kMigrationLockSeconds) +
                                    " s; try again"));
    }
    auto migrated = migrate_locked();
    if (conn_) {
        (void)run("SELECT RELEASE_LOCK(CONCAT('securechat.migrate.', DATABASE()))", {},
                  "releasing the migration lock");
    }
    return migrated;
}

}  // namespace sc::store::mariadb
