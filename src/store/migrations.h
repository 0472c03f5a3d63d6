// Schema versions shared by both backends: version N means the same tables and columns in SQLite
// and in MariaDB, so documentation and tests can speak of "schema 2" without naming a backend.
// migrate() runs the steps once for both backends, through store/sql; each backend's
// SchemaDialect supplies only the DDL of its dialect (sqlite/schema.cpp, mariadb/schema.cpp).
#pragma once

#include <string>
#include <string_view>

#include "store/account_store.h"
#include "store/sql/database.h"

namespace sc::store {

enum class SchemaVersion : int {
    none = 0,
    // The seeds' table: users(id, email, username UNIQUE, salt VARBINARY(16), pwd_hash CHAR(64)).
    seed_users = 1,
    // Adds email UNIQUE, role, disabled, created_at, last_login_at, hash_alg, opslimit, memlimit.
    accounts = 2,
    // Rewrites every legacy-sha256 row as argon2id-over-sha256 (no new columns; review L6).
    wrapped_legacy_hashes = 3,
    // Adds devices (per account and certificate fingerprint), friendships (one row per pair)
    // and friend_requests (from an account to a name); the users table is unchanged.
    social = 4,
    // Adds signed_prekeys (one per device) and one_time_prekeys (per device and key id), both
    // deleted with their device (issue 11).
    prekeys = 5,
    // Adds held_envelopes: the envelopes kept for each recipient device until it says
    // `received` (issue 12), ordered by their auto-increment id, unique per (recipient device,
    // sending device, mid), deleted with their device.
    held_envelopes = 6,
    latest = held_envelopes,
};

constexpr int schema_number(SchemaVersion version) {
    return static_cast<int>(version);
}

std::string_view migration_description(SchemaVersion version);

// The error for a database written by a newer SecureChat: we refuse it rather than guess.
StoreError newer_schema_error(int found);

// hash_alg of rows that existed before schema 2: the seeds stored SHA-256(salt || password) in
// hex. Such rows can still log in once and are re-hashed with Argon2id then.
inline constexpr std::string_view kLegacyHashAlgorithm = "legacy-sha256";

// hash_alg of those rows after schema 3: pwd_hash = Argon2id(SHA-256(salt || password)), so a
// leaked database no longer offers single SHA-256 rounds to crack (review L6). `salt` keeps the
// seeds' salt; the Argon2id salt is derived from it (password_hash.cpp). Upgraded to plain
// Argon2id at the next successful login, like legacy rows.
inline constexpr std::string_view kWrappedLegacyAlgorithm = "argon2id-over-sha256";

// What differs between the backends' schemas: the hook migrate() calls for DDL.
class SchemaDialect {
  public:
    virtual ~SchemaDialect() = default;

    // SQLite runs DDL inside a transaction, so each version is applied whole or not at all.
    // MariaDB commits DDL implicitly: each of its steps checks what is already done instead,
    // and a version cut short is finished by the next open (the version row is written last).
    virtual bool transactional_ddl() const = 0;
    virtual std::string_view create_schema_version_table() const = 0;
    // Held around the whole migration so that two processes do not both migrate (SQLite needs
    // none: each version's transaction takes the write lock before it reads the version).
    virtual StoreResult<bool> lock_migrations(sql::Connection& db) const = 0;
    virtual void unlock_migrations(sql::Connection& db) const = 0;
    // The DDL of versions 1, 2, 4, 5 and 6 (version 3 changes rows only and is written once).
    virtual StoreResult<bool> apply_schema(SchemaVersion version, sql::Connection& db) const = 0;
};

// Brings the database to SchemaVersion::latest; refuses one from a newer SecureChat.
StoreResult<bool> migrate(sql::Connection& db, const SchemaDialect& dialect, HashCost wrap_cost);
// MAX(version) of schema_version, 0 for none.
StoreResult<int> read_schema_version(sql::Connection& db);

}  // namespace sc::store
