#include "unit/store/store_fixture.h"

#include <mysql.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include <sqlite3.h>

#include "support/run_command.h"

namespace sc::store::test {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

bool skip_mariadb() {
    return env("SECURECHAT_SKIP_MARIADB") == "1";
}

// Distinct per process and per test: ctest runs each test in its own process, and two checkouts
// may share one server.
std::string fresh_database_name(const std::string& base) {
    static std::atomic<int> counter{0};
    return base + "_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

std::string sqlite_exec(const std::filesystem::path& path, const std::string& sql,
                        std::string* first_value) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        std::string message = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
        sqlite3_close(db);
        return message;
    }
    sqlite3_busy_timeout(db, 5000);
    std::string error;
    if (first_value == nullptr) {
        char* message = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            error = message != nullptr ? message : "failed";
        }
        sqlite3_free(message);
    } else {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            error = sqlite3_errmsg(db);
        } else {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_ROW) {
                const auto* text = sqlite3_column_text(stmt, 0);
                *first_value = text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
            } else if (rc != SQLITE_DONE) {
                error = sqlite3_errmsg(db);
            }
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return error;
}

}  // namespace

std::string backend_param_name(const testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "SQLite" : "MariaDB";
}

void PrintTo(Backend backend, std::ostream* out) {
    *out << (backend == Backend::sqlite ? "SQLite" : "MariaDB");
}

PasswordPolicy test_policy() {
    PasswordPolicy policy;
    policy.opslimit = 1;
    policy.memlimit = 8 * 1024 * 1024;
    return policy;
}

HashCost test_hash_cost() {
    auto policy = test_policy();
    return HashCost{policy.opslimit, policy.memlimit};
}

crypto::SecretBytes secret(std::string_view text) {
    return crypto::SecretBytes(as_bytes(text));
}

std::optional<MariaDbConfig> mariadb_config_from_env() {
    MariaDbConfig config;
    config.unix_socket = env("SECURECHAT_TEST_MARIADB_SOCKET");
    std::string port = env("SECURECHAT_TEST_MARIADB_PORT");
    config.user = env("SECURECHAT_TEST_MARIADB_USER");
    config.password = env("SECURECHAT_TEST_MARIADB_PASSWORD");
    config.database = env("SECURECHAT_TEST_MARIADB_DATABASE");
    if ((config.unix_socket.empty() && port.empty()) || config.user.empty() ||
        config.database.empty()) {
        return std::nullopt;
    }
    config.host = "127.0.0.1";
    config.port = port.empty() ? 3306u : static_cast<unsigned>(std::stoul(port));
    return config;
}

std::optional<std::filesystem::path> managed_server_dir(const MariaDbConfig& config) {
    std::string dir = env("SECURECHAT_MARIADB_DIR");
    if (dir.empty() || config.unix_socket != dir + "/mariadb.sock") {
        return std::nullopt;
    }
    return std::filesystem::path(dir);
}

std::string run_server_script(const std::string& command) {
    auto result = sc::test::run_command(
        {"bash", std::string(SECURECHAT_SOURCE_DIR) + "/scripts/mariadb-test-server.sh", command});
    return result.exit_code == 0
               ? ""
               : "exit " + std::to_string(result.exit_code) + ": " + result.output;
}

RawMariaDb::RawMariaDb(const MariaDbConfig& config) {
    conn_ = mysql_init(nullptr);
    unsigned timeout = 5;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(conn_, MYSQL_OPT_READ_TIMEOUT, &timeout);
    const bool via_socket = !config.unix_socket.empty();
    if (mysql_real_connect(conn_, via_socket ? "localhost" : config.host.c_str(),
                           config.user.c_str(), config.password.c_str(),
                           config.database.empty() ? nullptr : config.database.c_str(),
                           via_socket ? 0 : config.port,
                           via_socket ? config.unix_socket.c_str() : nullptr, 0) == nullptr) {
        error_ = mysql_error(conn_);
        mysql_close(conn_);
        conn_ = nullptr;
    }
}

RawMariaDb::~RawMariaDb() {
    if (conn_ != nullptr) {
        mysql_close(conn_);
    }
}

std::string RawMariaDb::exec(const std::string& sql) {
    if (conn_ == nullptr) {
        return "not connected: " + error_;
    }
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
        return mysql_error(conn_);
    }
    // Drain any result set so the connection stays usable.
    MYSQL_RES* result = mysql_store_result(conn_);
    if (result != nullptr) {
        mysql_free_result(result);
    }
    return {};
}

std::string RawMariaDb::scalar(const std::string& sql) {
    if (conn_ == nullptr) {
        return "<error: not connected: " + error_ + ">";
    }
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
        return "<error: " + std::string(mysql_error(conn_)) + ">";
    }
    MYSQL_RES* result = mysql_store_result(conn_);
    if (result == nullptr) {
        return "<error: no result>";
    }
    std::string value = "<no rows>";
    if (MYSQL_ROW row = mysql_fetch_row(result); row != nullptr) {
        value = row[0] != nullptr ? row[0] : "NULL";
    }
    mysql_free_result(result);
    return value;
}

void StoreTest::SetUp() {
    if (!is_mariadb()) {
        return;
    }
    // An explicit request to skip wins, even where a server is configured.
    if (skip_mariadb()) {
        GTEST_SKIP() << "MariaDB tests were skipped (SECURECHAT_SKIP_MARIADB=1)";
    }
    auto config = mariadb_config_from_env();
    if (!config) {
        FAIL() << "no MariaDB to test against: start the private test server with\n"
                  "  scripts/mariadb-test-server.sh start && "
                  "eval \"$(scripts/mariadb-test-server.sh env)\"\n"
                  "(scripts/test.sh does this), or set SECURECHAT_SKIP_MARIADB=1 to skip the "
                  "MariaDB variants";
    }
    mariadb_ = *config;
    const std::string database = fresh_database_name(config->database);
    RawMariaDb admin(mariadb_with_database(""));
    ASSERT_TRUE(admin.connected()) << "cannot connect to the MariaDB test server (" << admin.error()
                                   << "); is it running? scripts/mariadb-test-server.sh start";
    std::string error = admin.exec("CREATE DATABASE `" + database + "`");
    ASSERT_EQ(error, "") << "the test user needs privileges on databases named " << config->database
                         << "_test_% (scripts/mariadb-test-server.sh grants "
                         << "them)";
    mariadb_.database = database;
    mariadb_created_ = true;
}

void StoreTest::TearDown() {
    if (mariadb_created_) {
        RawMariaDb admin(mariadb_with_database(""));
        EXPECT_EQ(admin.exec("DROP DATABASE IF EXISTS `" + mariadb_.database + "`"), "");
    }
}

MariaDbConfig StoreTest::mariadb_with_database(const std::string& database) const {
    MariaDbConfig config = mariadb_;
    config.database = database;
    return config;
}

StoreResult<std::unique_ptr<Store>> StoreTest::open() {
    if (is_mariadb()) {
        return open_mariadb(mariadb_, test_hash_cost());
    }
    return open_sqlite(sqlite_path(), test_hash_cost());
}

std::unique_ptr<Store> StoreTest::open_or_fail() {
    auto store = open();
    if (!store) {
        ADD_FAILURE() << "opening the store failed: " << store.error().message;
        return nullptr;
    }
    return std::move(store).value();
}

std::string StoreTest::exec_raw(const std::string& sql) {
    if (is_mariadb()) {
        RawMariaDb raw(mariadb_);
        return raw.exec(sql);
    }
    return sqlite_exec(sqlite_path(), sql, nullptr);
}

std::string StoreTest::scalar_raw(const std::string& sql) {
    if (is_mariadb()) {
        RawMariaDb raw(mariadb_);
        return raw.scalar(sql);
    }
    std::string value = "<no rows>";
    std::string error = sqlite_exec(sqlite_path(), sql, &value);
    return error.empty() ? value : "<error: " + error + ">";
}

}  // namespace sc::store::test
