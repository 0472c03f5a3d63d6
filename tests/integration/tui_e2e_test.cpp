// The real terminal UI binary end to end (issue 11): alice in the full-screen client, driven in
// tmux, bob and carol as line-mode JSON peers (`securechat chat --json`), all on a real server
// over loopback with their own certificates from `securechat pki`. What alice sees: the
// conversation bar with unread counts and presence, switching by Ctrl-N / Ctrl-P and /open, a
// delivery mark that changes when bob's signed delivered statement arrives, and /details of a
// message, which shows what protects it and never a key. Every step waits for what the screen
// or a peer shows, nothing for a time.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/files.h"
#include "e2e_fixture.h"
#include "server_fixture.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "tmux.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;

class TuiE2e : public ::testing::Test {
  protected:
    TuiE2e() : ca_(tmp_ / "ca") {
        server::Settings s;
        s.listen = {"127.0.0.1:0"};
        s.cert = ca_.dir / "server.crt";
        s.key = ca_.dir / "server.key";
        s.ca = ca_.dir / "ca.crt";
        s.data_dir = tmp_ / "server-data";
        s.log_level = "warn";
        s.security.argon2_opslimit = 1;
        s.security.argon2_memlimit = 8 * 1024 * 1024;
        s.limits.io_threads = 2;
        server_ = std::make_unique<RunningServer>(std::move(s));
    }
    void SetUp() override {
        if (run_command({"tmux", "-V"}).exit_code != 0) {
            FAIL() << "tmux is missing (scripts/setup.sh installs it)";
        }
    }

    // A line-mode peer, registered, once its prekeys are on the server.
    std::unique_ptr<JsonChat> peer(const std::string& user) {
        auto chat =
            std::make_unique<JsonChat>(chat_argv(ca_.dir / "ca.crt", server_->port(),
                                                 ca_.cert(user), ca_.key(user), data_dir(user)),
                                       user);
        chat->say("/register " + user + "@example.org " + user + " " + password(user));
        chat->take("registered");
        EXPECT_TRUE(wait_for_prekey(database(), fingerprint_of(ca_.cert(user))));
        return chat;
    }
    std::string alice_command() const {
        return securechat_binary() + " chat --server 127.0.0.1:" + std::to_string(server_->port()) +
               " --server-name server --ca " + (ca_.dir / "ca.crt").string() + " --cert " +
               ca_.cert("alice", "laptop").string() + " --key " +
               ca_.key("alice", "laptop").string() + " --data-dir " + data_dir("alice").string();
    }
    fs::path data_dir(const std::string& user) const { return tmp_ / ("data-" + user); }
    fs::path database() const { return tmp_ / "server-data" / "securechat.db"; }
    static std::string password(const std::string& user) { return user + "-long-password"; }

    // The conversation bar: the first row of the screen.
    static std::string bar(const Tmux& tmux) {
        auto screen = tmux.screen();
        return screen.substr(0, screen.find('\n'));
    }
    static bool wait_bar(const Tmux& tmux, const std::string& text) {
        auto deadline = std::chrono::steady_clock::now() + kE2eWait;
        while (std::chrono::steady_clock::now() < deadline) {
            if (bar(tmux).find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(50ms);  // polling the screen, not timing it
        }
        return false;
    }
    // `user` asks alice (in the TUI) to be friends and alice accepts; both sides are told.
    void befriend(Tmux& tmux, JsonChat& other, const std::string& user) {
        other.say("/friend request alice");
        ASSERT_TRUE(tmux.wait_for(user + " wants to be your friend", kE2eWait)) << tmux.screen();
        tmux.line("/friend accept " + user);
        other.take("friend_added", with("user", "alice"));
        ASSERT_TRUE(wait_bar(tmux, "● " + user)) << tmux.screen();
    }
    // The one securechat process whose command line names `data`.
    static pid_t pid_of(const fs::path& data) {
        auto pids = run_command({"pgrep", "-f", data.string()});
        std::istringstream list(pids.output);
        pid_t found = -1;
        for (pid_t pid = 0; list >> pid;) {
            auto comm = read_text("/proc/" + std::to_string(pid) + "/comm");
            if (comm.rfind("securechat", 0) == 0) {
                EXPECT_EQ(found, -1) << pids.output;
                found = pid;
            }
        }
        return found;
    }
    // The conversation column with the rows the client wrapped joined again (a continuation
    // row starts with the blanks under the time), the friend pane beside it left out.
    static std::string unwrapped(const std::string& screen) {
        std::string out;
        std::istringstream rows(screen);
        for (std::string row; std::getline(rows, row);) {
            row = row.substr(0, row.find("│"));
            row.erase(row.find_last_not_of(' ') + 1);
            bool continued = row.rfind("           ", 0) == 0 && !out.empty();
            if (continued) {
                out.pop_back();  // the '\n'
                row.erase(0, row.find_first_not_of(' '));
            }
            out += row + "\n";
        }
        return out;
    }
    // The lines of a PEM key file between its BEGIN and END lines.
    static std::vector<std::string> pem_body(const fs::path& key) {
        std::ifstream in(key);
        std::vector<std::string> body;
        for (std::string l; std::getline(in, l);) {
            if (!l.empty() && l.rfind("-----", 0) != 0) {
                body.push_back(l);
            }
        }
        return body;
    }

    TempDir tmp_;
    CliCa ca_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(TuiE2e, ConversationsPresenceMarksAndDetailsWithRealPeers) {
    auto bob = peer("bob");
    auto carol = peer("carol");

    Tmux tmux(tmp_.path());
    tmux.line(alice_command());
    ASSERT_TRUE(tmux.wait_for("connected to 127.0.0.1", kE2eWait)) << tmux.screen();
    tmux.line("/register");
    ASSERT_TRUE(tmux.wait_for("email:")) << tmux.screen();
    tmux.line("alice@example.org");
    ASSERT_TRUE(tmux.wait_for("username:")) << tmux.screen();
    tmux.line("alice");
    ASSERT_TRUE(tmux.wait_for("password:")) << tmux.screen();
    tmux.line(password("alice"));
    ASSERT_TRUE(tmux.wait_for("registered and logged in", kE2eWait)) << tmux.screen();
    ASSERT_TRUE(wait_for_prekey(database(), fingerprint_of(ca_.cert("alice", "laptop"))));

    befriend(tmux, *bob, "bob");
    befriend(tmux, *carol, "carol");
    EXPECT_NE(bar(tmux).find("[server]"), std::string::npos) << bar(tmux);

    // Messages to alice count as unread in the bar while another conversation is open.
    bob->say("/msg alice one from bob");
    ASSERT_TRUE(wait_bar(tmux, "● bob (1)")) << tmux.screen();
    bob->say("/msg alice two from bob");
    ASSERT_TRUE(wait_bar(tmux, "● bob (2)")) << tmux.screen();
    carol->say("/msg alice one from carol");
    ASSERT_TRUE(wait_bar(tmux, "● carol (1)")) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("one from bob"), std::string::npos)
        << "bob's message shows in the server's conversation:\n"
        << tmux.screen();

    // Ctrl-N opens the next conversation (bob's): its messages show and its count clears.
    tmux.tmux({"send-keys", "-t", "t", "C-n"});
    ASSERT_TRUE(wait_bar(tmux, "[● bob]")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("two from bob")) << tmux.screen();
    auto screen = tmux.screen();
    EXPECT_NE(screen.find("one from bob"), std::string::npos) << screen;
    EXPECT_EQ(screen.find("one from carol"), std::string::npos) << screen;
    EXPECT_NE(bar(tmux).find("● carol (1)"), std::string::npos) << bar(tmux);

    // /open carol, then Ctrl-P back to bob.
    tmux.line("/open carol");
    ASSERT_TRUE(wait_bar(tmux, "[● carol]")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("one from carol")) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("two from bob"), std::string::npos) << tmux.screen();
    EXPECT_EQ(bar(tmux).find("(1)"), std::string::npos) << bar(tmux);
    tmux.tmux({"send-keys", "-t", "t", "C-p"});
    ASSERT_TRUE(wait_bar(tmux, "[● bob]")) << tmux.screen();

    // With bob's client stopped, alice's message reaches the server and bob's connection but
    // no delivered statement can come back: the mark says stored (the server's signed
    // statement). Once bob runs again and
    // signs his statement, the mark says delivered.
    pid_t bob_pid = pid_of(data_dir("bob"));
    ASSERT_GT(bob_pid, 0);
    ASSERT_EQ(::kill(bob_pid, SIGSTOP), 0);
    tmux.line("are you there bob");
    ASSERT_TRUE(tmux.wait_for("are you there bob ✓ stored 1/1", kE2eWait)) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("delivered 1/1"), std::string::npos) << tmux.screen();
    ASSERT_EQ(::kill(bob_pid, SIGCONT), 0);
    bob->take("message", with_text("are you there bob"));
    ASSERT_TRUE(tmux.wait_for("are you there bob ✓✓ delivered 1/1", kE2eWait)) << tmux.screen();

    // Presence: carol leaves.
    carol->say("/quit");
    ASSERT_TRUE(wait_bar(tmux, "○ carol")) << tmux.screen();

    // What protects the last message, and no key.
    tmux.line("/details");
    ASSERT_TRUE(tmux.wait_for("details of #")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("no key is shown")) << tmux.screen();
    screen = unwrapped(tmux.screen());
    EXPECT_NE(screen.find("you to bob"), std::string::npos) << screen;
    EXPECT_NE(screen.find("ciphertext: "), std::string::npos) << screen;
    EXPECT_NE(screen.find("…"), std::string::npos) << "the ciphertext is shortened\n" << screen;
    EXPECT_NE(screen.find("signature (by the sender's device key): "), std::string::npos) << screen;
    EXPECT_NE(screen.find("commitment to the text (salted): "), std::string::npos) << screen;
    EXPECT_NE(screen.find("sender key fingerprint (certificate SHA-256): " +
                          fingerprint_of(ca_.cert("alice", "laptop"))),
              std::string::npos)
        << "alice's key fingerprint\n"
        << screen;
    EXPECT_NE(screen.find("ratchet key fingerprint: "), std::string::npos) << screen;
    EXPECT_NE(screen.find(", step n=0 pn=0"), std::string::npos) << screen;
    EXPECT_NE(screen.find("bob on default " + fingerprint_of(ca_.cert("bob")).substr(0, 8) + "…"),
              std::string::npos)
        << screen;
    EXPECT_NE(screen.find(": stored (signed by the server) until "), std::string::npos) << screen;
    EXPECT_NE(screen.find(", delivered at "), std::string::npos) << screen;
    auto everything = tmux.scrollback();
    EXPECT_EQ(everything.find("PRIVATE KEY"), std::string::npos) << everything;
    for (const auto& key : {ca_.key("alice", "laptop"), ca_.key("bob"), ca_.key("carol"),
                            ca_.dir / "server.key", ca_.dir / "ca.key"}) {
        for (const auto& l : pem_body(key)) {
            // Any 16 characters of a key's base64 on screen would be a leak.
            for (std::size_t at = 0; at + 16 <= l.size(); at += 8) {
                EXPECT_EQ(everything.find(l.substr(at, 16)), std::string::npos)
                    << key << " appears on screen\n"
                    << everything;
            }
        }
    }
    tmux.line("/quit");
}

}  // namespace
}  // namespace sc::test
