// `securechat server --check-config` (issue 15, item 3): everything a start needs, tried
// without starting, every problem named. server::check_startup directly, then the CLI.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "pki/ca_directory.h"
#include "server/startup.h"
#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) {
        out += p + "\n";
    }
    return out;
}

bool names(const std::vector<std::string>& problems, const std::string& text) {
    return joined(problems).find(text) != std::string::npos;
}

class CheckConfig : public ::testing::Test {
  protected:
    CheckConfig() : ca_(tmp_ / "ca"), settings_(test_settings(ca_, tmp_ / "data")) {
        settings_.listen = {"127.0.0.1:0"};
    }
    TempDir tmp_;
    TestCa ca_;
    server::Settings settings_;
};

TEST_F(CheckConfig, GoodSettingsHaveNoProblemAndCreateNothing) {
    EXPECT_EQ(joined(server::check_startup(settings_)), "");
    // Checked, not started: no data directory, no database made.
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "data"));
}

TEST_F(CheckConfig, AKeyThatIsNotTheCertificatesIsNamed) {
    settings_.key = ca_.dir / "client.key";
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "is not the key of")) << joined(problems);
}

TEST_F(CheckConfig, ACertificateFromAnotherCaIsNamed) {
    TestCa other(tmp_ / "other-ca");
    settings_.ca = other.dir / "ca.crt";
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "would be refused by its clients")) << joined(problems);
}

TEST_F(CheckConfig, AnExpiredServerCertificateIsNamed) {
    pki::IssueRequest old;
    old.dir = ca_.dir;
    old.name = "old-server";
    old.extra_sans = {"IP:127.0.0.1"};
    old.days = 1;
    old.now = std::chrono::system_clock::now() - 48h;
    auto issued = pki::issue_certificate(old);
    ASSERT_TRUE(issued) << issued.error().message;
    settings_.cert = issued->cert_file;
    settings_.key = issued->key_file;
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "would be refused by its clients")) << joined(problems);
    EXPECT_TRUE(names(problems, "expired")) << joined(problems);
}

TEST_F(CheckConfig, APortInUseIsNamed) {
    asio::io_context io;
    asio::ip::tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = taken.local_endpoint().port();
    settings_.listen = {"127.0.0.1:" + std::to_string(port)};
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "cannot listen on 127.0.0.1:" + std::to_string(port)))
        << joined(problems);
}

TEST_F(CheckConfig, AMetricsPortInUseIsNamed) {
    asio::io_context io;
    asio::ip::tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto listen = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
    settings_.metrics.listen = listen;
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "cannot listen on " + listen)) << joined(problems);
}

TEST_F(CheckConfig, AStoreThatCannotBeReachedIsNamed) {
    write_text(tmp_ / "a-file", "not a directory\n");
    settings_.data_dir = tmp_ / "a-file" / "data";
    auto problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "is not a directory")) << joined(problems);

    // MariaDB where nothing listens: the connection's own error, named.
    asio::io_context io;
    asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = closed.local_endpoint().port();
    closed.close();
    settings_.data_dir = tmp_ / "data";
    settings_.database.backend = store::Backend::mysql;
    settings_.database.mysql.host = "127.0.0.1";
    settings_.database.mysql.port = port;
    problems = server::check_startup(settings_);
    EXPECT_TRUE(names(problems, "store: MySQL/MariaDB")) << joined(problems);
}

TEST_F(CheckConfig, TheCliNamesEveryProblemOneALineAndExitsOne) {
    TestCa other(tmp_ / "other-ca");
    asio::io_context io;
    asio::ip::tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto listen = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
    auto r =
        run_command({securechat_binary(), "server", "--listen", listen, "--cert",
                     (ca_.dir / "server.crt").string(), "--key", (ca_.dir / "client.key").string(),
                     "--ca", (other.dir / "ca.crt").string(), "--data-dir",
                     (tmp_ / "data").string(), "--check-config"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("configuration is invalid (2 problems)"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("  - server certificate and key: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  - cannot listen on " + listen), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sc::test
