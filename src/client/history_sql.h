// The SQLite plumbing of the client's history (history_store.cpp, history_pending.cpp): one
// prepared statement at a time, and the connection. Internal to src/client.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "client/history_store.h"
#include "common/bytes.h"
#include "common/result.h"

namespace sc::client {

struct HistoryStore::Db {
    sqlite3* db = nullptr;
    ~Db() { sqlite3_close(db); }
};

namespace history_sql {

// One prepared statement; finalized on destruction.
class Stmt {
  public:
    Stmt(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            error_ = sqlite3_errmsg(db);
        }
    }
    ~Stmt() { sqlite3_finalize(stmt_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, ByteView v) {
        sqlite3_bind_blob(stmt_, i, v.empty() ? "" : static_cast<const void*>(v.data()),
                          static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_int(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Stmt& bind_u64(int i, std::uint64_t v) { return bind_int(i, static_cast<std::int64_t>(v)); }
    // True: a row; false: done. Errors in `error()`.
    bool step() {
        if (!error_.empty()) {
            return false;
        }
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc != SQLITE_DONE) {
            error_ = sqlite3_errmsg(db_);
        }
        return false;
    }
    Status done(const char* what) {
        step();
        return error_.empty() ? Status{}
                              : fail(std::string("history: cannot ") + what + ": " + error_);
    }
    const std::string& error() const { return error_; }
    std::string text(int i) const {
        const auto* p = sqlite3_column_text(stmt_, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
                 : std::string();
    }
    Bytes blob(int i) const {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i));
        return p ? Bytes(p, p + n) : Bytes();
    }
    std::int64_t i64(int i) const { return sqlite3_column_int64(stmt_, i); }
    std::uint64_t u64(int i) const { return static_cast<std::uint64_t>(i64(i)); }

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string error_;
};

inline Status exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        return fail("history: " + why);
    }
    return {};
}

}  // namespace history_sql

// In the caller's transaction (HistoryStore::record); the oldest goes when kMaxPendingDelivered
// are waiting.
Status insert_pending(sqlite3* db, const PendingDelivered& p);

}  // namespace sc::client
