// The full-screen interface driven for real in tmux (send-keys, capture-pane) against a real
// server: log in, send a message and see its acknowledgement mark, resize, /quit with receipts,
// and the terminal restored — also when the client crashes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "server_fixture.h"
#include "support/run_command.h"
#include "tmux.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class TerminalUi : public ::testing::Test {
  protected:
    TerminalUi() : ca_(tmp_ / "ca") {}
    void SetUp() override {
        if (run_command({"tmux", "-V"}).exit_code != 0) {
            FAIL() << "tmux is missing (scripts/setup.sh installs it)";
        }
        server_ = std::make_unique<RunningServer>(test_settings(ca_, tmp_ / "data"));
        // An account to log in to.
        auto c = NetClient::connect(server_->port(), ca_.client_config());
        ASSERT_TRUE(c->register_user("a@example.com", "alice", "correct horse battery"));
        ASSERT_TRUE(c->close_with_receipts());
    }
    std::string chat_command() const {
        return securechat_binary() + " chat --server 127.0.0.1:" + std::to_string(server_->port()) +
               " --ca " + (ca_.dir / "ca.crt").string() + " --cert " +
               (ca_.dir / "client.crt").string() + " --key " + (ca_.dir / "client.key").string() +
               " --server-name server --data-dir " + (tmp_ / "client").string();
    }
    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(TerminalUi, LoginMessageAckResizeQuitAndTheTerminalIsRestored) {
    Tmux tmux(tmp_.path());
    // A non-interactive shell: an interactive bash would restore the terminal modes itself
    // after a crash, hiding whether the client did.
    tmux.line("sh -c 'stty -g > before.txt; " + chat_command() +
              "; stty -g > after.txt'; echo UI-$((40+2))-EXITED");
    ASSERT_TRUE(tmux.wait_for("connected to 127.0.0.1")) << tmux.screen();
    EXPECT_NE(tmux.screen().find("not logged in"), std::string::npos) << "status bar";

    tmux.line("/login alice");
    ASSERT_TRUE(tmux.wait_for("password for alice:")) << tmux.screen();
    tmux.line("correct horse battery");
    ASSERT_TRUE(tmux.wait_for("logged in as alice")) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("correct horse battery"), std::string::npos)
        << "the password was shown:\n"
        << tmux.screen();
    EXPECT_NE(tmux.screen().find("user alice"), std::string::npos) << tmux.screen();
    EXPECT_NE(tmux.screen().find("key age"), std::string::npos) << tmux.screen();

    tmux.line("hello from the terminal");
    ASSERT_TRUE(tmux.wait_for("hello from the terminal ✓")) << tmux.screen();

    tmux.resize(60, 14);
    ASSERT_TRUE(tmux.wait_for("user alice")) << tmux.screen();
    auto rows = tmux.screen();
    auto lines = std::count(rows.begin(), rows.end(), '\n');
    EXPECT_LE(lines, 14) << rows;
    EXPECT_NE(rows.find("hello from the terminal ✓"), std::string::npos) << rows;

    tmux.line("/quit");
    ASSERT_TRUE(tmux.wait_for("UI-42-EXITED")) << tmux.screen();
    auto after = tmux.scrollback();
    EXPECT_NE(after.find("Session ended properly"), std::string::npos) << after;
    EXPECT_NE(after.find("securechat verify"), std::string::npos) << after;
    auto before_modes = read_file(tmp_ / "before.txt");
    auto after_modes = read_file(tmp_ / "after.txt");
    ASSERT_TRUE(before_modes && after_modes);
    EXPECT_EQ(*before_modes, *after_modes) << "terminal modes were not restored";
}

TEST_F(TerminalUi, WrongPasswordIsShownPlainly) {
    Tmux tmux(tmp_.path());
    tmux.line(chat_command());
    ASSERT_TRUE(tmux.wait_for("connected to 127.0.0.1")) << tmux.screen();
    tmux.line("/login alice");
    ASSERT_TRUE(tmux.wait_for("password for alice:"));
    tmux.line("not the password");
    ASSERT_TRUE(tmux.wait_for("wrong username or password")) << tmux.screen();
    tmux.line("/quit");
}

TEST_F(TerminalUi, ACrashStillRestoresTheTerminal) {
    Tmux tmux(tmp_.path());
    // A non-interactive shell: an interactive bash would restore the terminal modes itself
    // after a crash, hiding whether the client did.
    tmux.line("sh -c 'stty -g > before.txt; " + chat_command() +
              "; stty -g > after.txt'; echo UI-$((40+2))-EXITED");
    ASSERT_TRUE(tmux.wait_for("connected to 127.0.0.1")) << tmux.screen();
    // Our client only: its command line has this test's own data dir, and its name is securechat
    // (the sh around it has the same text in its command line).
    auto pids = run_command({"pgrep", "-f", (tmp_ / "client").string()});
    int killed = 0;
    std::istringstream list(pids.output);
    for (pid_t pid = 0; list >> pid;) {
        auto comm = read_text("/proc/" + std::to_string(pid) + "/comm");
        if (comm.rfind("securechat", 0) == 0) {
            killed += ::kill(pid, SIGSEGV) == 0 ? 1 : 0;
        }
    }
    ASSERT_EQ(killed, 1) << pids.output;
    ASSERT_TRUE(tmux.wait_for("UI-42-EXITED")) << tmux.screen();
    auto before_modes = read_file(tmp_ / "before.txt");
    auto after_modes = read_file(tmp_ / "after.txt");
    ASSERT_TRUE(before_modes && after_modes);
    EXPECT_EQ(*before_modes, *after_modes) << "terminal modes were not restored after a crash";
}

// A server certificate whose name holds a set-title and a clear-screen sequence (and a C1 CSI
// and a bidi override): the refusal is drawn with them made visible, and the terminal's title
// is untouched (M1).
TEST_F(TerminalUi, M1_EscapesInTheServerCertificateNameAreDrawnInert) {
    const std::string cn = "\x1b]2;owned\x07\x1b[2J\xc2\x9b\xe2\x80\xaeTRUSTED";
    auto key = tmp_ / "evil.key";
    auto cert = tmp_ / "evil.crt";
    auto made = run_command({"openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout",
                             key.string(), "-out", cert.string(), "-days", "2", "-utf8", "-subj",
                             "/CN=" + cn, "-addext", "subjectAltName=DNS:server"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto settings = test_settings(ca_, tmp_ / "evil-data");
    settings.cert = cert;
    settings.key = key;
    RunningServer evil(std::move(settings));

    Tmux tmux(tmp_.path());
    tmux.line(securechat_binary() + " chat --server 127.0.0.1:" + std::to_string(evil.port()) +
              " --ca " + (ca_.dir / "ca.crt").string() + " --cert " +
              (ca_.dir / "client.crt").string() + " --key " + (ca_.dir / "client.key").string() +
              " --server-name server --data-dir " + (tmp_ / "client").string());
    ASSERT_TRUE(tmux.wait_for("TRUSTED")) << tmux.screen();
    auto screen = tmux.screen();
    // (The pane wraps the long line, so the check stops before the wrap.)
    EXPECT_NE(screen.find("'\\x1b]2;owned\\x07\\x1b[2J"), std::string::npos) << screen;
    auto title = tmux.tmux({"display-message", "-p", "-t", "t", "#{pane_title}"}).output;
    EXPECT_EQ(title.find("owned"), std::string::npos) << title;
    tmux.line("/quit");
}

}  // namespace
}  // namespace sc::test
