// Connecting, reconnecting and sorting MariaDB's errors.
#include "store/mariadb/connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <chrono>
#include <string_view>

#include "store/mariadb/tls.h"

namespace sc::store::mariadb {
namespace {

using sql::make_error;
using sql::SqlResult;

using StmtPtr = std::unique_ptr<MYSQL_STMT, FreeWith<mysql_stmt_close>>;

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

std::string MariaDbConnection::where() const {
    return config_.unix_socket.empty() ? config_.host + ":" + std::to_string(config_.port)
                                       : config_.unix_socket;
}

SqlResult<bool> MariaDbConnection::connect() {
    conn_.reset();
    ConnPtr conn(mysql_init(nullptr));
    if (!conn) {
        return fail(make_error(StoreErrorCode::internal, "out of memory for a MariaDB handle"));
    }
    unsigned connect_timeout = kServiceTimeoutSeconds;
    unsigned read_timeout = read_timeout_seconds_;
    unsigned write_timeout = kServiceTimeoutSeconds;
    my_bool reconnect = 0;  // we reconnect ourselves, so that prepared state is never stale
    mysql_options(conn.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn.get(), MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(conn.get(), MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    mysql_options(conn.get(), MYSQL_OPT_RECONNECT, &reconnect);
    mysql_options(conn.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (auto tls = apply_tls_options(conn.get(), config_); !tls) {
        return fail(make_error(tls.error().code, tls.error().message));
    }
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
                return fail(make_error(StoreErrorCode::internal,
                                       "MariaDB at " + where() + " refused user '" + config_.user +
                                           "': check the user, its password and " +
                                           "its grants on database '" + config_.database + "' (" +
                                           reason + ")"));
            case ER_BAD_DB_ERROR:
                return fail(make_error(
                    StoreErrorCode::internal,
                    "database '" + config_.database + "' does not exist on MariaDB at " + where() +
                        "; create it as the seeds do (CREATE DATABASE " + "securechat)"));
            default:
                return fail(make_error(StoreErrorCode::unavailable,
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
            return fail(make_error(
                is_connection_error(code) ? StoreErrorCode::unavailable : StoreErrorCode::internal,
                "setting up the MariaDB session failed: " + std::string(mysql_error(conn.get()))));
        }
    }
    conn_ = std::move(conn);
    return true;
}

SqlResult<bool> MariaDbConnection::reconnect_with_read_timeout(unsigned seconds) {
    read_timeout_seconds_ = seconds;
    return connect();
}

sql::Error MariaDbConnection::error_for(unsigned code, const std::string& message,
                                        std::string_view during) {
    if (is_connection_error(code)) {
        // Drop the handle: the next call connects afresh with the same configuration.
        conn_.reset();
        return make_error(
            StoreErrorCode::unavailable,
            std::string(during) + ": lost the MariaDB server at " + where() + " (" + message + ")");
    }
    if (code == ER_LOCK_WAIT_TIMEOUT || code == ER_LOCK_DEADLOCK) {
        return make_error(
            StoreErrorCode::unavailable,
            std::string(during) + ": the database is busy; try again (" + message + ")");
    }
    std::string what = std::string(during) + " failed: MariaDB error " + std::to_string(code);
    if (!message_quotes_values(code)) {
        what += " (" + message + ")";
    }
    sql::Error error = make_error(StoreErrorCode::internal, what);
    if (code == ER_DUP_ENTRY) {
        error.unique_key = duplicate_key_name(message);
    }
    return error;
}

SqlResult<std::unique_ptr<sql::Statement>> MariaDbConnection::prepare(std::string_view sql,
                                                                      std::string_view during) {
    for (int attempt = 0;; ++attempt) {
        bool fresh = false;
        if (!conn_) {
            SC_TRY(connect());
            fresh = true;
        }
        StmtPtr stmt(mysql_stmt_init(conn_.get()));
        if (!stmt) {
            return fail(error_for(mysql_errno(conn_.get()), mysql_error(conn_.get()), during));
        }
        const auto prepare_start = std::chrono::steady_clock::now();
        if (mysql_stmt_prepare(stmt.get(), sql.data(), sql.size()) == 0) {
            return make_statement(*this, stmt.release(), during);
        }
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
        return fail(error_for(code, message, during));
    }
}

SqlResult<bool> MariaDbConnection::begin(std::string_view during) {
    SC_TRY(execute("START TRANSACTION", during));
    return true;
}

SqlResult<bool> MariaDbConnection::commit(std::string_view during) {
    SC_TRY(execute("COMMIT", during));
    return true;
}

void MariaDbConnection::rollback() noexcept {
    if (conn_) {
        mysql_rollback(conn_.get());
    }
}

}  // namespace sc::store::mariadb
