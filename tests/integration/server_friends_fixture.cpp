#include "server_friends_fixture.h"

#include <cstdlib>
#include <random>
#include <thread>

#include "common/files.h"
#include "pki/ca_directory.h"
#include "pki/user_identity.h"
#include "testing/test_pki.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

const std::vector<std::string> kUsers{"alice", "bob", "carol", "dave"};

}  // namespace

std::string friends_backend_name(const testing::TestParamInfo<FriendsBackend>& info) {
    return info.param == FriendsBackend::sqlite ? "SQLite" : "MariaDB";
}

std::string describe(const proto::msg::Push& push) {
    if (const auto* p = std::get_if<proto::msg::Presence>(&push)) {
        return "presence " + p->user + (p->online ? " online" : " offline");
    }
    if (const auto* e = std::get_if<proto::msg::Envelope>(&push)) {
        return "envelope from " + e->from;
    }
    const auto& e = std::get<proto::msg::FriendEvent>(push);
    return "friend_event " + std::string(proto::msg::wire_name(e.event)) + " " + e.user;
}

std::string describe(const std::optional<proto::msg::Push>& push) {
    return push ? describe(*push) : std::string("(no push)");
}

std::optional<proto::msg::Answer> FriendClient::request(proto::msg::Request request) {
    using namespace proto::event;
    net_->submit(net_->session().request(std::move(request)));
    std::optional<std::uint64_t> id;
    for (auto it = net_->events.rbegin(); it != net_->events.rend(); ++it) {
        if (auto* sent = std::get_if<RequestSent>(&*it)) {
            id = sent->id;
            break;
        }
    }
    if (!id) {
        ADD_FAILURE() << name_ << ": the request was not sent";
        return std::nullopt;
    }
    std::optional<proto::msg::Answer> answer;
    bool got = net_->wait_for([&](const NetClient::Events& events) {
        for (const auto& e : events) {
            if (auto* a = std::get_if<Answered>(&e);
                a && proto::msg::request_id(a->answer) == *id) {
                answer = a->answer;
                return true;
            }
        }
        return false;
    });
    if (!got) {
        ADD_FAILURE() << name_ << ": no answer to request " << *id << " " << net_->peer_error();
    }
    return answer;
}

proto::msg::Result FriendClient::result_of(proto::msg::Request request) {
    auto answer = this->request(std::move(request));
    if (!answer || !std::holds_alternative<proto::msg::Result>(*answer)) {
        ADD_FAILURE() << name_ << ": the request got no result";
        return {0, proto::ErrorCode::internal, "no result"};
    }
    return std::get<proto::msg::Result>(*answer);
}

proto::msg::Result FriendClient::command(proto::msg::FriendOp op, const std::string& user) {
    auto answer = request(proto::msg::FriendCommand{0, op, user});
    if (!answer || !std::holds_alternative<proto::msg::Result>(*answer)) {
        ADD_FAILURE() << name_ << ": friend " << proto::msg::wire_name(op) << " " << user
                      << " got no result";
        return {0, proto::ErrorCode::internal, "no result"};
    }
    return std::get<proto::msg::Result>(*answer);
}

proto::msg::FriendList FriendClient::list() {
    auto answer = request(proto::msg::ListFriends{0});
    if (!answer || !std::holds_alternative<proto::msg::FriendList>(*answer)) {
        ADD_FAILURE() << name_ << ": list_friends got no friend_list";
        return {};
    }
    return std::get<proto::msg::FriendList>(*answer);
}

std::vector<proto::msg::Push> FriendClient::untaken_pushes() {
    std::vector<proto::msg::Push> out;
    for (; taken_ < net_->events.size(); ++taken_) {
        if (auto* p = std::get_if<proto::event::Pushed>(&net_->events[taken_])) {
            out.push_back(p->push);
        }
    }
    return out;
}

std::optional<proto::msg::Push> FriendClient::next_push() {
    std::optional<proto::msg::Push> found;
    net_->wait_for([&](const NetClient::Events& events) {
        for (; taken_ < events.size(); ++taken_) {
            if (auto* p = std::get_if<proto::event::Pushed>(&events[taken_])) {
                found = p->push;
                ++taken_;
                return true;
            }
        }
        return false;
    });
    return found;
}

void FriendsTest::SetUp() {
    if (is_mariadb() && env("SECURECHAT_TEST_MARIADB_SOCKET").empty()) {
        if (env("SECURECHAT_SKIP_MARIADB") == "1") {
            GTEST_SKIP() << "MariaDB tests were skipped (SECURECHAT_SKIP_MARIADB=1)";
        }
        FAIL()
            << "no MariaDB to test against: run scripts/mariadb-test-server.sh start and "
               "eval \"$(scripts/mariadb-test-server.sh env)\", or set SECURECHAT_SKIP_MARIADB=1";
    }
    // Names stay unique on a MariaDB that keeps every earlier run's accounts: 12 random digits
    // (6 collided once in a few thousand runs).
    std::random_device random;
    suffix_ = std::to_string(((std::uint64_t{random()} << 32) | random()) % 1000000000000ULL);
    // The CA, the server and one client certificate per user, CN = the username.
    auto now = std::chrono::system_clock::now();
    auto ca = make_root_ca("Friends Test CA", crypto::KeyType::ed25519, now - 1h, now + 24h);
    auto leaf = [&](pki::Profile profile, const std::string& name, std::vector<std::string> sans) {
        return issue(ca, {.profile = profile,
                          .name = name,
                          .not_before = now - 1h,
                          .not_after = now + 24h,
                          .sans = std::move(sans)});
    };
    auto dir = tmp_ / "ca";
    std::vector<Leaf> leaves;
    leaves.reserve(kUsers.size() + 1);
    leaves.push_back(leaf(pki::Profile::server, "server",
                          {"DNS:server", "DNS:localhost", "IP:127.0.0.1", "IP:::1"}));
    std::vector<NamedLeaf> named{{"server", &leaves.back()}};
    for (const auto& base : kUsers) {
        leaves.push_back(leaf(pki::Profile::client, user(base), {"DNS:" + user(base)}));
        named.push_back({user(base), &leaves.back()});
    }
    write_ca_directory(dir, ca, named);
    for (const auto& base : kUsers) {
        auto chain = pki::load_certificate_chain(dir / (user(base) + ".crt"));
        auto pem = read_file(dir / (user(base) + ".key"));
        ASSERT_TRUE(chain && pem);
        auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(*pem)));
        ASSERT_TRUE(key);
        identities_.emplace(
            base, proto::Identity{
                      *chain, std::make_shared<const crypto::PrivateKey>(std::move(key).value())});
    }
    // Named devices: the same CN, a device URI, a key of their own.
    for (const auto& [base, device] : std::vector<std::pair<std::string, std::string>>{
             {"alice", "phone"}, {"alice", "laptop"}, {"bob", "phone"}}) {
        identities_.emplace(base + "/" + device,
                            identity(leaf(pki::Profile::client, user(base),
                                          {"DNS:" + user(base), pki::device_san(device)})));
    }
    trust_ = proto::Trust{
        pki::load_certificate_chain(dir / "ca.crt")->front(), {}, std::chrono::seconds(300)};

    TestCa scratch(tmp_ / "scratch-ca");  // test_settings' other defaults; our CA replaces it
    settings_ = test_settings(scratch, tmp_ / "data");
    settings_.cert = dir / "server.crt";
    settings_.key = dir / "server.key";
    settings_.ca = dir / "ca.crt";
    if (is_mariadb()) {
        settings_.database.backend = store::Backend::mysql;
        settings_.database.mysql.unix_socket = env("SECURECHAT_TEST_MARIADB_SOCKET");
        settings_.database.mysql.user = env("SECURECHAT_TEST_MARIADB_USER");
        settings_.database.mysql.password = env("SECURECHAT_TEST_MARIADB_PASSWORD");
        settings_.database.mysql.database = env("SECURECHAT_TEST_MARIADB_DATABASE");
    }
}

void FriendsTest::start(const std::function<void(server::Settings&)>& tweak) {
    auto s = settings_;
    if (tweak) {
        tweak(s);
    }
    server_ = std::make_unique<RunningServer>(std::move(s));
    ASSERT_NE(server_->port(), 0);
}

proto::ClientConfig FriendsTest::config_for(const std::string& base) const {
    return proto::ClientConfig{
        .identity = identities_.at(base), .trust = *trust_, .server_name = "server"};
}

std::unique_ptr<FriendClient> FriendsTest::registered(const std::string& base) {
    auto net = NetClient::connect(port(), config_for(base));
    if (net == nullptr) {
        ADD_FAILURE() << "cannot connect";
        return nullptr;
    }
    EXPECT_TRUE(net->register_user(user(base) + "@example.com", user(base), kPassword))
        << net->peer_error() << net->failure();
    return std::make_unique<FriendClient>(std::move(net), user(base));
}

std::unique_ptr<FriendClient> FriendsTest::logged_in(const std::string& base) {
    auto net = NetClient::connect(port(), config_for(base));
    if (net == nullptr) {
        ADD_FAILURE() << "cannot connect";
        return nullptr;
    }
    EXPECT_TRUE(net->login(user(base), kPassword)) << net->peer_error() << net->failure();
    return std::make_unique<FriendClient>(std::move(net), user(base));
}

std::unique_ptr<FriendClient> FriendsTest::logged_in_on(const std::string& base,
                                                        const std::string& device) {
    auto net = NetClient::connect(port(), config_for(base + "/" + device));
    if (net == nullptr) {
        ADD_FAILURE() << "cannot connect";
        return nullptr;
    }
    EXPECT_TRUE(net->login(user(base), kPassword)) << net->peer_error() << net->failure();
    return std::make_unique<FriendClient>(std::move(net), user(base) + "/" + device);
}

bool FriendsTest::wait_connections(std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server_->server().stats().connections != n) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(2ms);  // polling a state, not timing it
    }
    return true;
}

std::unique_ptr<store::Store> FriendsTest::open_store() const {
    if (is_mariadb()) {
        auto opened = store::open_mariadb(settings_.database.mysql);
        EXPECT_TRUE(opened) << opened.error().message;
        return opened ? std::move(opened).value() : nullptr;
    }
    auto opened = store::open_sqlite(tmp_ / "data" / "securechat.db");
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(opened).value() : nullptr;
}

}  // namespace sc::test
