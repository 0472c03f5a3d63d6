// Issue 10 end to end with nothing but the real binary and a real server: a CA made with
// `securechat pki` (alice's key made on her device with `pki request`, signed with `pki sign`),
// three `securechat chat --json` processes that react to one another over a live server, and
// the first admin made on the host with `securechat server admin`. Each step waits for the
// event it needs, so nothing here depends on timing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

#include "server_fixture.h"
#include "support/live_process.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 20s;

// One `securechat chat --json` process, as a user at a terminal would run it.
class Chat {
  public:
    Chat(const std::vector<std::string>& argv) : process_(argv) {}

    void say(const std::string& line) { ASSERT_TRUE(process_.write_line(line)) << line; }
    // The next event named `name` (others are skipped), or null after kWait.
    json wait_for(
        const std::string& name,
        const std::function<bool(const json&)>& also = [](const json&) { return true; }) {
        auto deadline = std::chrono::steady_clock::now() + kWait;
        while (std::chrono::steady_clock::now() < deadline) {
            auto line = process_.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
            if (!line) {
                break;
            }
            auto event = json::parse(*line, nullptr, false);
            if (!event.is_discarded() && event.value("event", "") == name && also(event)) {
                return event;
            }
        }
        ADD_FAILURE() << "no '" << name << "' event; the client printed:\n" << transcript();
        return json();
    }
    std::string transcript() const {
        std::string out;
        for (const auto& l : process_.seen()) {
            out += l + "\n";
        }
        return out;
    }
    LiveProcess& process() { return process_; }

  private:
    LiveProcess process_;
};

class UsersCli : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(securechat({"pki", "init", "--dir", ca(), "--name", "Users CA"}).exit_code, 0);
        ASSERT_EQ(securechat({"pki", "issue", "--dir", ca(), "--server", "server", "--san",
                              "IP:127.0.0.1"})
                      .exit_code,
                  0);
        // alice's key never leaves her device: a request there, signed by the CA.
        auto request =
            securechat({"pki", "request", "--client", "alice", "--out", device("alice")});
        ASSERT_EQ(request.exit_code, 0) << request.output;
        auto sign = securechat({"pki", "sign", "--dir", ca(), device("alice") + "/alice.csr"});
        ASSERT_EQ(sign.exit_code, 0) << sign.output;
        for (const char* user : {"bob", "carol"}) {
            ASSERT_EQ(securechat({"pki", "issue", "--dir", ca(), "--client", user}).exit_code, 0);
        }

        server::Settings s;
        s.listen = {"127.0.0.1:0"};
        s.cert = fs::path(ca()) / "server.crt";
        s.key = fs::path(ca()) / "server.key";
        s.ca = fs::path(ca()) / "ca.crt";
        s.data_dir = server_data();
        s.log_level = "warn";
        s.security.argon2_opslimit = 1;
        s.security.argon2_memlimit = 8 * 1024 * 1024;
        s.limits.io_threads = 2;
        ASSERT_TRUE(s.identity.bind_accounts) << "binding is on by default";
        server_ = std::make_unique<RunningServer>(std::move(s));
    }

    std::string ca() const { return (tmp_.path() / "ca").string(); }
    std::string device(const std::string& user) const {
        return (tmp_.path() / ("device-" + user)).string();
    }
    std::string server_data() const { return (tmp_.path() / "server-data").string(); }
    std::string cert(const std::string& user) const {
        return user == "alice" ? device("alice") + "/alice.crt" : ca() + "/" + user + ".crt";
    }
    std::string key(const std::string& user) const {
        return user == "alice" ? device("alice") + "/alice.key" : ca() + "/" + user + ".key";
    }
    // `securechat chat --json` with USER's certificate.
    std::vector<std::string> chat_argv(const std::string& user) const {
        return {securechat_binary(),
                "chat",
                "--json",
                "--server",
                "127.0.0.1:" + std::to_string(server_->port()),
                "--server-name",
                "server",
                "--ca",
                ca() + "/ca.crt",
                "--cert",
                cert(user),
                "--key",
                key(user),
                "--data-dir",
                (tmp_.path() / ("data-" + user)).string(),
                "--timeout",
                "20"};
    }
    std::unique_ptr<Chat> registered(const std::string& user) {
        auto chat = std::make_unique<Chat>(chat_argv(user));
        chat->say("/register " + user + "@example.org " + user + " " + password(user));
        chat->wait_for("registered");
        return chat;
    }
    std::unique_ptr<Chat> logged_in(const std::string& user) {
        auto chat = std::make_unique<Chat>(chat_argv(user));
        chat->say("/login " + user + " " + password(user));
        chat->wait_for("logged_in");
        return chat;
    }
    static std::string password(const std::string& user) { return user + "-long-password"; }
    static auto about(const std::string& field, const std::string& user) {
        return [field, user](const json& e) { return e.value(field, "") == user; };
    }

    TempDir tmp_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(UsersCli, FriendsWithConsentAndPresenceBetweenRealClients) {
    auto alice = registered("alice");
    auto bob = registered("bob");

    alice->say("/friend request bob");
    alice->wait_for("done");
    bob->wait_for("friend_request", about("from", "alice"));
    bob->say("/friend accept alice");
    bob->wait_for("friend_added", about("user", "alice"));
    alice->wait_for("friend_added", about("user", "bob"));

    alice->say("/friends");
    auto friends = alice->wait_for("friends");
    ASSERT_EQ(friends["friends"].size(), 1U) << friends.dump();
    EXPECT_EQ(friends["friends"][0]["user"], "bob");
    EXPECT_EQ(friends["friends"][0]["online"], true);

    // bob's client dies without a word (kill -9): alice is told he is offline.
    bob->process().kill_now();
    alice->wait_for("presence", [](const json& e) {
        return e.value("user", "") == "bob" && e.value("online", true) == false;
    });
    // He comes back on a new process: alice sees him online again.
    auto bob_again = logged_in("bob");
    alice->wait_for("presence", [](const json& e) {
        return e.value("user", "") == "bob" && e.value("online", false) == true;
    });
    alice->say("/quit");
    bob_again->wait_for("presence", [](const json& e) {
        return e.value("user", "") == "alice" && e.value("online", true) == false;
    });
}

TEST_F(UsersCli, ACertificateLogsInOnlyAsTheUserItNames) {
    registered("bob")->say("/quit");
    // alice's certificate, bob's name and password: refused before any password check, and
    // the same words whether the account exists or not.
    auto as_bob =
        run_command_with_input(chat_argv("alice"), "/login bob " + password("bob") + "\n");
    auto as_nobody =
        run_command_with_input(chat_argv("alice"), "/login nobody " + password("bob") + "\n");
    EXPECT_NE(as_bob.exit_code, 0);
    EXPECT_NE(as_bob.output.find("\"code\":\"identity_mismatch\""), std::string::npos)
        << as_bob.output;
    EXPECT_NE(as_nobody.output.find("\"code\":\"identity_mismatch\""), std::string::npos)
        << as_nobody.output;
}

TEST_F(UsersCli, TheFirstAdminIsMadeOnTheHostAndRulesOverTheNetwork) {
    registered("alice")->say("/quit");
    auto carol = registered("carol");
    carol->say("/who");
    EXPECT_EQ(carol->wait_for("error")["code"], "forbidden");
    carol->say("still here");
    carol->wait_for("ack");

    // On the server host, against the store the running server uses.
    auto promote = securechat({"server", "admin", "promote", "alice", "--data-dir", server_data()});
    ASSERT_EQ(promote.exit_code, 0) << promote.output;

    auto alice = logged_in("alice");
    alice->say("/who");
    auto who = alice->wait_for("who");
    bool lists_carol = false;
    for (const auto& entry : who["users"]) {
        lists_carol = lists_carol || entry["user"] == "carol";
    }
    EXPECT_TRUE(lists_carol) << who.dump();

    alice->say("/disable carol");
    alice->wait_for("done");
    EXPECT_EQ(carol->wait_for("kicked")["code"], "account_disabled");
    carol->wait_for("receipt_saved");  // the evidence of the ended session is complete
    EXPECT_EQ(carol->wait_for("closed")["reason"], "kicked");
    carol->process().close_input();  // line mode runs to the end of its input, then exits
    EXPECT_EQ(carol->process().wait_exit(kWait), 1) << carol->transcript();

    auto refused =
        run_command_with_input(chat_argv("carol"), "/login carol " + password("carol") + "\n");
    EXPECT_NE(refused.output.find("\"code\":\"account_disabled\""), std::string::npos)
        << refused.output;
}

}  // namespace
}  // namespace sc::test
