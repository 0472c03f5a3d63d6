// The real `securechat server` process: --check-config, SIGTERM (receipts, exit 0), SIGHUP
// (a revoked client is cut off, others stay), and kill -9 during registrations (no account is
// ever half-written).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "pki/ca_directory.h"
#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class ServerProcess {
  public:
    explicit ServerProcess(std::vector<std::string> args) {
        int out[2];
        EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
        // Everything the child needs is built before fork (no allocation after it: this test
        // process has threads).
        std::string bin = securechat_binary();
        std::vector<char*> argv;
        argv.push_back(bin.data());
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            int null_fd = open("/dev/null", O_WRONLY);
            dup2(null_fd, STDERR_FILENO);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(out[1]);
        // "listening on 127.0.0.1:PORT"
        std::string line;
        char c;
        while (read(out[0], &c, 1) == 1 && c != '\n') {
            line += c;
        }
        close(out[0]);
        auto colon = line.rfind(':');
        if (line.rfind("listening on", 0) == 0 && colon != std::string::npos) {
            port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
        }
    }
    ~ServerProcess() {
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    unsigned short port() const { return port_; }
    void signal(int sig) { kill(pid_, sig); }
    // Exit code, or 128 + signal; -1 on timeout.
    int wait(std::chrono::seconds timeout = 20s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

  private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    bool exited_ = false;
};

class ServerProcessTest : public ::testing::Test {
  protected:
    ServerProcessTest() : ca_(tmp_ / "ca") {}
    std::vector<std::string> args(std::vector<std::string> extra = {}) {
        std::vector<std::string> a{"server",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--cert",
                                   (ca_.dir / "server.crt").string(),
                                   "--key",
                                   (ca_.dir / "server.key").string(),
                                   "--ca",
                                   (ca_.dir / "ca.crt").string(),
                                   "--data-dir",
                                   (tmp_ / "data").string(),
                                   "--set",
                                   "security.argon2_opslimit=1",
                                   "--set",
                                   "security.argon2_memlimit=8388608"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    TempDir tmp_;
    TestCa ca_;
};

TEST_F(ServerProcessTest, CheckConfigAcceptsGoodSettingsAndNamesProblems) {
    auto good = args({"--check-config"});
    good.insert(good.begin(), securechat_binary());
    auto r = run_command(good);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("configuration OK"), std::string::npos);

    write_text(tmp_ / "bad.toml",
               "listen = \"127.0.0.1:6000\"\ncert = \"/nonexistent.crt\"\n"
               "[limits]\nidle_timeout = 5\n");
    r = run_command({securechat_binary(), "server", "--config", (tmp_ / "bad.toml").string(),
                     "--check-config"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("unknown setting 'idle_timeout'"), std::string::npos) << r.output;

    write_text(tmp_ / "bad2.toml", "cert = \"/nonexistent.crt\"\n");
    r = run_command({securechat_binary(), "server", "--config", (tmp_ / "bad2.toml").string(),
                     "--check-config"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
}

TEST_F(ServerProcessTest, TomlConfigFileWorks) {
    write_text(tmp_ / "server.toml",
               "listen = [\"127.0.0.1:0\"]\n"
               "cert = \"" +
                   (ca_.dir / "server.crt").string() +
                   "\"\n"
                   "key = \"" +
                   (ca_.dir / "server.key").string() +
                   "\"\n"
                   "ca = \"" +
                   (ca_.dir / "ca.crt").string() +
                   "\"\n"
                   "data_dir = \"" +
                   (tmp_ / "data").string() +
                   "\"\n"
                   "[security]\nargon2_opslimit = 1\nargon2_memlimit = 8388608\n"
                   "allowed_client_names = [\"client\"]\n"
                   "[limits]\nidle_timeout_s = 60\n");
    ServerProcess server({"server", "--config", (tmp_ / "server.toml").string()});
    ASSERT_NE(server.port(), 0);
    auto c = NetClient::connect(server.port(), ca_.client_config());
    ASSERT_TRUE(c->register_user("a@example.com", "alice", "correct horse battery"))
        << c->peer_error();
    EXPECT_TRUE(std::filesystem::exists(tmp_ / "data" / "securechat.db"));
}

TEST_F(ServerProcessTest, SigtermExchangesReceiptsAndExitsZero) {
    ServerProcess server(args());
    ASSERT_NE(server.port(), 0);
    auto alice = NetClient::connect(server.port(), ca_.client_config());
    ASSERT_TRUE(alice->register_user("a@example.com", "alice", "correct horse battery"));
    ASSERT_TRUE(alice->chat("hello"));
    server.signal(SIGTERM);
    EXPECT_TRUE(alice->wait_for([](const NetClient::Events& ev) {
        for (const auto& e : ev) {
            if (std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
                return true;
            }
        }
        return false;
    }));
    EXPECT_EQ(server.wait(), 0);
    std::size_t receipts = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp_ / "data" / "transcripts")) {
        receipts += e.path().string().ends_with(".receipt.peer.json") ? 1U : 0U;
    }
    EXPECT_EQ(receipts, 1u);
}

TEST_F(ServerProcessTest, SighupReloadsTheCrlAndCutsOffTheRevokedClientOnly) {
    ASSERT_TRUE(pki::publish_crl({.dir = ca_.dir}));
    ServerProcess server(args({"--crl", (ca_.dir / "ca.crl").string()}));
    ASSERT_NE(server.port(), 0);
    auto revoked = NetClient::connect(server.port(), ca_.client_config("bob"));
    ASSERT_TRUE(revoked->register_user("b@example.com", "bob", "correct horse battery"));
    auto staying = NetClient::connect(server.port(), ca_.client_config("client"));
    ASSERT_TRUE(staying->register_user("a@example.com", "alice", "correct horse battery"));

    ASSERT_TRUE(pki::revoke_certificate(ca_.dir, ca_.dir / "bob.crt"));
    ASSERT_TRUE(pki::publish_crl({.dir = ca_.dir}));
    server.signal(SIGHUP);
    EXPECT_TRUE(revoked->wait_closed(10s));
    EXPECT_NE(revoked->peer_error().find("revoked"), std::string::npos) << revoked->peer_error();
    EXPECT_TRUE(staying->chat("still connected"));
    // New connections with the revoked certificate are refused.
    auto again = NetClient::connect(server.port(), ca_.client_config("bob"));
    again->submit(again->session().start());
    again->wait_closed(5s);
    EXPECT_NE(again->peer_error().find("revoked"), std::string::npos) << again->peer_error();
}

TEST_F(ServerProcessTest, KillNineDuringRegistrationsLeavesNoHalfWrittenAccount) {
    constexpr int kUsers = 40;
    {
        ServerProcess server(args());
        ASSERT_NE(server.port(), 0);
        std::vector<std::thread> threads;
        std::atomic<int> registered{0};
        for (int i = 0; i < kUsers; ++i) {
            threads.emplace_back([&, i] {
                auto c = NetClient::connect(server.port(), ca_.client_config());
                if (!c) {
                    return;
                }
                std::string u = "user" + std::to_string(i);
                if (c->register_user(u + "@example.com", u, "correct horse battery")) {
                    ++registered;
                }
            });
        }
        // Kill while registrations are still being written.
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (registered < kUsers / 4 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        server.signal(SIGKILL);
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_LT(registered.load(), kUsers) << "the kill came too late to interrupt anything";
        EXPECT_EQ(server.wait(), 128 + SIGKILL);
    }
    // Restarted on the same database: every account either works completely or does not exist.
    ServerProcess server(args());
    ASSERT_NE(server.port(), 0);
    int present = 0;
    // Registering first tells absent from present without failed logins (which would be
    // throttled); every present account must then log in with its password.
    for (int i = 0; i < kUsers; ++i) {
        std::string u = "user" + std::to_string(i);
        auto reg = NetClient::connect(server.port(), ca_.client_config());
        if (reg->register_user(u + "@example.com", u, "correct horse battery")) {
            continue;  // it was absent: the kill came before its row was committed
        }
        EXPECT_NE(reg->peer_error().find("cannot be used"), std::string::npos)
            << u << ": " << reg->peer_error();
        auto login = NetClient::connect(server.port(), ca_.client_config());
        EXPECT_TRUE(login->login(u, "correct horse battery"))
            << u << " exists but cannot log in (half-written?): " << login->peer_error();
        ++present;
    }
    std::cout << "accounts that survived kill -9: " << present << " of " << kUsers << "\n";
    EXPECT_GT(present, 0) << "registrations confirmed before the kill must have survived it";
}

}  // namespace
}  // namespace sc::test
