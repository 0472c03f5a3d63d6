// SQLite behind store/sql/database.h.
#include "store/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <string_view>
#include <variant>
#include <vector>

#include "common/free_with.h"
#include "store/store_internal.h"

namespace sc::store::sqlite {
namespace {

using sql::Error;
using sql::make_error;
using sql::SqlResult;
using sql::Step;

// Writers from other processes (a second server, the admin CLI) wait this long for the lock
// before the call fails with `unavailable`: "a few seconds", like the MariaDB timeouts.
constexpr int kBusyTimeoutMs = 3000;

using DbPtr = std::unique_ptr<sqlite3, FreeWith<sqlite3_close_v2>>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FreeWith<sqlite3_finalize>>;

class SqliteConnection;

class SqliteStatement final : public sql::Statement {
  public:
    SqliteStatement(SqliteConnection& connection, StmtPtr stmt, std::string_view during)
        : connection_(connection), stmt_(std::move(stmt)), during_(during) {}

    // SQLITE_TRANSIENT: SQLite copies the value, so temporaries may be bound.
    void bind_int64(int index, std::int64_t value) override {
        remember(sqlite3_bind_int64(stmt_.get(), index, value));
    }
    void bind_text(int index, std::string_view value) override {
        remember(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    void bind_blob(int index, ByteView value) override {
        remember(
            sqlite3_bind_blob64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT));
    }
    void bind_null(int index) override { remember(sqlite3_bind_null(stmt_.get(), index)); }
    // SQLite has no date type: Unix milliseconds in an INTEGER column.
    void bind_time(int index, TimePoint value) override {
        bind_int64(index, detail::to_unix_ms(value));
    }

    SqlResult<Step> step() override;
    std::uint64_t affected_rows() const override { return affected_; }
    std::int64_t last_insert_id() const override { return insert_id_; }
    void reset() override {
        sqlite3_reset(stmt_.get());
        bind_error_ = SQLITE_OK;
    }

    bool is_null(int column) const override {
        return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
    }
    std::optional<std::int64_t> get_int64(int column) const override {
        if (is_null(column)) {
            return std::nullopt;
        }
        return sqlite3_column_int64(stmt_.get(), column);
    }
    std::optional<std::string> get_text(int column) const override {
        const auto* text = sqlite3_column_text(stmt_.get(), column);
        if (text == nullptr) {
            return std::nullopt;
        }
        return std::string(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
    }
    std::optional<Bytes> get_blob(int column) const override {
        if (is_null(column)) {
            return std::nullopt;
        }
        const auto* data =
            static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
        return Bytes(data, data + sqlite3_column_bytes(stmt_.get(), column));
    }
    std::optional<TimePoint> get_time(int column) const override {
        if (sqlite3_column_type(stmt_.get(), column) != SQLITE_INTEGER) {
            return std::nullopt;
        }
        return detail::from_unix_ms(sqlite3_column_int64(stmt_.get(), column));
    }

  private:
    // A failed bind (an index out of range: a bug in our SQL) is reported by the next step().
    void remember(int rc) {
        if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) {
            bind_error_ = rc;
        }
    }

    SqliteConnection& connection_;
    StmtPtr stmt_;
    std::string during_;
    int bind_error_ = SQLITE_OK;
    std::uint64_t affected_ = 0;
    std::int64_t insert_id_ = 0;
};

class SqliteConnection final : public sql::Connection {
  public:
    SqliteConnection(DbPtr db, std::filesystem::path path)
        : db_(std::move(db)), path_(std::move(path)) {}

    SqlResult<std::unique_ptr<sql::Statement>> prepare(std::string_view sql,
                                                       std::string_view during) override {
        sqlite3_stmt* raw = nullptr;
        int rc =
            sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
        StmtPtr stmt(raw);
        if (rc != SQLITE_OK) {
            return fail(error_for(rc, during));
        }
        return std::unique_ptr<sql::Statement>(
            std::make_unique<SqliteStatement>(*this, std::move(stmt), during));
    }
    std::string describe() const override { return "sqlite:" + path_.string(); }

    sqlite3* handle() const { return db_.get(); }
    Error error_for(int rc, std::string_view during) const;

  protected:
    // IMMEDIATE: take the write lock at once, so that what the transaction reads (a schema
    // version) is still true when it writes.
    SqlResult<bool> begin(std::string_view during) override {
        SC_TRY(execute("BEGIN IMMEDIATE", during));
        return true;
    }
    SqlResult<bool> commit(std::string_view during) override {
        SC_TRY(execute("COMMIT", during));
        return true;
    }
    void rollback() noexcept override {
        if (sqlite3_get_autocommit(db_.get()) == 0) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

  private:
    DbPtr db_;
    std::filesystem::path path_;
};

SqlResult<Step> SqliteStatement::step() {
    if (bind_error_ != SQLITE_OK) {
        return fail(connection_.error_for(bind_error_, during_));
    }
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) {
        return Step::row;
    }
    if (rc != SQLITE_DONE) {
        return fail(connection_.error_for(rc, during_));
    }
    affected_ = static_cast<std::uint64_t>(sqlite3_changes64(connection_.handle()));
    insert_id_ = sqlite3_last_insert_rowid(connection_.handle());
    return Step::done;
}

// The one mapping of SQLite's result codes.
Error SqliteConnection::error_for(int rc, std::string_view during) const {
    const std::string_view message = sqlite3_errmsg(db_.get());
    std::string what = std::string(during) + ": " + std::string(message);
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT: {
            Error error = make_error(StoreErrorCode::internal, what);
            // The message names the columns ("UNIQUE constraint failed: users.email"), never
            // the value.
            constexpr std::string_view prefix = "UNIQUE constraint failed: ";
            if (sqlite3_extended_errcode(db_.get()) == SQLITE_CONSTRAINT_UNIQUE &&
                message.starts_with(prefix)) {
                error.unique_key = std::string(message.substr(prefix.size()));
            }
            return error;
        }
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return make_error(StoreErrorCode::unavailable,
                              "the SQLite database " + path_.string() +
                                  " is locked by another connection; try again (" + what + ")");
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
            return make_error(StoreErrorCode::unavailable, "the SQLite database " + path_.string() +
                                                               " cannot be written (" + what + ")");
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return make_error(StoreErrorCode::corrupt,
                              path_.string() + " is not an intact SQLite database (" + what + ")");
        default:
            return make_error(StoreErrorCode::internal, what);
    }
}

SqlResult<bool> configure(SqliteConnection& connection, const std::filesystem::path& path) {
    sqlite3_extended_result_codes(connection.handle(), 1);
    sqlite3_busy_timeout(connection.handle(), kBusyTimeoutMs);
    {
        // journal_mode answers with the mode now in force; anything but "wal" means the file
        // could not switch (e.g. a read-only directory), which we report rather than ignore.
        SC_TRY_ASSIGN(auto pragma, connection.prepare("PRAGMA journal_mode=WAL", "enabling WAL"));
        SC_TRY_ASSIGN(Step step, pragma->step());
        if (step != Step::row || pragma->get_text(0) != "wal") {
            return fail(make_error(StoreErrorCode::internal,
                                   "SQLite refused WAL mode for " + path.string()));
        }
    }
    // FULL, not the WAL default NORMAL: a registration answered with auth_ok must survive a power
    // loss. This build's default happens to be FULL already; we do not rely on that (review I4).
    SC_TRY(connection.execute("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
    SC_TRY(connection.execute("PRAGMA foreign_keys=ON", "enabling foreign keys"));
    // Stored envelopes are deleted once received (issue 12): overwrite what is deleted, so the
    // file does not keep them (the WAL goes when the last connection closes).
    SC_TRY(connection.execute("PRAGMA secure_delete=ON", "enabling secure_delete"));
    return true;
}

}  // namespace

SqlResult<std::unique_ptr<sql::Connection>> open_database(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    // NOMUTEX: the connection's user serialises every use of it.
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
        std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return fail(make_error(StoreErrorCode::unavailable,
                               "cannot open the SQLite database " + path.string() + ": " + reason));
    }
    auto connection = std::make_unique<SqliteConnection>(std::move(db), path);
    SC_TRY(configure(*connection, path));
    return std::unique_ptr<sql::Connection>(std::move(connection));
}

}  // namespace sc::store::sqlite
