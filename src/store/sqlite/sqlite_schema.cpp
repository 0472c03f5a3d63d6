// The SQLite dialect of the schema (store/migrations.h) and open_sqlite.
#include <chrono>
#include <span>
#include <string_view>

#include "store/account_store_sql.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"

namespace sc::store {
namespace {

// Version 1 mirrors the seeds' MySQL table. NOCASE: "Alice" and "alice" are one account, as
// under MariaDB's default case-insensitive collation.
constexpr std::string_view kSeedUsers[] = {
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " email TEXT COLLATE NOCASE,"
    " username TEXT COLLATE NOCASE UNIQUE,"
    " salt BLOB,"
    " pwd_hash TEXT)",
};

// Version 2. Times are Unix milliseconds (SQLite has no date type).
constexpr std::string_view kAccounts[] = {
    "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'"
    " CHECK (role IN ('user', 'admin'))",
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))",
    "ALTER TABLE users ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN last_login_at INTEGER",
    "ALTER TABLE users ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'legacy-sha256'",
    "ALTER TABLE users ADD COLUMN opslimit INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN memlimit INTEGER NOT NULL DEFAULT 0",
    "CREATE UNIQUE INDEX users_email_unique ON users (email)",
};

// Version 4. A device is unique per (account, certificate): with identity binding off, one shared
// certificate is a device of every account that uses it. A friendship is one row per pair, the
// smaller id first, so "a is b's friend" and "b is a's friend" cannot disagree and the primary
// key lets exactly one of two concurrent mutual requests make it. A request is kept by name
// (NOCASE, like users.username), so that it says nothing about whether the name is an account.
constexpr std::string_view kSocial[] = {
    "CREATE TABLE devices ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " account_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),"
    " name TEXT NOT NULL,"
    " cert_der BLOB NOT NULL,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " UNIQUE (account_id, fingerprint))",
    "CREATE TABLE friendships ("
    " user_low INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " user_high INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " since INTEGER NOT NULL,"
    " PRIMARY KEY (user_low, user_high),"
    " CHECK (user_low < user_high))",
    "CREATE INDEX friendships_high ON friendships (user_high)",
    "CREATE TABLE friend_requests ("
    " from_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " to_username TEXT NOT NULL COLLATE NOCASE,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (from_id, to_username))",
    "CREATE INDEX friend_requests_to ON friend_requests (to_username)",
};

// Version 5 (issue 11). A device's signed prekey is one row (a new one replaces it); its one-time
// prekeys are unique per (device, key id), so one handed out (deleted) is never handed out again.
// Both go with their device. Key ids and times are the device's u64 values, stored as integers.
constexpr std::string_view kPrekeys[] = {
    "CREATE TABLE signed_prekeys ("
    " device_id INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,"
    " key_id INTEGER NOT NULL,"
    " prekey BLOB NOT NULL CHECK (length(prekey) = 32),"
    " made_at_ms INTEGER NOT NULL,"
    " sig BLOB NOT NULL)",
    "CREATE TABLE one_time_prekeys ("
    " device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
    " key_id INTEGER NOT NULL,"
    " prekey BLOB NOT NULL CHECK (length(prekey) = 32),"
    " made_at_ms INTEGER NOT NULL,"
    " sig BLOB NOT NULL,"
    " PRIMARY KEY (device_id, key_id))",
};

// Version 6 (issue 12). An envelope kept for a device until it says `received`. AUTOINCREMENT,
// so an id is never reused even after the newest row is deleted: `held` only grows, and a
// device's order is the order of the ids. One row per (device, sending device, mid): a retried
// send is stored once. Deleted with its device (and so with its account).
constexpr std::string_view kHeldEnvelopes[] = {
    "CREATE TABLE held_envelopes ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
    " from_user TEXT NOT NULL,"
    " from_fingerprint TEXT NOT NULL CHECK (length(from_fingerprint) = 64),"
    " mid BLOB NOT NULL CHECK (length(mid) = 16),"
    " body BLOB NOT NULL,"
    " body_bytes INTEGER NOT NULL,"
    " stored_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " UNIQUE (device_id, from_fingerprint, mid))",
    "CREATE INDEX held_envelopes_device ON held_envelopes (device_id, id, body_bytes)",
    "CREATE INDEX held_envelopes_expires ON held_envelopes (expires_ms)",
};

class SqliteSchema final : public SchemaDialect {
  public:
    // DDL is transactional in SQLite: each version is applied whole or not at all.
    bool transactional_ddl() const override { return true; }
    std::string_view create_schema_version_table() const override {
        return "CREATE TABLE IF NOT EXISTS schema_version ("
               " version INTEGER PRIMARY KEY,"
               " description TEXT NOT NULL,"
               " applied_at INTEGER NOT NULL)";  // Unix milliseconds
    }
    StoreResult<bool> lock_migrations(sql::Connection&) const override { return true; }
    void unlock_migrations(sql::Connection&) const override {}

    StoreResult<bool> apply_schema(SchemaVersion version, sql::Connection& db) const override {
        const std::string during =
            "migrating to schema version " + std::to_string(schema_number(version));
        if (version == SchemaVersion::seed_users) {
            return run_all(db, kSeedUsers, during);
        }
        if (version == SchemaVersion::social) {
            return run_all(db, kSocial, during);
        }
        if (version == SchemaVersion::prekeys) {
            return run_all(db, kPrekeys, during);
        }
        if (version == SchemaVersion::held_envelopes) {
            return run_all(db, kHeldEnvelopes, during);
        }
        SC_TRY(run_all(db, kAccounts, during));
        // Rows from before this version get the migration time as their creation time.
        SC_TRY_ASSIGN(auto backfill,
                      db.prepare("UPDATE users SET created_at = ? WHERE created_at = 0", during));
        backfill->bind_time(1, std::chrono::system_clock::now());
        SC_TRY(backfill->step());
        return true;
    }

  private:
    static StoreResult<bool> run_all(sql::Connection& db,
                                     std::span<const std::string_view> statements,
                                     std::string_view during) {
        for (std::string_view statement : statements) {
            SC_TRY(db.execute(statement, during));
        }
        return true;
    }
};

}  // namespace

StoreResult<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& path,
                                                HashCost wrap_cost) {
    SC_TRY_ASSIGN(auto db, sqlite::open_database(path));
    SC_TRY(migrate(*db, SqliteSchema{}, wrap_cost));
    return make_sql_store(std::move(db));
}

}  // namespace sc::store
