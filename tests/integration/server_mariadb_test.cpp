// The server on a real MariaDB (the private one scripts/test.sh starts, with the seeds'
// `chatuser` / `securechat` setup): the database goes down mid-run — the client gets a clear
// error, connected users chat on, and the server reconnects by itself when it returns.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

std::string run_script(const std::string& verb) {
    auto r = run_command(
        {"bash", std::string(SECURECHAT_SOURCE_DIR) + "/scripts/mariadb-test-server.sh", verb});
    return r.exit_code == 0 ? "" : r.output;
}

class ServerOnMariaDb : public ::testing::Test {
  protected:
    ServerOnMariaDb() : ca_(tmp_ / "ca") {}
    void SetUp() override {
        if (env("SECURECHAT_TEST_MARIADB_SOCKET").empty()) {
            if (env("SECURECHAT_SKIP_MARIADB") == "1") {
                GTEST_SKIP() << "MariaDB tests were skipped (SECURECHAT_SKIP_MARIADB=1)";
            }
            FAIL() << "no MariaDB to test against: run scripts/mariadb-test-server.sh start and "
                      "eval \"$(scripts/mariadb-test-server.sh env)\" (scripts/test.sh does), or "
                      "set SECURECHAT_SKIP_MARIADB=1";
        }
        auto s = test_settings(ca_, tmp_ / "data");
        s.database.backend = store::Backend::mysql;
        s.database.mysql.unix_socket = env("SECURECHAT_TEST_MARIADB_SOCKET");
        s.database.mysql.user = env("SECURECHAT_TEST_MARIADB_USER");
        s.database.mysql.password = env("SECURECHAT_TEST_MARIADB_PASSWORD");
        s.database.mysql.database = env("SECURECHAT_TEST_MARIADB_DATABASE");
        server_ = std::make_unique<RunningServer>(std::move(s));
        ASSERT_NE(server_->port(), 0);
        suffix_ = std::to_string(std::random_device{}() % 1000000);
    }
    std::unique_ptr<NetClient> connect() {
        return NetClient::connect(server_->port(), ca_.client_config());
    }
    std::string user(const std::string& base) { return base + suffix_; }

    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<RunningServer> server_;
    std::string suffix_;
};

TEST_F(ServerOnMariaDb, DatabaseOutageIsReportedAndTheServerRecovers) {
    auto alice = connect();
    ASSERT_TRUE(alice->register_user(user("alice") + "@example.com", user("alice"),
                                     "correct horse battery"))
        << alice->peer_error();
    struct Restart {
        ~Restart() { (void)run_script("start"); }
    } restart;
    ASSERT_EQ(run_script("stop"), "");

    auto bob = connect();
    auto begin = std::chrono::steady_clock::now();
    EXPECT_FALSE(
        bob->register_user(user("bob") + "@example.com", user("bob"), "correct horse battery"));
    EXPECT_EQ(bob->peer_error().rfind("unavailable:", 0), 0u) << bob->peer_error();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
    // Logged-in users do not need the database to chat.
    EXPECT_TRUE(alice->chat("the database is down but I am not"));

    ASSERT_EQ(run_script("start"), "");
    auto again = connect();
    EXPECT_TRUE(
        again->register_user(user("bob") + "@example.com", user("bob"), "correct horse battery"))
        << again->peer_error();
    auto login = connect();
    EXPECT_TRUE(login->login(user("alice"), "correct horse battery")) << login->peer_error();
}

}  // namespace
}  // namespace sc::test
