#include "server_users_fixture.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "common/check.h"
#include "pki/ca_directory.h"
#include "unit/store/store_fixture.h"

namespace sc::test {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

// Distinct per process and per test (ctest runs each test in its own process).
std::string fresh_database_name(const std::string& base) {
    static std::atomic<int> counter{0};
    return base + "_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

}  // namespace

std::string users_backend_name(const ::testing::TestParamInfo<UsersBackend>& info) {
    return info.param == UsersBackend::sqlite ? "SQLite" : "MariaDB";
}

void PrintTo(UsersBackend backend, std::ostream* out) {
    *out << (backend == UsersBackend::sqlite ? "SQLite" : "MariaDB");
}

std::string peer_code(const NetClient& client) {
    auto text = client.peer_error();
    auto colon = text.find(':');
    return colon == std::string::npos ? text : text.substr(0, colon);
}

ServerUsers::ServerUsers() : ca_(tmp_ / "ca") {}

void ServerUsers::SetUp() {
    for (const char* user : {"alice", "carol"}) {  // TestCa already has bob (and "client")
        issue_device(user);
    }
    if (GetParam() != UsersBackend::mariadb) {
        return;
    }
    if (env("SECURECHAT_SKIP_MARIADB") == "1") {
        GTEST_SKIP() << "MariaDB tests were skipped (SECURECHAT_SKIP_MARIADB=1)";
    }
    auto config = store::test::mariadb_config_from_env();
    if (!config) {
        FAIL() << "no MariaDB to test against: run scripts/mariadb-test-server.sh start and "
                  "eval \"$(scripts/mariadb-test-server.sh env)\", or set "
                  "SECURECHAT_SKIP_MARIADB=1";
    }
    mariadb_ = *config;
    auto without_database = mariadb_;
    without_database.database.clear();
    store::test::RawMariaDb admin(without_database);
    ASSERT_TRUE(admin.connected()) << admin.error();
    std::string database = fresh_database_name(config->database);
    ASSERT_EQ(admin.exec("CREATE DATABASE `" + database + "`"), "");
    mariadb_.database = database;
    mariadb_created_ = true;
}

void ServerUsers::TearDown() {
    host_store_.reset();
    if (server_) {
        server_->stop();
    }
    server_.reset();
    if (mariadb_created_) {
        auto without_database = mariadb_;
        without_database.database.clear();
        store::test::RawMariaDb admin(without_database);
        EXPECT_EQ(admin.exec("DROP DATABASE IF EXISTS `" + mariadb_.database + "`"), "");
    }
}

void ServerUsers::start(const std::function<void(server::Settings&)>& tweak) {
    auto s = test_settings(ca_, tmp_ / "data");
    s.identity.bind_accounts = true;  // the default; test_settings turns it off for the others
    if (GetParam() == UsersBackend::mariadb) {
        s.database.backend = store::Backend::mysql;
        s.database.mysql = mariadb_;
    }
    if (tweak) {
        tweak(s);
    }
    server_ = std::make_unique<RunningServer>(std::move(s));
    ASSERT_NE(server_->port(), 0);
}

std::string ServerUsers::issue_device(const std::string& user, const std::string& device) {
    auto issued = pki::issue_certificate(
        {.dir = ca_.dir, .profile = pki::Profile::client, .name = user, .device_name = device});
    EXPECT_TRUE(issued) << issued.error().message;
    return pki::client_file_stem(user, device);
}

std::unique_ptr<NetClient> ServerUsers::connect(const std::string& cert) {
    auto c = NetClient::connect(server_->port(), ca_.client_config(cert));
    EXPECT_NE(c, nullptr);
    return c;
}

std::unique_ptr<NetClient> ServerUsers::registered(const std::string& user,
                                                   const std::string& cert) {
    auto c = connect(cert.empty() ? user : cert);
    EXPECT_TRUE(c->register_user(user + "@example.com", user, kUserPassword))
        << user << ": " << c->peer_error() << c->failure();
    return c;
}

std::unique_ptr<NetClient> ServerUsers::logged_in(const std::string& user,
                                                  const std::string& cert) {
    auto c = connect(cert.empty() ? user : cert);
    EXPECT_TRUE(c->login(user, kUserPassword)) << user << ": " << c->peer_error() << c->failure();
    return c;
}

store::Store& ServerUsers::host_store() {
    if (!host_store_) {
        auto opened = GetParam() == UsersBackend::mariadb
                          ? store::open_mariadb(mariadb_)
                          : store::open_sqlite(tmp_ / "data" / "securechat.db");
        SC_CHECK(static_cast<bool>(opened));
        host_store_ = std::move(opened).value();
    }
    return *host_store_;
}

store::Account ServerUsers::account(const std::string& user) {
    auto found = host_store().find_account(user);
    EXPECT_TRUE(found && *found) << user;
    return found && *found ? **found : store::Account{};
}

void ServerUsers::make_admin(const std::string& user) {
    auto promoted = host_store().set_role(account(user).id, store::Role::admin);
    ASSERT_TRUE(promoted && *promoted) << user;
}

std::optional<proto::msg::Answer> ServerUsers::ask(NetClient& client, proto::msg::Request request) {
    std::uint64_t id = 0;
    auto out = client.session().request(std::move(request));
    for (const auto& e : out.events) {
        if (const auto* sent = std::get_if<proto::event::RequestSent>(&e)) {
            id = sent->id;
        }
    }
    client.submit(std::move(out));
    if (id == 0) {
        ADD_FAILURE() << "the request was not sent";
        return std::nullopt;
    }
    std::optional<proto::msg::Answer> answer;
    client.wait_for([&](const NetClient::Events& events) {
        for (const auto& e : events) {
            if (const auto* a = std::get_if<proto::event::Answered>(&e)) {
                if (proto::msg::request_id(a->answer) == id) {
                    answer = a->answer;
                    return true;
                }
            }
        }
        return false;
    });
    EXPECT_TRUE(answer.has_value()) << "no answer: " << client.peer_error() << client.failure();
    return answer;
}

proto::msg::Result ServerUsers::ask_result(NetClient& client, proto::msg::Request request) {
    auto answer = ask(client, std::move(request));
    if (!answer) {
        return proto::msg::Result{0, proto::ErrorCode::internal, "no answer"};
    }
    const auto* result = std::get_if<proto::msg::Result>(&*answer);
    EXPECT_NE(result, nullptr) << "the answer is not a result";
    return result != nullptr ? *result : proto::msg::Result{0, proto::ErrorCode::internal, {}};
}

std::optional<proto::ErrorCode> ServerUsers::wait_ended_with_receipts(NetClient& client) {
    std::optional<proto::ErrorCode> code;
    bool receipts_after = client.wait_for([&](const NetClient::Events& events) {
        bool ended = false;
        for (const auto& e : events) {
            if (const auto* end = std::get_if<proto::event::SessionEnding>(&e)) {
                code = end->code;
                ended = true;
            } else if (ended && std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
                return true;
            }
        }
        return false;
    });
    EXPECT_TRUE(receipts_after) << "no session_end followed by receipts: " << client.peer_error()
                                << client.failure();
    return code;
}

}  // namespace sc::test
