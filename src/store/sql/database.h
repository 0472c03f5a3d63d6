// The one SQL interface the domain stores are written against (model: Botan utils/database.h):
// prepared statements only, values bound by position, typed column getters, RAII transactions,
// and every backend failure sorted once into the store's error codes. Implementations:
// store/sqlite/ (sqlite3) and store/mariadb/ (MariaDB Connector/C).
//
// Not thread-safe: a Connection and its statements are used by one thread at a time (the domain
// store holds a mutex around each call).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "store/account_store.h"

namespace sc::store::sql {

// A database failure, already sorted by the backend (the one place that reads its codes):
//   unavailable  down, unreachable, locked or busy: the caller may retry later;
//   corrupt      the file or a stored value is not what was written;
//   internal     the database refused the statement (a constraint, a bug in our SQL, a schema
//                that is not ours). For a unique key, `unique_key` names the key or column
//                (never the value), so that a domain store can say which rule failed.
// It is a StoreError, so SC_TRY passes it on from functions that return StoreResult.
struct Error : StoreError {
    std::string unique_key;
};

template <class T>
using SqlResult = Result<T, Error>;

Error make_error(StoreErrorCode code, std::string message);

enum class Step { row, done };

class Statement {
  public:
    virtual ~Statement() = default;
    Statement() = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are numbered from 1, as the `?` appear. Values are copied, so temporaries may
    // be bound. Binding after step() needs reset() first.
    virtual void bind_int64(int index, std::int64_t value) = 0;
    virtual void bind_text(int index, std::string_view value) = 0;
    virtual void bind_blob(int index, ByteView value) = 0;
    virtual void bind_null(int index) = 0;
    // A point in time with millisecond precision, in the backend's own column type (SQLite:
    // Unix milliseconds; MariaDB: DATETIME(3) in UTC).
    virtual void bind_time(int index, TimePoint value) = 0;

    // The first call runs the statement; each call then moves to the next row.
    virtual SqlResult<Step> step() = 0;
    // Rows the last run matched (UPDATE, DELETE) or wrote (INSERT).
    virtual std::uint64_t affected_rows() const = 0;
    // The AUTO_INCREMENT / INTEGER PRIMARY KEY value the last INSERT gave its row.
    virtual std::int64_t last_insert_id() const = 0;
    // Ready to run again; bound values stay until bound anew.
    virtual void reset() = 0;

    // Columns of the current row, numbered from 0. nullopt for NULL and, for numbers and times,
    // for a value that is not one.
    virtual bool is_null(int column) const = 0;
    virtual std::optional<std::int64_t> get_int64(int column) const = 0;
    virtual std::optional<std::string> get_text(int column) const = 0;
    virtual std::optional<Bytes> get_blob(int column) const = 0;
    virtual std::optional<TimePoint> get_time(int column) const = 0;
};

class Connection {
  public:
    virtual ~Connection() = default;
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // `during` says what the caller was doing, for the error message ("creating an account").
    virtual SqlResult<std::unique_ptr<Statement>> prepare(std::string_view sql,
                                                          std::string_view during) = 0;
    // "sqlite:/path" or "mariadb:host/db", for logs.
    virtual std::string describe() const = 0;
    // False after the connection was lost (the call failed with `unavailable`), until the next
    // prepare() connects again.
    virtual bool connected() const { return true; }

    // Prepares, runs to the end and returns the rows it affected: for statements without
    // parameters (DDL, PRAGMA).
    SqlResult<std::uint64_t> execute(std::string_view sql, std::string_view during);

    class Transaction;
    // Begins a transaction: committed by commit(), rolled back when dropped without it.
    SqlResult<Transaction> transaction(std::string_view during);

  protected:
    virtual SqlResult<bool> begin(std::string_view during) = 0;
    virtual SqlResult<bool> commit(std::string_view during) = 0;
    virtual void rollback() noexcept = 0;
};

class Connection::Transaction {
  public:
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();

    SqlResult<bool> commit();

  private:
    friend class Connection;
    Transaction(Connection& connection, std::string_view during)
        : connection_(&connection), during_(during) {}

    Connection* connection_;  // null once committed, rolled back or moved from
    std::string during_;
};

}  // namespace sc::store::sql
