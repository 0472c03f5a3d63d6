// The MySQL/MariaDB backend (MariaDB Connector/C), keeping the seeds' `securechat.users` table.
// One connection per store behind a mutex; statements with values are always prepared and bound.
// A lost connection makes the call fail with `unavailable` and is re-established, with the same
// configuration, by the next call.
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/free_with.h"
#include "store/account_store.h"
#include "store/accounts.h"
#include "store/mariadb/tls.h"
#include "store/mariadb_store_internal.h"
#include "store/migrations.h"
#include "store/store_internal.h"

namespace sc::store {
namespace mariadb {

std::optional<std::uint64_t> parse_unsigned(const std::optional<std::string>& text) {
    if (!text || text->empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (char c : *text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

}  // namespace mariadb

namespace {

using detail::store_error;
using namespace mariadb;

bool is_connection_error(unsigned code) {
    switch (code) {
        case CR_CONNECTION_ERROR:
        case CR_CONN_HOST_ERROR:
        case CR_SERVER_GONE_ERROR:
        case CR_SERVER_LOST:
        case CR_SERVER_LOST_EXTENDED:
        case CR_UNKNOWN_HOST:
        case ER_SERVER_SHUTDOWN:
        case ER_CONNECTION_KILLED:
        case ER_CON_COUNT_ERROR:
        case ER_NET_READ_INTERRUPTED:
        case ER_NET_WRITE_INTERRUPTED:
            return true;
        default:
            return false;
    }
}

// Server messages for these errors quote the offending value, which may be a username, an email
// or a hash; they are reported by number only.
bool message_quotes_values(unsigned code) {
    switch (code) {
        case ER_DUP_ENTRY:
        case ER_DUP_ENTRY_WITH_KEY_NAME:
        case ER_TRUNCATED_WRONG_VALUE:
        case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
        case ER_WRONG_VALUE_FOR_VAR:
        case ER_DUP_UNKNOWN_IN_INDEX:
            return true;
        default:
            return false;
    }
}

// "2024-05-01 12:34:56.789", UTC (every session runs with time_zone '+00:00').
std::string to_datetime_text(TimePoint when) {
    std::int64_t ms = detail::to_unix_ms(when);
    std::int64_t seconds = ms / 1000;
    std::int64_t millis = ms % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    return text;
}

std::optional<TimePoint> from_datetime_text(const std::string& text) {
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::int64_t millis = 0;
    // Fractional seconds: as many digits as the column has; milliseconds are kept.
    std::size_t pos = static_cast<std::size_t>(consumed);
    if (pos < text.size() && text[pos] == '.') {
        int digits = 0;
        for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
            if (digits < 3) {
                millis = millis * 10 + (text[pos] - '0');
            }
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    std::int64_t seconds = static_cast<std::int64_t>(timegm(&tm));
    return detail::from_unix_ms(seconds * 1000 + millis);
}

// The name of the unique key in "Duplicate entry '...' for key 'users_email_unique'". The last
// occurrence: the quoted value before it is chosen by the user and may contain anything.
std::string duplicate_key_name(std::string_view message) {
    constexpr std::string_view marker = "for key '";
    auto at = message.rfind(marker);
    if (at == std::string_view::npos) {
        return {};
    }
    auto name = message.substr(at + marker.size());
    return std::string(name.substr(0, name.find('\'')));
}

}  // namespace

namespace mariadb {

StoreResult<bool> MariaDbStore::connect(unsigned read_timeout_seconds) {
    conn_.reset();
    ConnPtr conn(mysql_init(nullptr));
    if (!conn) {
        return fail(store_error(StoreErrorCode::internal, "out of memory for a MariaDB handle"));
    }
    unsigned connect_timeout = kServiceTimeoutSeconds;
    unsigned write_timeout = kServiceTimeoutSeconds;
    my_bool reconnect = 0;  // we reconnect ourselves, so that prepared state is never stale
    mysql_options(conn.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn.get(), MYSQL_OPT_READ_TIMEOUT, &read_timeout_seconds);
    mysql_options(conn.get(), MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    mysql_options(conn.get(), MYSQL_OPT_RECONNECT, &reconnect);
    mysql_options(conn.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    SC_TRY(apply_tls_options(conn.get(), config_));
    const bool via_socket = !config_.unix_socket.empty();
    // "localhost" makes Connector/C use the socket; with a socket the port is ignored.
    if (mysql_real_connect(
            conn.get(), via_socket ? "localhost" : config_.host.c_str(), config_.user.c_str(),
            config_.password.c_str(), config_.database.c_str(), via_socket ? 0 : config_.port,
            via_socket ? config_.unix_socket.c_str() : nullptr, CLIENT_FOUND_ROWS) == nullptr) {
        unsigned code = mysql_errno(conn.get());
        std::string reason = mysql_error(conn.get());
        switch (code) {
            case ER_ACCESS_DENIED_ERROR:
            case ER_DBACCESS_DENIED_ERROR:
                return fail(store_error(StoreErrorCode::internal,
                                        "MariaDB at " + where() + " refused user '" + config_.user +
                                            "': check the user, its password and " +
                                            "its grants on database '" + config_.database + "' (" +
                                            reason + ")"));
            case ER_BAD_DB_ERROR:
                return fail(store_error(
                    StoreErrorCode::internal,
                    "database '" + config_.database + "' does not exist on MariaDB at " + where() +
                        "; create it as the seeds do (CREATE DATABASE " + "securechat)"));
            default:
                return fail(
                    store_error(StoreErrorCode::unavailable,
                                "cannot reach MariaDB at " + where() + " (" + reason + ")"));
        }
    }
    // UTC for CURRENT_TIMESTAMP defaults and for the DATETIME text we write; strict mode so a
    // value that does not fit is an error, not silently truncated.
    constexpr std::string_view session_setup[] = {
        "SET time_zone = '+00:00'",
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
        "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    };
    for (std::string_view sql : session_setup) {
        if (mysql_real_query(conn.get(), sql.data(), sql.size()) != 0) {
            unsigned code = mysql_errno(conn.get());
            return fail(store_error(
                is_connection_error(code) ? StoreErrorCode::unavailable : StoreErrorCode::internal,
                "setting up the MariaDB session failed: " + std::string(mysql_error(conn.get()))));
        }
    }
    conn_ = std::move(conn);
    return true;
}

StoreError MariaDbStore::error_for(unsigned code, const char* message, std::string_view during) {
    std::string text = message != nullptr ? message : "";
    if (is_connection_error(code)) {
        // Drop the handle: the next call connects afresh with the same configuration.
        conn_.reset();
        return store_error(
            StoreErrorCode::unavailable,
            std::string(during) + ": lost the MariaDB server at " + where() + " (" + text + ")");
    }
    if (code == ER_DUP_ENTRY) {
        std::string key = duplicate_key_name(text);
        if (key.find("email") != std::string::npos) {
            return store_error(StoreErrorCode::duplicate_email,
                               "an account with this email already exists");
        }
        if (key.find("username") != std::string::npos) {
            return store_error(StoreErrorCode::duplicate_username, "username is already taken");
        }
    }
    if (code == ER_LOCK_WAIT_TIMEOUT || code == ER_LOCK_DEADLOCK) {
        return store_error(
            StoreErrorCode::unavailable,
            std::string(during) + ": the database is busy; try again (" + text + ")");
    }
    std::string what = std::string(during) + " failed: MariaDB error " + std::to_string(code);
    if (!message_quotes_values(code)) {
        what += " (" + text + ")";
    }
    return store_error(StoreErrorCode::internal, what);
}

StoreResult<QueryResult> MariaDbStore::run(std::string_view sql, const std::vector<Param>& params,
                                           std::string_view during) {
    for (int attempt = 0;; ++attempt) {
        bool fresh = false;
        if (!conn_) {
            SC_TRY(connect(kServiceTimeoutSeconds));
            fresh = true;
        }
        StmtPtr stmt(mysql_stmt_init(conn_.get()));
        if (!stmt) {
            return fail(error_for(mysql_errno(conn_.get()), mysql_error(conn_.get()), during));
        }
        const auto prepare_start = std::chrono::steady_clock::now();
        if (mysql_stmt_prepare(stmt.get(), sql.data(), sql.size()) != 0) {
            unsigned code = mysql_stmt_errno(stmt.get());
            std::string message = mysql_stmt_error(stmt.get());
            stmt.reset();
            const bool failed_fast =
                std::chrono::steady_clock::now() - prepare_start < std::chrono::seconds(1);
            if (is_connection_error(code) && !fresh && attempt == 0 && failed_fast) {
                // A connection that sat idle across a server restart fails at once at its first
                // use. Nothing has run yet, so one retry on a new connection is safe. A prepare
                // that timed out is not retried: a hung server would cost the caller twice.
                conn_.reset();
                continue;
            }
            return fail(error_for(code, message.c_str(), during));
        }

        // The statement is closed before the error is examined: a lost connection closes the
        // handle it belongs to.
        auto statement_error = [&] {
            unsigned code = mysql_stmt_errno(stmt.get());
            std::string message = mysql_stmt_error(stmt.get());
            stmt.reset();
            return error_for(code, message.c_str(), during);
        };

        std::vector<MYSQL_BIND> binds(params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
            MYSQL_BIND& bind = binds[i];
            const Param& param = params[i];
            // Connector/C takes non-const buffers but only reads parameters.
            if (const auto* number = std::get_if<std::int64_t>(&param)) {
                bind.buffer_type = MYSQL_TYPE_LONGLONG;
                bind.buffer = const_cast<std::int64_t*>(number);
            } else if (const auto* unsigned_number = std::get_if<std::uint64_t>(&param)) {
                bind.buffer_type = MYSQL_TYPE_LONGLONG;
                bind.buffer = const_cast<std::uint64_t*>(unsigned_number);
                bind.is_unsigned = 1;
            } else if (const auto* text = std::get_if<std::string_view>(&param)) {
                bind.buffer_type = MYSQL_TYPE_STRING;
                bind.buffer = const_cast<char*>(text->data());
                bind.buffer_length = text->size();
            } else if (const auto* blob = std::get_if<ByteView>(&param)) {
                bind.buffer_type = MYSQL_TYPE_BLOB;
                bind.buffer = const_cast<std::uint8_t*>(blob->data());
                bind.buffer_length = blob->size();
            } else {
                bind.buffer_type = MYSQL_TYPE_NULL;
            }
        }
        if ((!binds.empty() && mysql_stmt_bind_param(stmt.get(), binds.data()) != 0) ||
            mysql_stmt_execute(stmt.get()) != 0) {
            return fail(statement_error());
        }

        QueryResult result;
        result.affected = mysql_stmt_affected_rows(stmt.get());
        result.insert_id = mysql_stmt_insert_id(stmt.get());
        unsigned columns = mysql_stmt_field_count(stmt.get());
        if (columns == 0) {
            return result;
        }
        if (mysql_stmt_store_result(stmt.get()) != 0) {
            return fail(statement_error());
        }
        // Two steps per row: learn each column's length, then fetch it into a buffer that size.
        std::vector<MYSQL_BIND> out(columns);
        std::vector<unsigned long> lengths(columns);
        std::vector<my_bool> nulls(columns);
        std::vector<my_bool> truncated(columns);
        for (unsigned c = 0; c < columns; ++c) {
            out[c].buffer_type = MYSQL_TYPE_STRING;
            out[c].length = &lengths[c];
            out[c].is_null = &nulls[c];
            out[c].error = &truncated[c];
        }
        if (mysql_stmt_bind_result(stmt.get(), out.data()) != 0) {
            return fail(statement_error());
        }
        for (;;) {
            int fetched = mysql_stmt_fetch(stmt.get());
            if (fetched == MYSQL_NO_DATA) {
                break;
            }
            if (fetched == 1) {
                return fail(statement_error());
            }
            Row row(columns);
            for (unsigned c = 0; c < columns; ++c) {
                if (nulls[c] != 0) {
                    continue;
                }
                std::string value(lengths[c], '\0');
                if (!value.empty()) {
                    MYSQL_BIND column{};
                    unsigned long length = 0;
                    column.buffer_type = MYSQL_TYPE_STRING;
                    column.buffer = value.data();
                    column.buffer_length = value.size();
                    column.length = &length;
                    if (mysql_stmt_fetch_column(stmt.get(), &column, c, 0) != 0) {
                        return fail(statement_error());
                    }
                    value.resize(std::min<std::size_t>(length, value.size()));
                }
                row[c] = std::move(value);
            }
            result.rows.push_back(std::move(row));
        }
        return result;
    }
}

StoreResult<bool> MariaDbStore::update_one(std::string_view sql, const std::vector<Param>& params,
                                           std::string_view during) {
    SC_TRY_ASSIGN(QueryResult result, run(sql, params, during));
    return result.affected > 0;
}

StoreResult<int> MariaDbStore::current_version() {
    SC_TRY_ASSIGN(QueryResult result,
                  run("SELECT MAX(version) FROM schema_version", {}, "reading the schema version"));
    if (result.rows.empty() || !result.rows[0][0]) {
        return schema_number(SchemaVersion::none);
    }
    auto version = parse_unsigned(result.rows[0][0]);
    if (!version || *version > 1000000) {
        return fail(store_error(StoreErrorCode::corrupt, "schema_version holds a non-number"));
    }
    return static_cast<int>(*version);
}

StoreResult<bool> MariaDbStore::open_and_migrate() {
    std::lock_guard lock(mutex_);
    SC_TRY(connect(kMigrationReadTimeoutSeconds));
    SC_TRY(migrate());
    // From here on every call is bounded by the short timeouts.
    return connect(kServiceTimeoutSeconds);
}

// The columns find_by_username reads, in this order.
constexpr std::string_view kSelectCredentials =
    "SELECT id, email, username, role, disabled, created_at, last_login_at,"
    " salt, pwd_hash, hash_alg, opslimit, memlimit FROM users WHERE username = ?";

StoreResult<Account> MariaDbStore::create_account(const std::string& email,
                                                  const std::string& username,
                                                  const PasswordRecord& password, Role role) {
    Account account;
    account.email = email;
    account.username = username;
    account.role = role;
    account.created_at = detail::truncate_to_ms(std::chrono::system_clock::now());
    const std::string created = to_datetime_text(account.created_at);
    const std::string hash_hex = to_hex(password.hash);
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(QueryResult result,
                  run("INSERT INTO users (email, username, salt, pwd_hash, role, disabled,"
                      " created_at, hash_alg, opslimit, memlimit)"
                      " VALUES (?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?)",
                      {std::string_view(email), std::string_view(username), ByteView(password.salt),
                       std::string_view(hash_hex), role_name(role), std::string_view(created),
                       std::string_view(password.algorithm), password.opslimit, password.memlimit},
                      "creating an account"));
    account.id = static_cast<std::int64_t>(result.insert_id);
    return account;
}

StoreResult<std::optional<Credentials>> MariaDbStore::find_by_username(
    const std::string& username) {
    QueryResult result;
    {
        std::lock_guard lock(mutex_);
        SC_TRY_ASSIGN(
            result, run(kSelectCredentials, {std::string_view(username)}, "looking up an account"));
    }
    if (result.rows.empty()) {
        return std::optional<Credentials>{};
    }
    Row& row = result.rows[0];
    auto text = [&](std::size_t column) { return row[column].value_or(std::string()); };
    Credentials found;
    auto id = parse_unsigned(row[0]);
    if (!id) {
        return fail(store_error(StoreErrorCode::corrupt, "an account has no numeric id"));
    }
    found.account.id = static_cast<std::int64_t>(*id);
    const std::string which = "account " + std::to_string(*id);
    found.account.email = text(1);
    found.account.username = text(2);
    auto role = detail::parse_role(text(3));
    if (!role) {
        return fail(store_error(StoreErrorCode::corrupt, which + " has an unknown role"));
    }
    found.account.role = *role;
    found.account.disabled = text(4) != "0";
    auto created = from_datetime_text(text(5));
    if (!created) {
        return fail(store_error(StoreErrorCode::corrupt, which + " has an unreadable created_at"));
    }
    found.account.created_at = *created;
    if (row[6]) {
        found.account.last_login = from_datetime_text(*row[6]);
        if (!found.account.last_login) {
            return fail(
                store_error(StoreErrorCode::corrupt, which + " has an unreadable last_login_at"));
        }
    }
    std::string salt = text(7);
    found.password.salt.assign(salt.begin(), salt.end());
    auto hash = from_hex(text(8));
    if (!hash) {
        return fail(
            store_error(StoreErrorCode::corrupt, which + " has a password hash that is not hex"));
    }
    found.password.hash = std::move(*hash);
    found.password.algorithm = text(9);
    auto opslimit = parse_unsigned(row[10]);
    auto memlimit = parse_unsigned(row[11]);
    if (!opslimit || !memlimit) {
        return fail(
            store_error(StoreErrorCode::corrupt, which + " has unreadable hash parameters"));
    }
    found.password.opslimit = *opslimit;
    found.password.memlimit = *memlimit;
    return std::optional<Credentials>{std::move(found)};
}

StoreResult<bool> MariaDbStore::update_password(std::int64_t account_id,
                                                const PasswordRecord& password) {
    const std::string hash_hex = to_hex(password.hash);
    std::lock_guard lock(mutex_);
    return update_one(
        "UPDATE users SET salt = ?, pwd_hash = ?, hash_alg = ?, opslimit = ?, memlimit = ?"
        " WHERE id = ?",
        {ByteView(password.salt), std::string_view(hash_hex), std::string_view(password.algorithm),
         password.opslimit, password.memlimit, account_id},
        "updating a password");
}

StoreResult<bool> MariaDbStore::record_login(std::int64_t account_id, TimePoint when) {
    const std::string text = to_datetime_text(when);
    std::lock_guard lock(mutex_);
    return update_one("UPDATE users SET last_login_at = ? WHERE id = ?",
                      {std::string_view(text), account_id}, "recording a login");
}

StoreResult<bool> MariaDbStore::set_disabled(std::int64_t account_id, bool disabled) {
    std::lock_guard lock(mutex_);
    return update_one("UPDATE users SET disabled = ? WHERE id = ?",
                      {std::int64_t{disabled ? 1 : 0}, account_id}, "disabling an account");
}

StoreResult<int> MariaDbStore::schema_version() {
    std::lock_guard lock(mutex_);
    return current_version();
}

}  // namespace mariadb

StoreResult<std::unique_ptr<AccountStore>> open_mariadb(const MariaDbConfig& config,
                                                        HashCost wrap_cost) {
    // mysql_library_init is not thread-safe and mysql_init calls it implicitly: do it once,
    // here, before any store exists.
    static const bool library_ready = mysql_library_init(0, nullptr, nullptr) == 0;
    if (!library_ready) {
        return fail(store_error(StoreErrorCode::internal,
                                "the MariaDB client library failed to initialise"));
    }
    // Before any connection: the database password must not go out in clear (review L7).
    SC_TRY(check_transport_policy(config));
    auto store = std::make_unique<MariaDbStore>(config, wrap_cost);
    SC_TRY(store->open_and_migrate());
    return std::unique_ptr<AccountStore>(std::move(store));
}

}  // namespace sc::store
