// What only a server can do to the store: hang.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>

#include "store/accounts.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using namespace std::chrono_literals;

using MariaDbServerTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Server, MariaDbServerTest, testing::Values(Backend::mariadb),
                         backend_param_name);

// A frozen server (SIGSTOP: the kernel still accepts connections, nothing answers) is the worst
// case: every wait is bounded by the 3 s timeouts, and the store recovers when it thaws.
TEST_P(MariaDbServerTest, AHungServerCostsSecondsNotAHang) {
    auto dir = managed_server_dir(mariadb_config());
    if (!dir) {
        GTEST_SKIP() << "the MariaDB under test is not the one scripts/mariadb-test-server.sh "
                        "manages (SECURECHAT_MARIADB_DIR), so it cannot be paused";
    }
    auto store = open_or_fail();
    ASSERT_TRUE(store);
    Accounts accounts(*store, test_policy());
    ASSERT_TRUE(accounts.register_account("a@example.com", "alice", secret("alice-password")));

    pid_t pid = 0;
    std::ifstream(*dir / "mariadbd.pid") >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGSTOP), 0);
    struct Thaw {
        pid_t pid;
        ~Thaw() { kill(pid, SIGCONT); }
    } thaw{pid};

    for (int attempt = 0; attempt < 2; ++attempt) {
        auto start = std::chrono::steady_clock::now();
        auto login = accounts.login("alice", secret("alice-password"));
        auto elapsed = std::chrono::steady_clock::now() - start;
        ASSERT_FALSE(login) << "attempt " << attempt;
        EXPECT_EQ(login.error().code, AuthErrorCode::unavailable) << login.error().message;
        EXPECT_LT(elapsed, 5s) << "attempt " << attempt << ": "
                               << std::chrono::duration<double>(elapsed).count() << " s";
    }

    ASSERT_EQ(kill(pid, SIGCONT), 0);
    auto login = accounts.login("alice", secret("alice-password"));
    EXPECT_TRUE(login) << login.error().message;
}

TEST_P(MariaDbServerTest, OpenSaysWhyItCannotConnect) {
    MariaDbConfig wrong_password = mariadb_config();
    wrong_password.password = "not the password";
    auto refused = open_mariadb(wrong_password);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, StoreErrorCode::internal);
    EXPECT_NE(refused.error().message.find("refused user 'chatuser'"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find("not the password"), std::string::npos);

    MariaDbConfig no_database = mariadb_config();
    no_database.database = "securechat_test_missing";
    auto missing = open_mariadb(no_database);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos)
        << missing.error().message;

    MariaDbConfig nobody_listening = mariadb_config();
    nobody_listening.unix_socket.clear();
    nobody_listening.port = 1;  // privileged and unused: connection refused at once
    auto start = std::chrono::steady_clock::now();
    auto unreachable = open_mariadb(nobody_listening);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(unreachable);
    EXPECT_EQ(unreachable.error().code, StoreErrorCode::unavailable) << unreachable.error().message;
    EXPECT_NE(unreachable.error().message.find("127.0.0.1:1"), std::string::npos)
        << unreachable.error().message;
    EXPECT_LT(elapsed, 5s);
}

}  // namespace
}  // namespace sc::store::test
