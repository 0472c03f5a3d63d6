// Friends and presence on a real server over loopback (issue 10), on SQLite and on the real
// MariaDB: users with their own certificates (CN = username, so identity binding holds), each a
// proto::ClientSession over a blocking socket that sends friend requests and reads the
// answers and pushes. The same cases run on both backends: server_friends_tests links
// friends_sqlite_backend.cpp, server_friends_mariadb_tests friends_mariadb_backend.cpp, so a case
// is named e.g. Backends/FriendsTest.RequestAcceptRemoveBothWays/{SQLite,MariaDB}.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace sc::test {

enum class FriendsBackend { sqlite, mariadb };
std::vector<FriendsBackend> friends_backends_under_test();  // one per executable
std::string friends_backend_name(const testing::TestParamInfo<FriendsBackend>& info);

// One logged-in session of a user, driven step by step.
class FriendClient {
  public:
    FriendClient(std::unique_ptr<NetClient> net, std::string name)
        : net_(std::move(net)), name_(std::move(name)) {}
    NetClient& net() { return *net_; }
    const std::string& name() const { return name_; }

    // Sends the request and waits for its answer (a failed wait is a test failure).
    std::optional<proto::msg::Answer> request(proto::msg::Request request);
    // The same for a request answered by `result` only, or whose other answers the test does
    // not expect: a missing or other answer is a test failure (code internal, "no result").
    proto::msg::Result result_of(proto::msg::Request request);
    proto::msg::Result command(proto::msg::FriendOp op, const std::string& user);
    proto::msg::FriendList list();
    // The next push this session got that the test has not taken yet, waiting up to 10 s.
    std::optional<proto::msg::Push> next_push();
    // The pushes not taken yet, without waiting.
    std::vector<proto::msg::Push> untaken_pushes();

  private:
    std::unique_ptr<NetClient> net_;
    std::string name_;
    std::size_t taken_ = 0;  // events before this index hold no untaken push
};

// A push as the tests compare it: "presence alice online", "friend_event added bob",
// "envelope from bob".
std::string describe(const proto::msg::Push& push);
std::string describe(const std::optional<proto::msg::Push>& push);

class FriendsTest : public testing::TestWithParam<FriendsBackend> {
  protected:
    void SetUp() override;
    void start(const std::function<void(server::Settings&)>& tweak = nullptr);
    bool is_mariadb() const { return GetParam() == FriendsBackend::mariadb; }

    // `base` + a per-test suffix, so runs on the shared MariaDB do not collide.
    std::string user(const std::string& base) const { return base + suffix_; }
    // A client certificate for user(base) (CN = the username), made at SetUp for the usual
    // names: alice, bob, carol, dave; and for named devices (the certificate's device URI),
    // as "alice/phone", "alice/laptop" and "bob/phone".
    proto::ClientConfig config_for(const std::string& base) const;
    const proto::Identity& identity_of(const std::string& key) const { return identities_.at(key); }
    std::unique_ptr<FriendClient> registered(const std::string& base);
    std::unique_ptr<FriendClient> logged_in(const std::string& base);
    // user(base) logged in with the certificate of identity_of(base + "/" + device).
    std::unique_ptr<FriendClient> logged_in_on(const std::string& base, const std::string& device);
    // The in-process server's port, or process_port_ when a test runs `securechat server`.
    unsigned short port() const { return process_port_ != 0 ? process_port_ : server_->port(); }
    // Waits (polling the server's own count, no sleeping) until it has this many connections.
    bool wait_connections(std::size_t n);
    // A second handle on the server's store, as the server was configured.
    std::unique_ptr<store::Store> open_store() const;

    TempDir tmp_;
    std::unique_ptr<RunningServer> server_;
    unsigned short process_port_ = 0;
    server::Settings settings_;
    std::string suffix_;
    std::map<std::string, proto::Identity> identities_;
    std::optional<proto::Trust> trust_;
};

inline constexpr const char* kPassword = "correct horse battery";

}  // namespace sc::test
