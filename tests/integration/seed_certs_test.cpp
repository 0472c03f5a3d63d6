// The seeds' certificates (made by hand with `openssl x509 -req`: no extensions at all, so no
// extendedKeyUsage) since review L11: refused by default on both sides, accepted end to end when
// the operator and the user opt in with --allow-legacy-seed-certs.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;

class SeedCertificates : public ::testing::Test {
  protected:
    void SetUp() override {
        auto d = [&](const std::string& f) { return (seeds() / f).string(); };
        fs::create_directories(seeds());
        ASSERT_EQ(openssl({"genrsa", "-out", d("ca.key"), "2048"}), 0);
        ASSERT_EQ(openssl({"req", "-x509", "-new", "-nodes", "-key", d("ca.key"), "-sha256",
                           "-days", "365", "-out", d("ca.crt"), "-subj", "/O=SecureChat/CN=ca"}),
                  0);
        for (const std::string who : {"server", "client"}) {
            ASSERT_EQ(openssl({"genrsa", "-out", d(who + ".key"), "2048"}), 0);
            ASSERT_EQ(openssl({"req", "-new", "-key", d(who + ".key"), "-out", d(who + ".csr"),
                               "-subj", "/O=SecureChat/CN=" + who}),
                      0);
            ASSERT_EQ(openssl({"x509", "-req", "-in", d(who + ".csr"), "-CA", d("ca.crt"), "-CAkey",
                               d("ca.key"), "-CAcreateserial", "-out", d(who + ".crt"), "-days",
                               "365", "-sha256"}),
                      0);
        }
    }

    static int openssl(std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        auto r = run_command(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.exit_code;
    }

    void start_server(bool allow_legacy) {
        auto s = test_settings(ca, tmp / ("server-data-" + std::to_string(servers_++)));
        s.cert = seeds() / "server.crt";
        s.key = seeds() / "server.key";
        s.ca = seeds() / "ca.crt";
        s.security.allow_legacy_seed_certs = allow_legacy;
        server.reset();
        server = std::make_unique<RunningServer>(std::move(s));
    }

    CommandResult chat(bool allow_legacy) const {
        std::vector<std::string> args{securechat_binary(),
                                      "chat",
                                      "--json",
                                      "--server",
                                      "127.0.0.1:" + std::to_string(server->port()),
                                      "--server-name",
                                      "server",
                                      "--ca",
                                      (seeds() / "ca.crt").string(),
                                      "--cert",
                                      (seeds() / "client.crt").string(),
                                      "--key",
                                      (seeds() / "client.key").string(),
                                      "--data-dir",
                                      (tmp / "client-data").string(),
                                      "--timeout",
                                      "5"};
        if (allow_legacy) {
            args.emplace_back("--allow-legacy-seed-certs");
        }
        return run_command_with_input(
            args, "/register seed@example.com seeduser correct-horse-battery\nhello\n");
    }

    fs::path seeds() const { return tmp / "seeds"; }

    TempDir tmp;
    TestCa ca{tmp / "ca"};  // only for test_settings' defaults; the seeds' files replace it
    std::unique_ptr<RunningServer> server;
    int servers_ = 0;
};

TEST_F(SeedCertificates, Hardening_L11_ConnectOnlyWhenBothSidesOptIn) {
    // The client refuses the server's certificate: it has no EKU, so it is no server certificate.
    start_server(/*allow_legacy=*/true);
    auto r = chat(/*allow_legacy=*/false);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("wrong_purpose"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("\"registered\""), std::string::npos) << r.output;

    // The server refuses the client's certificate for the same reason.
    start_server(/*allow_legacy=*/false);
    r = chat(/*allow_legacy=*/true);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("bad_certificate"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("\"registered\""), std::string::npos) << r.output;

    // Both opted in: register, chat, receipts.
    start_server(/*allow_legacy=*/true);
    r = chat(/*allow_legacy=*/true);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"registered\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"receipt_saved\""), std::string::npos) << r.output;

    // The session's evidence verifies offline with the same opt-in, and only with it.
    nlohmann::json saved;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
        auto event = nlohmann::json::parse(line, nullptr, false);
        if (event.is_object() && event.value("event", "") == "receipt_saved") {
            saved = event;
        }
    }
    ASSERT_TRUE(saved.is_object()) << r.output;
    std::vector<std::string> verify{securechat_binary(),
                                    "verify",
                                    saved["transcript"].get<std::string>(),
                                    saved["peer_receipt"].get<std::string>(),
                                    "--cert",
                                    saved["peer_cert"].get<std::string>(),
                                    "--ca",
                                    (seeds() / "ca.crt").string()};
    auto strict = run_command(verify);
    EXPECT_EQ(strict.exit_code, 1) << strict.output;
    EXPECT_NE(strict.output.find("wrong_purpose"), std::string::npos) << strict.output;
    verify.emplace_back("--allow-legacy-seed-certs");
    auto legacy = run_command(verify);
    EXPECT_EQ(legacy.exit_code, 0) << legacy.output;
    EXPECT_EQ(legacy.output.rfind("OK: ", 0), 0u) << legacy.output;
}

}  // namespace
}  // namespace sc::test
