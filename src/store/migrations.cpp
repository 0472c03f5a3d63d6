// The migration runner, written once for both backends.
#include "store/migrations.h"

#include <chrono>
#include <optional>
#include <vector>

#include "store/accounts.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

StoreResult<bool> record_version(sql::Connection& db, SchemaVersion version,
                                 std::string_view during) {
    SC_TRY_ASSIGN(auto insert,
                  db.prepare("INSERT INTO schema_version (version, description, applied_at)"
                             " VALUES (?, ?, ?)",
                             during));
    insert->bind_int64(1, schema_number(version));
    insert->bind_text(2, migration_description(version));
    insert->bind_time(3, std::chrono::system_clock::now());
    SC_TRY(insert->step());
    return true;
}

// Version 3: no DDL. Every well-formed legacy-sha256 row is rewritten as argon2id-over-sha256
// (review L6); without transactional DDL each row is rewritten on its own (a cut-short run
// leaves some rows legacy, which still log in, and the next open finishes them).
StoreResult<bool> wrap_legacy_hashes(sql::Connection& db, HashCost wrap_cost,
                                     std::string_view during) {
    struct Row {
        std::optional<std::int64_t> id;
        PasswordRecord record;
    };
    std::vector<Row> rows;
    {
        SC_TRY_ASSIGN(
            auto select,
            db.prepare("SELECT id, salt, pwd_hash FROM users WHERE hash_alg = ?", during));
        select->bind_text(1, kLegacyHashAlgorithm);
        for (;;) {
            SC_TRY_ASSIGN(sql::Step step, select->step());
            if (step == sql::Step::done) {
                break;
            }
            Row row;
            row.id = select->get_int64(0);
            row.record.algorithm = std::string(kLegacyHashAlgorithm);
            row.record.salt = select->get_blob(1).value_or(Bytes{});
            row.record.hash = from_hex(select->get_text(2).value_or("")).value_or(Bytes{});
            rows.push_back(std::move(row));
        }
    }
    SC_TRY_ASSIGN(auto update,
                  db.prepare("UPDATE users SET pwd_hash = ?, hash_alg = ?, opslimit = ?,"
                             " memlimit = ? WHERE id = ? AND hash_alg = ?",
                             during));
    for (const Row& row : rows) {
        // A malformed row (no salt, not 32 bytes of hex) can never log in; it is left as it is.
        auto wrapped = wrap_legacy_record(row.record, wrap_cost);
        if (!row.id || !wrapped) {
            continue;
        }
        update->reset();
        update->bind_text(1, to_hex(wrapped->hash));
        update->bind_text(2, wrapped->algorithm);
        update->bind_int64(3, static_cast<std::int64_t>(wrapped->opslimit));
        update->bind_int64(4, static_cast<std::int64_t>(wrapped->memlimit));
        update->bind_int64(5, *row.id);
        update->bind_text(6, kLegacyHashAlgorithm);
        SC_TRY(update->step());
    }
    return true;
}

// Returns false when the database already was at `version` (another process got there first).
StoreResult<bool> apply_version(sql::Connection& db, const SchemaDialect& dialect,
                                SchemaVersion version, HashCost wrap_cost) {
    const std::string during =
        "migrating to schema version " + std::to_string(schema_number(version));
    std::optional<sql::Connection::Transaction> transaction;
    if (dialect.transactional_ddl()) {
        SC_TRY_ASSIGN(auto begun, db.transaction(during));
        transaction.emplace(std::move(begun));
    }
    SC_TRY_ASSIGN(int current, read_schema_version(db));
    if (current >= schema_number(version)) {
        return false;
    }
    if (version == SchemaVersion::wrapped_legacy_hashes) {
        SC_TRY(wrap_legacy_hashes(db, wrap_cost, during));
    } else {
        SC_TRY(dialect.apply_schema(version, db));
    }
    SC_TRY(record_version(db, version, during));
    if (transaction) {
        SC_TRY(transaction->commit());
    }
    return true;
}

StoreResult<bool> migrate_locked(sql::Connection& db, const SchemaDialect& dialect,
                                 HashCost wrap_cost) {
    SC_TRY_ASSIGN(int found, read_schema_version(db));
    if (found > schema_number(SchemaVersion::latest)) {
        return fail(newer_schema_error(found));
    }
    for (SchemaVersion version :
         {SchemaVersion::seed_users, SchemaVersion::accounts, SchemaVersion::wrapped_legacy_hashes,
          SchemaVersion::social, SchemaVersion::prekeys, SchemaVersion::held_envelopes}) {
        SC_TRY(apply_version(db, dialect, version, wrap_cost));
    }
    return true;
}

}  // namespace

std::string_view migration_description(SchemaVersion version) {
    switch (version) {
        case SchemaVersion::none:
            return "empty database";
        case SchemaVersion::seed_users:
            return "users table as created by the seeds";
        case SchemaVersion::accounts:
            return "unique email, role, disabled flag, times, password hash parameters";
        case SchemaVersion::wrapped_legacy_hashes:
            return "legacy SHA-256 password hashes wrapped in Argon2id";
        case SchemaVersion::social:
            return "devices, friendships and friend requests";
        case SchemaVersion::prekeys:
            return "signed and one-time prekeys of devices";
        case SchemaVersion::held_envelopes:
            return "envelopes stored for devices until they are received";
    }
    return "unknown";
}

StoreError newer_schema_error(int found) {
    return StoreError{StoreErrorCode::corrupt,
                      "the database schema is version " + std::to_string(found) +
                          ", newer than this build of SecureChat knows (version " +
                          std::to_string(schema_number(SchemaVersion::latest)) +
                          "); upgrade SecureChat instead of opening it with an older one"};
}

StoreResult<int> read_schema_version(sql::Connection& db) {
    const std::string_view during = "reading the schema version";
    SC_TRY_ASSIGN(auto select, db.prepare("SELECT MAX(version) FROM schema_version", during));
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done || select->is_null(0)) {
        return schema_number(SchemaVersion::none);
    }
    auto version = select->get_int64(0);
    if (!version || *version < 0 || *version > 1000000) {
        return fail(store_error(StoreErrorCode::corrupt, "schema_version holds a non-number"));
    }
    return static_cast<int>(*version);
}

StoreResult<bool> migrate(sql::Connection& db, const SchemaDialect& dialect, HashCost wrap_cost) {
    SC_TRY(db.execute(dialect.create_schema_version_table(), "creating the schema_version table"));
    SC_TRY(dialect.lock_migrations(db));
    auto migrated = migrate_locked(db, dialect, wrap_cost);
    dialect.unlock_migrations(db);
    return migrated;
}

}  // namespace sc::store
