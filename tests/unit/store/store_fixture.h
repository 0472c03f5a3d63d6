// Runs each shared store test against a backend: SQLite on a temporary file (store_tests, label
// unit: no server needed), or the real MariaDB that scripts/mariadb-test-server.sh starts
// (store_mariadb_tests, label mariadb; SECURECHAT_TEST_MARIADB_* variables), each test in a fresh
// database of its own. Without those variables the MariaDB variants fail, saying how to start
// the server, unless SECURECHAT_SKIP_MARIADB=1 makes them skip.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/account_store.h"
#include "store/accounts.h"
#include "store/social_store.h"
#include "support/temp_dir.h"

struct st_mysql;  // MYSQL, from <mysql.h>

namespace sc::store::test {

enum class Backend { sqlite, mariadb };

// The backends this executable runs the shared cases (account_store_test.cpp, accounts_test.cpp,
// hardening_test.cpp, migration_test.cpp, sql_database_test.cpp) on: defined by sqlite_backend.cpp
// in store_tests and by mariadb_backend.cpp in store_mariadb_tests, so that the same test names run
// in each.
std::vector<Backend> backends_under_test();
inline auto tested_backends() {
    return testing::ValuesIn(backends_under_test());
}

std::string backend_param_name(const testing::TestParamInfo<Backend>& info);
void PrintTo(Backend backend, std::ostream* out);  // names it in GoogleTest's messages

// Cheap Argon2id for tests (libsodium's minimum work; 8 MiB).
PasswordPolicy test_policy();
// test_policy()'s cost, for migration 3's wrapping of legacy rows.
HashCost test_hash_cost();

crypto::SecretBytes secret(std::string_view text);

// The server under test, from SECURECHAT_TEST_MARIADB_*; nullopt when unset.
std::optional<MariaDbConfig> mariadb_config_from_env();

// A raw client connection for setting up what the store would never write itself (the seeds'
// tables, a schema from the future) and for looking at what it did write.
class RawMariaDb {
  public:
    explicit RawMariaDb(const MariaDbConfig& config);  // database may be empty
    ~RawMariaDb();
    RawMariaDb(const RawMariaDb&) = delete;
    RawMariaDb& operator=(const RawMariaDb&) = delete;

    bool connected() const { return conn_ != nullptr; }
    const std::string& error() const { return error_; }
    // Empty on success, else the server's message.
    std::string exec(const std::string& sql);
    // The first column of the first row; "NULL" for NULL, "<error: ...>" on failure.
    std::string scalar(const std::string& sql);

  private:
    ::st_mysql* conn_ = nullptr;
    std::string error_;
};

// The directory of scripts/mariadb-test-server.sh's server when it is the one under test (so a
// test may stop or pause it), else nullopt.
std::optional<std::filesystem::path> managed_server_dir(const MariaDbConfig& config);
// Runs scripts/mariadb-test-server.sh with one argument; "" on success, else its output.
std::string run_server_script(const std::string& command);

class StoreTest : public testing::TestWithParam<Backend> {
  protected:
    void SetUp() override;
    void TearDown() override;

    Backend backend() const { return GetParam(); }
    bool is_mariadb() const { return GetParam() == Backend::mariadb; }

    StoreResult<std::unique_ptr<Store>> open();
    // Opens or records a fatal failure (check with ASSERT_TRUE(store)).
    std::unique_ptr<Store> open_or_fail();

    // Raw SQL on this test's database, bypassing the store. Empty on success.
    std::string exec_raw(const std::string& sql);
    std::string scalar_raw(const std::string& sql);

    // For tests that need the database's own dialect.
    std::filesystem::path sqlite_path() const { return dir_.path() / "accounts.db"; }
    const MariaDbConfig& mariadb_config() const { return mariadb_; }
    // The server's configuration with another database ("" for none).
    MariaDbConfig mariadb_with_database(const std::string& database) const;

  private:
    sc::test::TempDir dir_;
    MariaDbConfig mariadb_;
    bool mariadb_created_ = false;
};

}  // namespace sc::store::test
