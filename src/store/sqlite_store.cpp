// The embedded backend: one SQLite file in WAL mode, one connection guarded by a mutex.
#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/free_with.h"
#include "store/account_store.h"
#include "store/accounts.h"
#include "store/migrations.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

// Writers from other processes (a second server, the admin CLI) wait this long for the lock
// before the call fails with `unavailable`: "a few seconds", like the MariaDB timeouts.
constexpr int kBusyTimeoutMs = 3000;

using DbPtr = std::unique_ptr<sqlite3, FreeWith<sqlite3_close_v2>>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FreeWith<sqlite3_finalize>>;

using Value = std::variant<std::nullptr_t, std::int64_t, std::string_view, ByteView>;

// The schema, one list of statements per version (DDL is transactional in SQLite, so each
// version is applied whole or not at all).
constexpr std::string_view kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";  // Unix milliseconds

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

class SqliteStore final : public AccountStore {
  public:
    SqliteStore(DbPtr db, std::filesystem::path path, HashCost wrap_cost)
        : db_(std::move(db)), path_(std::move(path)), wrap_cost_(wrap_cost) {}

    StoreResult<bool> configure_and_migrate();

    StoreResult<Account> create_account(const std::string& email, const std::string& username,
                                        const PasswordRecord& password, Role role) override;
    StoreResult<std::optional<Credentials>> find_by_username(const std::string& username) override;
    StoreResult<bool> update_password(std::int64_t account_id,
                                      const PasswordRecord& password) override;
    StoreResult<bool> record_login(std::int64_t account_id, TimePoint when) override;
    StoreResult<bool> set_disabled(std::int64_t account_id, bool disabled) override;
    StoreResult<int> schema_version() override;
    std::string backend() const override { return "sqlite:" + path_.string(); }

  private:
    StoreError error_for(int rc, std::string_view during) const;
    StoreResult<StmtPtr> prepare(std::string_view sql, const std::vector<Value>& values,
                                 std::string_view during);
    // Runs a statement that returns no rows; yields the number of rows it changed.
    StoreResult<int> execute(std::string_view sql, const std::vector<Value>& values,
                             std::string_view during);
    StoreResult<int> current_version();
    StoreResult<bool> apply(SchemaVersion version, std::span<const std::string_view> statements);
    // Migration 3's data step, inside apply's transaction.
    StoreResult<bool> wrap_legacy_hashes(std::string_view during);

    std::mutex mutex_;
    DbPtr db_;
    std::filesystem::path path_;
    HashCost wrap_cost_;
};

StoreError SqliteStore::error_for(int rc, std::string_view during) const {
    std::string what = std::string(during) + ": " + sqlite3_errmsg(db_.get());
    int extended = sqlite3_extended_errcode(db_.get());
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT:
            if (extended == SQLITE_CONSTRAINT_UNIQUE) {
                // The message names the column ("UNIQUE constraint failed: users.email"), never
                // the value.
                std::string_view message = sqlite3_errmsg(db_.get());
                if (message.find("users.username") != std::string_view::npos) {
                    return store_error(StoreErrorCode::duplicate_username,
                                       "username is already taken");
                }
                if (message.find("users.email") != std::string_view::npos) {
                    return store_error(StoreErrorCode::duplicate_email,
                                       "an account with this email already exists");
                }
            }
            return store_error(StoreErrorCode::internal, what);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return store_error(StoreErrorCode::unavailable,
                               "the SQLite database " + path_.string() +
                                   " is locked by another connection; try again (" + what + ")");
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
            return store_error(
                StoreErrorCode::unavailable,
                "the SQLite database " + path_.string() + " cannot be written (" + what + ")");
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return store_error(StoreErrorCode::corrupt,
                               path_.string() + " is not an intact SQLite database (" + what + ")");
        default:
            return store_error(StoreErrorCode::internal, what);
    }
}

StoreResult<StmtPtr> SqliteStore::prepare(std::string_view sql, const std::vector<Value>& values,
                                          std::string_view during) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) {
        return fail(error_for(rc, during));
    }
    int index = 1;
    for (const Value& value : values) {
        // Destructor argument nullptr (SQLITE_STATIC without its C cast): the values outlive the
        // statement, which is finished before this call returns.
        if (const auto* number = std::get_if<std::int64_t>(&value)) {
            rc = sqlite3_bind_int64(stmt.get(), index, *number);
        } else if (const auto* text = std::get_if<std::string_view>(&value)) {
            rc = sqlite3_bind_text64(stmt.get(), index, text->data(), text->size(), nullptr,
                                     SQLITE_UTF8);
        } else if (const auto* blob = std::get_if<ByteView>(&value)) {
            rc = sqlite3_bind_blob64(stmt.get(), index, blob->data(), blob->size(), nullptr);
        } else {
            rc = sqlite3_bind_null(stmt.get(), index);
        }
        if (rc != SQLITE_OK) {
            return fail(error_for(rc, during));
        }
        ++index;
    }
    return stmt;
}

StoreResult<int> SqliteStore::execute(std::string_view sql, const std::vector<Value>& values,
                                      std::string_view during) {
    SC_TRY_ASSIGN(StmtPtr stmt, prepare(sql, values, during));
    int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return fail(error_for(rc, during));
    }
    return sqlite3_changes(db_.get());
}

StoreResult<int> SqliteStore::current_version() {
    SC_TRY_ASSIGN(StmtPtr stmt, prepare("SELECT MAX(version) FROM schema_version", {},
                                        "reading the schema version"));
    int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) {
        return fail(error_for(rc, "reading the schema version"));
    }
    if (sqlite3_column_type(stmt.get(), 0) == SQLITE_NULL) {
        return schema_number(SchemaVersion::none);
    }
    return sqlite3_column_int(stmt.get(), 0);
}

StoreResult<bool> SqliteStore::apply(SchemaVersion version,
                                     std::span<const std::string_view> statements) {
    const std::string during =
        "migrating to schema version " + std::to_string(schema_number(version));
    // IMMEDIATE: take the write lock before reading the version, so two processes opening the
    // same new file do not both run the migration.
    SC_TRY(execute("BEGIN IMMEDIATE", {}, during));
    auto body = [&]() -> StoreResult<bool> {
        SC_TRY_ASSIGN(int current, current_version());
        if (current >= schema_number(version)) {
            return false;  // another process got there first
        }
        for (std::string_view sql : statements) {
            SC_TRY(execute(sql, {}, during));
        }
        if (version == SchemaVersion::accounts) {
            // Rows from before this version get the migration time as their creation time.
            auto now = detail::to_unix_ms(std::chrono::system_clock::now());
            SC_TRY(execute("UPDATE users SET created_at = ? WHERE created_at = 0", {now}, during));
        }
        if (version == SchemaVersion::wrapped_legacy_hashes) {
            SC_TRY(wrap_legacy_hashes(during));
        }
        SC_TRY(
            execute("INSERT INTO schema_version (version, description, applied_at)"
                    " VALUES (?, ?, ?)",
                    {std::int64_t{schema_number(version)}, migration_description(version),
                     detail::to_unix_ms(std::chrono::system_clock::now())},
                    during));
        return true;
    };
    auto applied = body();
    if (!applied) {
        (void)execute("ROLLBACK", {}, during);
        return applied;
    }
    SC_TRY(execute("COMMIT", {}, during));
    return applied;
}

StoreResult<bool> SqliteStore::wrap_legacy_hashes(std::string_view during) {
    struct Row {
        std::int64_t id = 0;
        PasswordRecord record;
    };
    std::vector<Row> rows;
    {
        SC_TRY_ASSIGN(StmtPtr stmt,
                      prepare("SELECT id, salt, pwd_hash FROM users WHERE hash_alg = ?",
                              {kLegacyHashAlgorithm}, during));
        int rc = SQLITE_ROW;
        while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            Row row;
            row.id = sqlite3_column_int64(stmt.get(), 0);
            const auto* salt = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt.get(), 1));
            row.record.salt.assign(salt, salt + sqlite3_column_bytes(stmt.get(), 1));
            const auto* hex = sqlite3_column_text(stmt.get(), 2);
            auto hash = from_hex(hex != nullptr ? reinterpret_cast<const char*>(hex) : "");
            row.record.hash = hash.value_or(Bytes{});
            row.record.algorithm = std::string(kLegacyHashAlgorithm);
            rows.push_back(std::move(row));
        }
        if (rc != SQLITE_DONE) {
            return fail(error_for(rc, during));
        }
    }
    for (const Row& row : rows) {
        // A malformed row (no salt, not 32 bytes of hex) can never log in; it is left as it is.
        auto wrapped = wrap_legacy_record(row.record, wrap_cost_);
        if (!wrapped) {
            continue;
        }
        const std::string hash_hex = to_hex(wrapped->hash);
        SC_TRY(
            execute("UPDATE users SET pwd_hash = ?, hash_alg = ?, opslimit = ?, memlimit = ?"
                    " WHERE id = ? AND hash_alg = ?",
                    {std::string_view(hash_hex), std::string_view(wrapped->algorithm),
                     static_cast<std::int64_t>(wrapped->opslimit),
                     static_cast<std::int64_t>(wrapped->memlimit), row.id, kLegacyHashAlgorithm},
                    during));
    }
    return true;
}

StoreResult<bool> SqliteStore::configure_and_migrate() {
    std::lock_guard lock(mutex_);
    sqlite3_extended_result_codes(db_.get(), 1);
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    {
        // journal_mode answers with the mode now in force; anything but "wal" means the file
        // could not switch (e.g. a read-only directory), which we report rather than ignore.
        SC_TRY_ASSIGN(StmtPtr stmt, prepare("PRAGMA journal_mode=WAL", {}, "enabling WAL"));
        int rc = sqlite3_step(stmt.get());
        if (rc != SQLITE_ROW) {
            return fail(error_for(rc, "enabling WAL"));
        }
        const auto* mode = sqlite3_column_text(stmt.get(), 0);
        if (mode == nullptr || std::string_view(reinterpret_cast<const char*>(mode)) != "wal") {
            return fail(store_error(StoreErrorCode::internal,
                                    "SQLite refused WAL mode for " + path_.string()));
        }
    }
    // FULL, not the WAL default NORMAL: a registration answered with auth_ok must survive a power
    // loss. This build's default happens to be FULL already; we do not rely on that (review I4).
    SC_TRY(execute("PRAGMA synchronous=FULL", {}, "setting synchronous=FULL"));
    SC_TRY(execute("PRAGMA foreign_keys=ON", {}, "enabling foreign keys"));
    SC_TRY(execute(kCreateSchemaVersion, {}, "creating the schema_version table"));

    SC_TRY_ASSIGN(int found, current_version());
    if (found > schema_number(SchemaVersion::latest)) {
        return fail(newer_schema_error(found));
    }
    SC_TRY(apply(SchemaVersion::seed_users, kSeedUsers));
    SC_TRY(apply(SchemaVersion::accounts, kAccounts));
    SC_TRY(apply(SchemaVersion::wrapped_legacy_hashes, {}));
    return true;
}

// The columns find_by_username reads, in this order.
constexpr std::string_view kSelectCredentials =
    "SELECT id, email, username, role, disabled, created_at, last_login_at,"
    " salt, pwd_hash, hash_alg, opslimit, memlimit FROM users WHERE username = ?";

std::string column_text(sqlite3_stmt* stmt, int column) {
    const auto* text = sqlite3_column_text(stmt, column);
    if (text == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

StoreResult<Account> SqliteStore::create_account(const std::string& email,
                                                 const std::string& username,
                                                 const PasswordRecord& password, Role role) {
    Account account;
    account.email = email;
    account.username = username;
    account.role = role;
    account.created_at = detail::truncate_to_ms(std::chrono::system_clock::now());
    const std::string hash_hex = to_hex(password.hash);
    std::lock_guard lock(mutex_);
    SC_TRY(execute(
        "INSERT INTO users (email, username, salt, pwd_hash, role, disabled,"
        " created_at, hash_alg, opslimit, memlimit)"
        " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        {std::string_view(email), std::string_view(username), ByteView(password.salt),
         std::string_view(hash_hex), role_name(role), detail::to_unix_ms(account.created_at),
         std::string_view(password.algorithm), static_cast<std::int64_t>(password.opslimit),
         static_cast<std::int64_t>(password.memlimit)},
        "creating an account"));
    account.id = sqlite3_last_insert_rowid(db_.get());
    return account;
}

StoreResult<std::optional<Credentials>> SqliteStore::find_by_username(const std::string& username) {
    std::lock_guard lock(mutex_);
    const std::string_view during = "looking up an account";
    SC_TRY_ASSIGN(StmtPtr stmt, prepare(kSelectCredentials, {std::string_view(username)}, during));
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) {
        return std::optional<Credentials>{};
    }
    if (rc != SQLITE_ROW) {
        return fail(error_for(rc, during));
    }
    sqlite3_stmt* row = stmt.get();
    Credentials found;
    found.account.id = sqlite3_column_int64(row, 0);
    found.account.email = column_text(row, 1);
    found.account.username = column_text(row, 2);
    auto role = detail::parse_role(column_text(row, 3));
    if (!role) {
        return fail(
            store_error(StoreErrorCode::corrupt,
                        "account " + std::to_string(found.account.id) + " has an unknown role"));
    }
    found.account.role = *role;
    found.account.disabled = sqlite3_column_int64(row, 4) != 0;
    found.account.created_at = detail::from_unix_ms(sqlite3_column_int64(row, 5));
    if (sqlite3_column_type(row, 6) != SQLITE_NULL) {
        found.account.last_login = detail::from_unix_ms(sqlite3_column_int64(row, 6));
    }
    const auto* salt = static_cast<const std::uint8_t*>(sqlite3_column_blob(row, 7));
    found.password.salt.assign(salt, salt + sqlite3_column_bytes(row, 7));
    auto hash = from_hex(column_text(row, 8));
    if (!hash) {
        return fail(
            store_error(StoreErrorCode::corrupt, "account " + std::to_string(found.account.id) +
                                                     " has a password hash that is not hex"));
    }
    found.password.hash = std::move(*hash);
    found.password.algorithm = column_text(row, 9);
    std::int64_t opslimit = sqlite3_column_int64(row, 10);
    std::int64_t memlimit = sqlite3_column_int64(row, 11);
    if (opslimit < 0 || memlimit < 0) {
        return fail(store_error(
            StoreErrorCode::corrupt,
            "account " + std::to_string(found.account.id) + " has negative hash parameters"));
    }
    found.password.opslimit = static_cast<std::uint64_t>(opslimit);
    found.password.memlimit = static_cast<std::uint64_t>(memlimit);
    return std::optional<Credentials>{std::move(found)};
}

StoreResult<bool> SqliteStore::update_password(std::int64_t account_id,
                                               const PasswordRecord& password) {
    const std::string hash_hex = to_hex(password.hash);
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(
        int changed,
        execute("UPDATE users SET salt = ?, pwd_hash = ?, hash_alg = ?, opslimit = ?,"
                " memlimit = ? WHERE id = ?",
                {ByteView(password.salt), std::string_view(hash_hex),
                 std::string_view(password.algorithm), static_cast<std::int64_t>(password.opslimit),
                 static_cast<std::int64_t>(password.memlimit), account_id},
                "updating a password"));
    return changed > 0;
}

StoreResult<bool> SqliteStore::record_login(std::int64_t account_id, TimePoint when) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(int changed,
                  execute("UPDATE users SET last_login_at = ? WHERE id = ?",
                          {detail::to_unix_ms(when), account_id}, "recording a login"));
    return changed > 0;
}

StoreResult<bool> SqliteStore::set_disabled(std::int64_t account_id, bool disabled) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(int changed,
                  execute("UPDATE users SET disabled = ? WHERE id = ?",
                          {std::int64_t{disabled ? 1 : 0}, account_id}, "disabling an account"));
    return changed > 0;
}

StoreResult<int> SqliteStore::schema_version() {
    std::lock_guard lock(mutex_);
    return current_version();
}

}  // namespace

StoreResult<std::unique_ptr<AccountStore>> open_sqlite(const std::filesystem::path& path,
                                                       HashCost wrap_cost) {
    sqlite3* raw = nullptr;
    // NOMUTEX: the store's own mutex serialises every use of the connection.
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
        std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return fail(store_error(StoreErrorCode::unavailable, "cannot open the SQLite database " +
                                                                 path.string() + ": " + reason));
    }
    auto store = std::make_unique<SqliteStore>(std::move(db), path, wrap_cost);
    SC_TRY(store->configure_and_migrate());
    return std::unique_ptr<AccountStore>(std::move(store));
}

}  // namespace sc::store
