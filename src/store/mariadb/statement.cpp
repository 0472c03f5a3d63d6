// A Connector/C prepared statement behind sql::Statement. Parameters are kept by the statement
// and bound at the run; every column is fetched as text (numbers in decimal, DATETIME as
// "YYYY-MM-DD hh:mm:ss.fff") and converted by the typed getters.
#include <algorithm>
#include <variant>
#include <vector>

#include "common/check.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/datetime.h"

namespace sc::store::mariadb {
namespace {

using sql::SqlResult;
using sql::Step;

using StmtPtr = std::unique_ptr<MYSQL_STMT, FreeWith<mysql_stmt_close>>;
using Value = std::variant<std::nullptr_t, std::int64_t, std::string, Bytes>;
using Row = std::vector<std::optional<std::string>>;

std::optional<std::int64_t> parse_int64(const std::string& text) {
    std::size_t at = text.starts_with('-') ? 1 : 0;
    if (at == text.size()) {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    const std::uint64_t limit = at == 1 ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    for (; at < text.size(); ++at) {
        char c = text[at];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (limit - digit) / 10) {
            return std::nullopt;
        }
        magnitude = magnitude * 10 + digit;
    }
    return text.starts_with('-') ? static_cast<std::int64_t>(0 - magnitude)
                                 : static_cast<std::int64_t>(magnitude);
}

class MariaDbStatement final : public sql::Statement {
  public:
    MariaDbStatement(MariaDbConnection& connection, MYSQL_STMT* stmt, std::string_view during)
        : connection_(connection),
          stmt_(stmt),
          during_(during),
          params_(mysql_stmt_param_count(stmt)) {}

    void bind_int64(int index, std::int64_t value) override { set(index, value); }
    void bind_text(int index, std::string_view value) override { set(index, std::string(value)); }
    void bind_blob(int index, ByteView value) override {
        set(index, Bytes(value.begin(), value.end()));
    }
    void bind_null(int index) override { set(index, nullptr); }
    void bind_time(int index, TimePoint value) override { set(index, to_datetime_text(value)); }

    SqlResult<Step> step() override {
        if (!stmt_) {
            return fail(sql::make_error(StoreErrorCode::unavailable,
                                        during_ + ": the connection to MariaDB was lost"));
        }
        if (!executed_) {
            SC_TRY(execute());
            executed_ = true;
        }
        if (columns_ == 0) {
            return Step::done;
        }
        return fetch();
    }
    std::uint64_t affected_rows() const override { return affected_; }
    std::int64_t last_insert_id() const override { return insert_id_; }
    void reset() override {
        if (stmt_) {
            mysql_stmt_free_result(stmt_.get());
            mysql_stmt_reset(stmt_.get());
        }
        executed_ = false;
        row_.clear();
    }

    bool is_null(int column) const override { return !cell(column).has_value(); }
    std::optional<std::int64_t> get_int64(int column) const override {
        const auto& text = cell(column);
        return text ? parse_int64(*text) : std::nullopt;
    }
    std::optional<std::string> get_text(int column) const override { return cell(column); }
    std::optional<Bytes> get_blob(int column) const override {
        const auto& text = cell(column);
        if (!text) {
            return std::nullopt;
        }
        return Bytes(text->begin(), text->end());
    }
    std::optional<TimePoint> get_time(int column) const override {
        const auto& text = cell(column);
        return text ? from_datetime_text(*text) : std::nullopt;
    }

  private:
    void set(int index, Value value) {
        SC_CHECK(index >= 1 && static_cast<std::size_t>(index) <= params_.size());
        params_[static_cast<std::size_t>(index - 1)] = std::move(value);
    }
    const std::optional<std::string>& cell(int column) const {
        SC_CHECK(column >= 0 && static_cast<std::size_t>(column) < row_.size());
        return row_[static_cast<std::size_t>(column)];
    }
    // The statement is closed before the error is examined: a lost connection closes the
    // handle it belongs to.
    sql::Error statement_error() {
        unsigned code = mysql_stmt_errno(stmt_.get());
        std::string message = mysql_stmt_error(stmt_.get());
        stmt_.reset();
        return connection_.error_for(code, message, during_);
    }
    SqlResult<bool> execute();
    SqlResult<Step> fetch();

    MariaDbConnection& connection_;
    StmtPtr stmt_;
    std::string during_;
    std::vector<Value> params_;
    bool executed_ = false;
    unsigned columns_ = 0;
    std::uint64_t affected_ = 0;  // matched rows, thanks to CLIENT_FOUND_ROWS
    std::int64_t insert_id_ = 0;
    std::vector<MYSQL_BIND> out_;
    std::vector<unsigned long> lengths_;
    std::vector<my_bool> nulls_;
    std::vector<my_bool> truncated_;
    Row row_;
};

SqlResult<bool> MariaDbStatement::execute() {
    std::vector<MYSQL_BIND> binds(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
        MYSQL_BIND& bind = binds[i];
        Value& param = params_[i];
        if (auto* number = std::get_if<std::int64_t>(&param)) {
            bind.buffer_type = MYSQL_TYPE_LONGLONG;
            bind.buffer = number;
        } else if (auto* text = std::get_if<std::string>(&param)) {
            bind.buffer_type = MYSQL_TYPE_STRING;
            bind.buffer = text->data();
            bind.buffer_length = text->size();
        } else if (auto* blob = std::get_if<Bytes>(&param)) {
            bind.buffer_type = MYSQL_TYPE_BLOB;
            bind.buffer = blob->data();
            bind.buffer_length = blob->size();
        } else {
            bind.buffer_type = MYSQL_TYPE_NULL;
        }
    }
    if ((!binds.empty() && mysql_stmt_bind_param(stmt_.get(), binds.data()) != 0) ||
        mysql_stmt_execute(stmt_.get()) != 0) {
        return fail(statement_error());
    }
    affected_ = mysql_stmt_affected_rows(stmt_.get());
    insert_id_ = static_cast<std::int64_t>(mysql_stmt_insert_id(stmt_.get()));
    columns_ = mysql_stmt_field_count(stmt_.get());
    if (columns_ == 0) {
        return true;
    }
    if (mysql_stmt_store_result(stmt_.get()) != 0) {
        return fail(statement_error());
    }
    // Two steps per row: learn each column's length, then fetch it into a buffer that size.
    out_.assign(columns_, MYSQL_BIND{});
    lengths_.assign(columns_, 0);
    nulls_.assign(columns_, 0);
    truncated_.assign(columns_, 0);
    for (unsigned c = 0; c < columns_; ++c) {
        out_[c].buffer_type = MYSQL_TYPE_STRING;
        out_[c].length = &lengths_[c];
        out_[c].is_null = &nulls_[c];
        out_[c].error = &truncated_[c];
    }
    if (mysql_stmt_bind_result(stmt_.get(), out_.data()) != 0) {
        return fail(statement_error());
    }
    return true;
}

SqlResult<Step> MariaDbStatement::fetch() {
    int fetched = mysql_stmt_fetch(stmt_.get());
    if (fetched == MYSQL_NO_DATA) {
        row_.clear();
        return Step::done;
    }
    if (fetched == 1) {
        return fail(statement_error());
    }
    row_.assign(columns_, std::nullopt);
    for (unsigned c = 0; c < columns_; ++c) {
        if (nulls_[c] != 0) {
            continue;
        }
        std::string value(lengths_[c], '\0');
        if (!value.empty()) {
            MYSQL_BIND column{};
            unsigned long length = 0;
            column.buffer_type = MYSQL_TYPE_STRING;
            column.buffer = value.data();
            column.buffer_length = value.size();
            column.length = &length;
            if (mysql_stmt_fetch_column(stmt_.get(), &column, c, 0) != 0) {
                return fail(statement_error());
            }
            value.resize(std::min<std::size_t>(length, value.size()));
        }
        row_[c] = std::move(value);
    }
    return Step::row;
}

}  // namespace

std::unique_ptr<sql::Statement> make_statement(MariaDbConnection& connection, MYSQL_STMT* stmt,
                                               std::string_view during) {
    return std::make_unique<MariaDbStatement>(connection, stmt, during);
}

}  // namespace sc::store::mariadb
