// Untrusted text end to end (security review M1, L2): the real `securechat` binary facing a fake
// server that sends escape sequences before any handshake, a server whose certificate name holds
// them, `pki show` of that certificate, and the server's log lines.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "server/log.h"
#include "server_fixture.h"
#include "support/run_command.h"
#include "unit/client/control_corpus.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Accepts one connection on loopback, waits for the client's first bytes (its hello), answers
// with one frame (u32 big-endian length ‖ payload), then waits for the client to hang up.
class OneFrameServer {
  public:
    explicit OneFrameServer(std::string payload) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(fd_, 1), 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this, payload = std::move(payload)] { serve(payload); });
    }
    ~OneFrameServer() {
        ::shutdown(fd_, SHUT_RDWR);  // ends a still-waiting accept
        thread_.join();
        ::close(fd_);
    }
    unsigned short port() const { return port_; }
    bool answered() const { return answered_; }

  private:
    void serve(const std::string& payload) {
        int conn = ::accept(fd_, nullptr, nullptr);
        if (conn < 0) {
            return;
        }
        timeval tv{10, 0};  // bounds the test if the client never speaks or never leaves
        ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        if (::recv(conn, buf, sizeof buf, 0) > 0) {
            auto n = static_cast<std::uint32_t>(payload.size());
            std::string frame{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                              static_cast<char>(n >> 8), static_cast<char>(n)};
            frame += payload;
            answered_ = ::send(conn, frame.data(), frame.size(), MSG_NOSIGNAL) ==
                        static_cast<ssize_t>(frame.size());
            while (::recv(conn, buf, sizeof buf, 0) > 0) {
            }
        }
        ::close(conn);
    }

    int fd_ = -1;
    unsigned short port_ = 0;
    std::thread thread_;
    bool answered_ = false;
};

class UntrustedText : public ::testing::Test {
  protected:
    UntrustedText() : ca(tmp / "ca") {}

    CommandResult chat(unsigned short port, const std::string& mode) const {
        return run_command_with_input(
            {securechat_binary(), "chat", mode, "--server", "127.0.0.1:" + std::to_string(port),
             "--server-name", "server", "--ca", (ca.dir / "ca.crt").string(), "--cert",
             (ca.dir / "client.crt").string(), "--key", (ca.dir / "client.key").string(),
             "--data-dir", (tmp / "client-data").string(), "--timeout", "5"},
            "");
    }

    TempDir tmp;
    TestCa ca;
};

// The review's repro: an `error` frame in plaintext before the handshake, from anyone on path.
TEST_F(UntrustedText, M1_PlaintextErrorBeforeTheHandshakeCannotReachTheTerminal) {
    const std::string frame =
        R"({"type":"error","code":"x\u001b]0;T\u0007","message":"\u001b[2J\u009b\u202e"})";
    {
        OneFrameServer fake(frame);
        auto run = chat(fake.port(), "--plain");
        EXPECT_TRUE(fake.answered());
        EXPECT_NE(run.exit_code, 0);
        EXPECT_EQ(run.output.find('\x1b'), std::string::npos) << run.output;
        EXPECT_EQ(raw_control_in(run.output, true), "") << run.output;
        // Still readable: the user sees what the server sent, made visible.
        EXPECT_NE(run.output.find("x\\x1b]0;T\\x07"), std::string::npos) << run.output;
        EXPECT_NE(run.output.find("\\x1b[2J\\u{009B}\\u{202E}"), std::string::npos) << run.output;
    }
    {
        OneFrameServer fake(frame);
        auto run = chat(fake.port(), "--json");
        EXPECT_TRUE(fake.answered());
        EXPECT_EQ(raw_control_in(run.output, true), "") << run.output;
        std::istringstream lines(run.output);
        std::string line;
        bool error_seen = false;
        while (std::getline(lines, line)) {
            auto event = json::parse(line, nullptr, false);
            ASSERT_FALSE(event.is_discarded()) << line;
            error_seen = error_seen || event.value("event", "") == "error";
        }
        EXPECT_TRUE(error_seen) << run.output;
    }
}

// A certificate whose CN holds escapes: `pki show`, and the client refusing it as the server's.
TEST_F(UntrustedText, M1_CertificateNameWithEscapesIsShownInert) {
    const std::string cn = "\x1b]0;owned\x07\x1b[2J\xc2\x9b\xe2\x80\xaeTRUSTED";
    auto key = tmp / "evil.key";
    auto cert = tmp / "evil.crt";
    auto made = run_command({"openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout",
                             key.string(), "-out", cert.string(), "-days", "2", "-utf8", "-subj",
                             "/CN=" + cn, "-addext", "subjectAltName=DNS:server"});
    ASSERT_EQ(made.exit_code, 0) << made.output;

    auto shown = run_command({securechat_binary(), "pki", "show", cert.string()});
    EXPECT_EQ(shown.exit_code, 0) << shown.output;
    EXPECT_EQ(raw_control_in(shown.output, true), "") << shown.output;
    EXPECT_NE(shown.output.find("TRUSTED"), std::string::npos) << shown.output;

    auto settings = test_settings(ca, tmp / "server-data");
    settings.cert = cert;
    settings.key = key;
    RunningServer server(std::move(settings));
    auto run = chat(server.port(), "--plain");
    EXPECT_NE(run.exit_code, 0);
    EXPECT_EQ(raw_control_in(run.output, true), "") << run.output;
    // The refusal names the certificate, made visible rather than dropped.
    EXPECT_NE(run.output.find("\\x1b]0;owned\\x07\\x1b[2J"), std::string::npos) << run.output;
}

TEST(Hardening, L2_LogLinesHoldNoControlsAndNoInvalidUsernames) {
    for (const auto& s : control_corpus()) {
        auto line = server::log::format_event("session_failed", {{"reason", s}, {"peer", s}});
        EXPECT_EQ(raw_control_in(line), "") << line;
        EXPECT_EQ(line.find('\n'), std::string::npos);
    }
    // The review's repro (an unknown JSON key quoted in the reason) and an unambiguous encoding:
    // a real ESC and the four characters "\x1b" are written differently.
    EXPECT_EQ(server::log::format_event("session_failed",
                                        {{"reason", "unknown field \"\x1b[31mEVIL\rFAKE\""}}),
              R"(event=session_failed reason="unknown field \"\x1b[31mEVIL\x0dFAKE\"")");
    EXPECT_EQ(server::log::format_event("e", {{"a", "\x1b"}, {"b", "\\x1b"}}),
              R"(event=e a="\x1b" b="\\x1b")");
    EXPECT_EQ(server::log::format_event("e", {{"a", "x=1 y"}, {"b", "caf\xc3\xa9"}}),
              "event=e a=\"x=1 y\" b=\"caf\xc3\xa9\"");
    // An attempted username that breaks the account rules is often a mistyped password.
    EXPECT_EQ(server::log::format_event("login_failed", {{"user", "alice"}}),
              "event=login_failed user=alice");
    EXPECT_EQ(server::log::format_event("login_failed", {{"user", "hunter2 secret!"}}),
              "event=login_failed user=<invalid>");
    EXPECT_EQ(server::log::format_event("login_failed", {{"user", "\x1b[2Jalice"}}),
              "event=login_failed user=<invalid>");
}

// [log] format = "json": the same events, one JSON object's members per line, with nothing but
// printable ASCII in them (controls, bidi overrides and invalid UTF-8 escaped), and the same
// rule for attempted usernames.
TEST(Hardening, L2_JsonLogLinesAreJsonWithNoControlsAndNoInvalidUsernames) {
    for (const auto& s : control_corpus()) {
        auto members = server::log::format_event_json("session_failed", {{"reason", s}});
        EXPECT_EQ(raw_control_in(members), "") << members;
        for (char c : members) {
            EXPECT_TRUE(c >= 0x20 && c < 0x7f) << members;  // char is signed: no high bytes
        }
        auto object = nlohmann::json::parse("{" + members + "}", nullptr, false);
        ASSERT_TRUE(object.is_object()) << members;
        EXPECT_EQ(object.value("event", ""), "session_failed");
    }
    EXPECT_EQ(server::log::format_event_json("e", {{"b", "x"}, {"a", "\x1b\u202e"}}),
              R"("event":"e","b":"x","a":"\u001b\u202e")");
    EXPECT_EQ(server::log::format_event_json("login_failed", {{"user", "hunter2 secret!"}}),
              R"("event":"login_failed","user":"<invalid>")");
}

}  // namespace
}  // namespace sc::test
