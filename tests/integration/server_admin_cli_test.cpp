// `securechat server admin` end to end: the real binary against a SQLite file
// (server_admin_cli_tests, label integration) and against the private MariaDB, running and
// stopped (server_admin_cli_mariadb_tests, label mariadb; SECURECHAT_ADMIN_CLI_MARIADB).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include <unistd.h>

#include "store/accounts.h"
#include "store/social_store.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

[[maybe_unused]] std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

crypto::SecretBytes secret(std::string_view text) {
    return crypto::SecretBytes(
        ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// The line of `output` that starts with `first` ("" when none).
std::string line_of(const std::string& output, const std::string& first) {
    std::size_t at = 0;
    while (at < output.size()) {
        std::size_t end = output.find('\n', at);
        std::string line = output.substr(at, end == std::string::npos ? end : end - at);
        if (line.rfind(first, 0) == 0) {
            return line;
        }
        if (end == std::string::npos) {
            break;
        }
        at = end + 1;
    }
    return "";
}

// The same cases on each backend: `store_flags()` says where the store is, `open_store()` opens
// it in this process to check what the CLI wrote and to record devices as the server would.
class AdminCli : public ::testing::Test {
  protected:
    void SetUp() override { suffix_ = std::to_string(std::random_device{}() % 1000000); }

    virtual std::vector<std::string> store_flags() const = 0;
    virtual store::StoreResult<std::unique_ptr<store::Store>> open_store() const = 0;

    CommandResult admin(std::vector<std::string> args, const std::string& input = "") const {
        std::vector<std::string> argv{securechat_binary(), "server", "admin"};
        argv.insert(argv.end(), args.begin(), args.end());
        for (const auto& flag : store_flags()) {
            argv.push_back(flag);
        }
        return run_command_with_input(argv, input);
    }
    std::string user(const std::string& base) const { return base + suffix_; }
    std::unique_ptr<store::Store> store() const {
        auto opened = open_store();
        EXPECT_TRUE(opened) << opened.error().message;
        return opened ? std::move(opened).value() : nullptr;
    }
    store::Account account(const std::string& name) const {
        auto s = store();
        auto found = s->find_account(name);
        EXPECT_TRUE(found && found->has_value()) << name;
        return found && found->has_value() ? **found : store::Account{};
    }

    void makes_the_first_admin_and_changes_roles();
    void disables_and_enables();
    void lists_and_removes_devices();

    TempDir tmp_;
    std::string suffix_;
};

void AdminCli::makes_the_first_admin_and_changes_roles() {
    const std::string root = user("root");
    auto added = admin({"add", root + "@example.com", root, "--admin"}, "first admin pw\n");
    ASSERT_EQ(added.exit_code, 0) << added.output;
    EXPECT_TRUE(contains(added.output, "added admin " + root)) << added.output;
    EXPECT_EQ(account(root).role, store::Role::admin);
    // The password works for a login (the server's rules and hashing).
    {
        auto s = store();
        store::Accounts accounts(*s, store::PasswordPolicy{});
        auto login = accounts.login(root, secret("first admin pw"));
        ASSERT_TRUE(login) << login.error().message;
        EXPECT_EQ(login->role, store::Role::admin);
    }
    const std::string bob = user("bob");
    ASSERT_EQ(admin({"add", bob + "@example.com", bob}, "bobs password\r\n").exit_code, 0);
    EXPECT_EQ(account(bob).role, store::Role::user);

    auto listed = admin({"list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_TRUE(contains(line_of(listed.output, "USERNAME"), "LAST LOGIN")) << listed.output;
    auto root_line = line_of(listed.output, root + " ");
    EXPECT_TRUE(contains(root_line, root + "@example.com")) << listed.output;
    EXPECT_TRUE(contains(root_line, "admin")) << root_line;
    EXPECT_FALSE(contains(root_line, "never")) << root_line;  // the login above
    auto bob_line = line_of(listed.output, bob + " ");
    EXPECT_TRUE(contains(bob_line, " user ")) << listed.output;
    EXPECT_TRUE(contains(bob_line, "never")) << bob_line;

    auto promoted = admin({"promote", bob});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.output;
    EXPECT_TRUE(contains(promoted.output, bob + " is now an admin"));
    EXPECT_EQ(account(bob).role, store::Role::admin);
    ASSERT_EQ(admin({"demote", root}).exit_code, 0);
    EXPECT_EQ(account(root).role, store::Role::user);

    // Refusals: the rules of registration, a taken name, no password, an unknown user.
    auto weak = admin({"add", user("carol") + "@example.com", user("carol")}, "short\n");
    EXPECT_EQ(weak.exit_code, 1);
    EXPECT_TRUE(contains(weak.output, "password must be at least")) << weak.output;
    auto taken = admin({"add", "other@example.com", bob}, "long enough pw\n");
    EXPECT_EQ(taken.exit_code, 1);
    auto empty = admin({"add", user("dave") + "@example.com", user("dave")}, "");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_TRUE(contains(empty.output, "no password on stdin")) << empty.output;
    auto unknown = admin({"promote", user("nobody")});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_TRUE(contains(unknown.output, "no account named")) << unknown.output;
}

void AdminCli::disables_and_enables() {
    const std::string eve = user("eve");
    ASSERT_EQ(admin({"add", eve + "@example.com", eve}, "eves password\n").exit_code, 0);
    auto disabled = admin({"disable", eve});
    ASSERT_EQ(disabled.exit_code, 0) << disabled.output;
    EXPECT_TRUE(account(eve).disabled);
    EXPECT_TRUE(contains(line_of(admin({"list"}).output, eve + " "), " yes "));
    {
        auto s = store();
        store::Accounts accounts(*s, store::PasswordPolicy{});
        auto login = accounts.login(eve, secret("eves password"));
        ASSERT_FALSE(login);
        EXPECT_EQ(login.error().code, store::AuthErrorCode::account_disabled);
    }
    ASSERT_EQ(admin({"enable", eve}).exit_code, 0);
    EXPECT_FALSE(account(eve).disabled);
}

void AdminCli::lists_and_removes_devices() {
    const std::string frank = user("frank");
    ASSERT_EQ(admin({"add", frank + "@example.com", frank}, "franks password\n").exit_code, 0);
    auto none = admin({"devices", frank});
    ASSERT_EQ(none.exit_code, 0) << none.output;
    EXPECT_TRUE(contains(none.output, "no devices")) << none.output;
    const std::string laptop(64, 'a');
    const std::string phone(64, 'b');
    const auto t0 = store::TimePoint{} + 1'700'000'000s;
    {
        auto s = store();
        const auto id = account(frank).id;
        ASSERT_TRUE(s->record_device(id, laptop, "laptop", Bytes(100, 1), t0));
        ASSERT_TRUE(s->record_device(id, laptop, "laptop", Bytes(100, 1), t0 + 1h));
        // A name from a certificate is untrusted text: it must not reach the terminal raw.
        ASSERT_TRUE(s->record_device(id, phone, "phone\x1b[2J", Bytes(100, 2), t0 + 2h));
    }
    auto listed = admin({"devices", frank});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_TRUE(contains(line_of(listed.output, "FINGERPRINT"), "LAST SEEN")) << listed.output;
    auto laptop_line = line_of(listed.output, laptop);
    EXPECT_TRUE(contains(laptop_line, "laptop")) << listed.output;
    EXPECT_TRUE(contains(laptop_line, "2023-11-14 22:13:20Z")) << laptop_line;
    EXPECT_TRUE(contains(laptop_line, "2023-11-14 23:13:20Z")) << laptop_line;
    EXPECT_TRUE(contains(line_of(listed.output, phone), "phone\\x1b[2J")) << listed.output;
    EXPECT_FALSE(contains(listed.output, "\x1b"));

    auto removed = admin({"devices", frank, "--remove", laptop});
    ASSERT_EQ(removed.exit_code, 0) << removed.output;
    EXPECT_EQ(store()->devices(account(frank).id)->size(), 1u);
    auto again = admin({"devices", frank, "--remove", laptop});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_TRUE(contains(again.output, "has no device")) << again.output;
}

#ifndef SECURECHAT_ADMIN_CLI_MARIADB

class AdminCliOnSqlite : public AdminCli {
  protected:
    std::vector<std::string> store_flags() const override {
        // A data directory that does not exist yet: the first admin may come first.
        return {"--data-dir", (tmp_.path() / "data").string()};
    }
    store::StoreResult<std::unique_ptr<store::Store>> open_store() const override {
        return store::open_sqlite(tmp_.path() / "data" / "securechat.db");
    }
};

TEST_F(AdminCliOnSqlite, MakesTheFirstAdminAndChangesRoles) {
    makes_the_first_admin_and_changes_roles();
}
TEST_F(AdminCliOnSqlite, DisablesAndEnables) {
    disables_and_enables();
}
TEST_F(AdminCliOnSqlite, ListsAndRemovesDevices) {
    lists_and_removes_devices();
}

TEST_F(AdminCliOnSqlite, ReadsTheServersSettings) {
    // --config and --set, before or after the subcommand, as `securechat server` reads them.
    const auto db = tmp_.path() / "elsewhere.db";
    const auto config = tmp_.path() / "server.toml";
    std::ofstream(config) << "[database]\npath = \"" << db.string() << "\"\n";
    auto before =
        run_command_with_input({securechat_binary(), "server", "--config", config.string(), "admin",
                                "add", "a@example.com", "alice", "--admin"},
                               "alices password\n");
    ASSERT_EQ(before.exit_code, 0) << before.output;
    auto after = run_command({securechat_binary(), "server", "admin", "list", "--config",
                              config.string(), "--set", "security.min_password_length = 12"});
    ASSERT_EQ(after.exit_code, 0) << after.output;
    EXPECT_TRUE(contains(after.output, "alice")) << after.output;
    ASSERT_TRUE(std::filesystem::exists(db));
    auto bad = run_command({securechat_binary(), "server", "admin", "list", "--set", "nonsense=1"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_TRUE(contains(bad.output, "unknown setting 'nonsense'")) << bad.output;
}

// At a terminal the password is asked for twice and not shown (tmux is the terminal).
TEST_F(AdminCliOnSqlite, AsksForThePasswordTwiceWithoutEchoAtATerminal) {
    if (run_command({"tmux", "-V"}).exit_code != 0) {
        FAIL() << "tmux is missing (scripts/setup.sh installs it)";
    }
    // One tmux server per run: a new one right after kill-server may still find the old.
    std::string socket;
    auto tmux = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"tmux", "-L", socket});
        return run_command(args);
    };
    struct KillAtEnd {  // even when an ASSERT ends the test early
        std::function<void()> kill;
        ~KillAtEnd() { kill(); }
    } kill_at_end{[&] { tmux({"kill-server"}); }};
    auto wait_for = [&](const std::string& text) {
        for (int i = 0; i < 200; ++i) {
            if (contains(tmux({"capture-pane", "-t", "t", "-p"}).output, text)) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    };
    auto run = [&](const std::string& name) {
        socket = "securechat-admin-test-" + std::to_string(::getpid()) + "-" + name;
        const std::string command = securechat_binary() + " server admin add " + name +
                                    "@example.com " + name + " --admin --data-dir " +
                                    (tmp_.path() / "data").string() + "; echo EXIT=$?; sleep 60";
        ASSERT_EQ(
            tmux({"new-session", "-d", "-s", "t", "-x", "200", "-y", "24", command}).exit_code, 0);
    };
    run("alice");
    ASSERT_TRUE(wait_for("Password for alice:"));
    tmux({"send-keys", "-t", "t", "-l", "secret typed twice"});
    tmux({"send-keys", "-t", "t", "Enter"});
    ASSERT_TRUE(wait_for("Again:"));
    tmux({"send-keys", "-t", "t", "-l", "secret typed twice"});
    tmux({"send-keys", "-t", "t", "Enter"});
    ASSERT_TRUE(wait_for("EXIT="));
    std::string screen = tmux({"capture-pane", "-t", "t", "-p"}).output;
    EXPECT_TRUE(contains(screen, "added admin alice")) << screen;
    EXPECT_TRUE(contains(screen, "EXIT=0")) << screen;
    EXPECT_FALSE(contains(screen, "secret typed twice")) << screen;
    tmux({"kill-server"});
    EXPECT_EQ(account("alice").role, store::Role::admin);

    run("bob");
    ASSERT_TRUE(wait_for("Password for bob:"));
    tmux({"send-keys", "-t", "t", "-l", "one password"});
    tmux({"send-keys", "-t", "t", "Enter"});
    ASSERT_TRUE(wait_for("Again:"));
    tmux({"send-keys", "-t", "t", "-l", "another password"});
    tmux({"send-keys", "-t", "t", "Enter"});
    ASSERT_TRUE(wait_for("EXIT="));
    screen = tmux({"capture-pane", "-t", "t", "-p"}).output;
    EXPECT_TRUE(contains(screen, "the two passwords differ")) << screen;
    EXPECT_TRUE(contains(screen, "EXIT=1")) << screen;
    tmux({"kill-server"});
}

TEST_F(AdminCliOnSqlite, RefusesAStoreItCannotOpen) {
    const auto not_a_db = tmp_.path() / "garbage.db";
    std::ofstream(not_a_db) << std::string(4096, 'x');
    auto r = run_command(
        {securechat_binary(), "server", "admin", "list", "--db-path", not_a_db.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "cannot open the SQLite store " + not_a_db.string()))
        << r.output;
}

#else

class AdminCliOnMariaDb : public AdminCli {
  protected:
    void SetUp() override {
        AdminCli::SetUp();
        if (env("SECURECHAT_TEST_MARIADB_SOCKET").empty()) {
            if (env("SECURECHAT_SKIP_MARIADB") == "1") {
                GTEST_SKIP() << "MariaDB tests were skipped (SECURECHAT_SKIP_MARIADB=1)";
            }
            FAIL() << "no MariaDB to test against: run scripts/mariadb-test-server.sh start and "
                      "eval \"$(scripts/mariadb-test-server.sh env)\", or set "
                      "SECURECHAT_SKIP_MARIADB=1";
        }
        config_.unix_socket = env("SECURECHAT_TEST_MARIADB_SOCKET");
        config_.user = env("SECURECHAT_TEST_MARIADB_USER");
        config_.password = env("SECURECHAT_TEST_MARIADB_PASSWORD");
        config_.database = env("SECURECHAT_TEST_MARIADB_DATABASE");
        // The database password in a config file, as an operator keeps it (never in argv).
        write_config(config_.password);
    }
    void write_config(const std::string& password) {
        std::ofstream(config_file())
            << "[database]\nbackend = \"mysql\"\nsocket = \"" << config_.unix_socket
            << "\"\nuser = \"" << config_.user << "\"\npassword = \"" << password << "\"\nname = \""
            << config_.database << "\"\n";
    }
    std::string config_file() const { return (tmp_.path() / "server.toml").string(); }
    std::vector<std::string> store_flags() const override { return {"--config", config_file()}; }
    store::StoreResult<std::unique_ptr<store::Store>> open_store() const override {
        return store::open_mariadb(config_);
    }
    static std::string run_script(const std::string& verb) {
        auto r = run_command(
            {"bash", std::string(SECURECHAT_SOURCE_DIR) + "/scripts/mariadb-test-server.sh", verb});
        return r.exit_code == 0 ? "" : r.output;
    }

    store::MariaDbConfig config_;
};

TEST_F(AdminCliOnMariaDb, MakesTheFirstAdminAndChangesRoles) {
    makes_the_first_admin_and_changes_roles();
}
TEST_F(AdminCliOnMariaDb, DisablesAndEnables) {
    disables_and_enables();
}
TEST_F(AdminCliOnMariaDb, ListsAndRemovesDevices) {
    lists_and_removes_devices();
}

TEST_F(AdminCliOnMariaDb, RefusesAWrongDatabasePassword) {
    write_config("not the password");
    auto r = admin({"list"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "cannot open the MySQL/MariaDB store")) << r.output;
    EXPECT_TRUE(contains(r.output, "refused user '" + config_.user + "'")) << r.output;
    EXPECT_FALSE(contains(r.output, "not the password")) << r.output;
}

TEST_F(AdminCliOnMariaDb, RefusesClearlyWhileTheDatabaseIsDown) {
    ASSERT_EQ(run_script("stop"), "");
    auto listed = admin({"list"});
    auto added =
        admin({"add", user("x") + "@example.com", user("x"), "--admin"}, "long enough pw\n");
    const std::string restarted = run_script("start");
    ASSERT_EQ(restarted, "");
    EXPECT_EQ(listed.exit_code, 1);
    EXPECT_TRUE(
        contains(listed.output, "cannot open the MySQL/MariaDB store: cannot reach MariaDB"))
        << listed.output;
    EXPECT_EQ(added.exit_code, 1);
    EXPECT_TRUE(contains(added.output, "cannot reach MariaDB")) << added.output;
    // Nothing was half-done: back up, the account does not exist.
    auto s = store();
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->find_account(user("x"))->has_value());
}

#endif

}  // namespace
}  // namespace sc::test
