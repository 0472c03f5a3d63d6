// The metrics endpoint (issue 15, item 4): a real server with `[metrics] listen` on loopback,
// scraped over a real socket; its counters move when a client logs in and sends a message, a
// refused session is counted by its error code, and nothing a user typed appears in it.
#include <gtest/gtest.h>

#include <regex>

#include "net/blocking_socket.h"
#include "server/metrics.h"
#include "server/metrics_endpoint.h"
#include "server_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

std::string http_get(std::uint16_t port, const std::string& request) {
    auto socket = net::BlockingSocket::connect("127.0.0.1", port);
    EXPECT_TRUE(socket) << socket.error().message;
    if (!socket) {
        return {};
    }
    EXPECT_TRUE(socket->write_all(as_bytes(request), 5s));
    auto reply = socket->read_to_eof(5s);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? std::string(reply->begin(), reply->end()) : std::string();
}

std::string scrape(RunningServer& server) {
    return http_get(server.server().metrics_endpoint()->port(),
                    "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

// The value of one sample (`name{labels} value`), or -1 when it is absent.
double sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(text.substr(at + series.size() + 2));
}

class ServerMetrics : public ::testing::Test {
  protected:
    ServerMetrics() : ca_(tmp_ / "ca") {}
    server::Settings settings() {
        auto s = test_settings(ca_, tmp_ / "data");
        s.metrics.listen = "127.0.0.1:0";
        return s;
    }
    TempDir tmp_;
    TestCa ca_;
};

TEST_F(ServerMetrics, CountersMoveWhenAClientLogsInAndSendsAndNoUserTextAppears) {
    RunningServer server(settings());
    ASSERT_TRUE(server.server().metrics_endpoint());
    auto before = scrape(server);
    ASSERT_NE(before.find("HTTP/1.1 200 OK"), std::string::npos) << before;
    EXPECT_NE(before.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_EQ(sample(before, "securechat_handshakes_total"), 0) << before;
    EXPECT_GT(sample(before, "securechat_certificate_expiry_seconds"), 0) << before;

    auto alice = NetClient::connect(server.port(), ca_.client_config());
    ASSERT_TRUE(alice->register_user("alice@example.com", "alice", "correct horse battery"));
    ASSERT_TRUE(alice->chat("a secret text"));
    auto after = scrape(server);
    EXPECT_EQ(sample(after, "securechat_connections_accepted_total"), 1) << after;
    EXPECT_EQ(sample(after, R"(securechat_handshakes_total{outcome="ok"})"), 1) << after;
    EXPECT_EQ(sample(after, R"(securechat_logins_total{kind="register",outcome="ok"})"), 1)
        << after;
    EXPECT_EQ(sample(after, "securechat_chat_messages_total"), 1) << after;
    EXPECT_EQ(sample(after, "securechat_connections_open"), 1) << after;
    for (const char* secret :
         {"alice", "example.com", "secret text", "correct horse", "127.0.0.1"}) {
        EXPECT_EQ(after.find(secret), std::string::npos) << secret << " in\n" << after;
    }

    // A wrong password: counted by its outcome, and the throttle now holds failure records.
    EXPECT_EQ(sample(after, "securechat_login_throttle_records"), 0) << after;
    auto guesser = NetClient::connect(server.port(), ca_.client_config());
    EXPECT_FALSE(guesser->login("alice", "not the password"));
    auto guessed = scrape(server);
    EXPECT_EQ(
        sample(guessed, R"(securechat_logins_total{kind="login",outcome="wrong_credentials"})"), 1)
        << guessed;
    EXPECT_GT(sample(guessed, "securechat_login_throttle_records"), 0) << guessed;
    // Store queries so far (the login's device record and friends among them).
    const double queries = sample(guessed, "securechat_store_query_seconds_count");
    EXPECT_GE(queries, 0) << guessed;

    // A request the store answers (list_friends) is one store query, timed.
    alice->submit(alice->session().request(proto::msg::ListFriends{}));
    ASSERT_TRUE(alice->wait_for([](const NetClient::Events& events) {
        for (const auto& e : events) {
            if (std::holds_alternative<proto::event::Answered>(e)) {
                return true;
            }
        }
        return false;
    }));
    auto queried = scrape(server);
    EXPECT_EQ(sample(queried, "securechat_store_query_seconds_count"), queries + 1) << queried;
    EXPECT_GT(sample(queried, "securechat_store_query_seconds_sum"), 0) << queried;

    // A session refused for a malformed frame is counted by its error code.
    auto raw = net::BlockingSocket::connect("127.0.0.1", server.port());
    ASSERT_TRUE(raw);
    const std::string garbage = std::string("\x00\x00\x00\x05", 4) + "hello";
    ASSERT_TRUE(raw->write_all(as_bytes(garbage), 5s));
    (void)raw->read_to_eof(5s);
    auto refused = scrape(server);
    EXPECT_EQ(sample(refused, R"(securechat_sessions_failed_total{code="malformed"})"), 1)
        << refused;
}

TEST_F(ServerMetrics, OnlyGetMetricsIsAnsweredAndEndpointIsOffByDefault) {
    RunningServer server(settings());
    const auto port = server.server().metrics_endpoint()->port();
    EXPECT_NE(http_get(port, "GET /other HTTP/1.1\r\n\r\n").find("404 Not Found"),
              std::string::npos);
    EXPECT_NE(http_get(port, "POST /metrics HTTP/1.1\r\n\r\n").find("405"), std::string::npos);
    EXPECT_NE(http_get(port, "garbage\r\n\r\n").find("400 Bad Request"), std::string::npos);
    // A request head that never ends is cut off at its bound, and the server serves the next.
    auto stuck = net::BlockingSocket::connect("127.0.0.1", port);
    ASSERT_TRUE(stuck);
    ASSERT_TRUE(stuck->write_all(as_bytes(std::string(5000, 'x')), 5s));
    (void)stuck->read_to_eof(10s);
    EXPECT_NE(http_get(port, "GET /metrics HTTP/1.0\r\n\r\n").find("200 OK"), std::string::npos);

    RunningServer off(test_settings(ca_, tmp_ / "data2"));
    EXPECT_FALSE(off.server().metrics_endpoint());
}

TEST_F(ServerMetrics, ANonLoopbackAddressNeedsAllowRemote) {
    auto s = settings();
    s.metrics.listen = "0.0.0.0:9464";
    auto valid = server::validate(s);
    ASSERT_FALSE(valid);
    EXPECT_NE(valid.error().message.find("is not a loopback address"), std::string::npos)
        << valid.error().message;
    s.metrics.allow_remote = true;
    EXPECT_TRUE(server::validate(s)) << server::validate(s).error().message;
}

TEST(Metrics, LabelValuesOutsideTheVocabularyAreCountedAsOther) {
    EXPECT_EQ(server::label_value("bad_signature"), "bad_signature");
    EXPECT_EQ(server::label_value("alice@example.com"), "other");
    EXPECT_EQ(server::label_value("Alice"), "other");
    EXPECT_EQ(server::label_value("x\"} 1\nsecurechat_fake 2"), "other");
    EXPECT_EQ(server::label_value(""), "other");
    server::Metrics m;
    m.count(server::Counter::e2e_requests, {{"op", "send"}, {"code", "ok"}}, 2);
    m.count(server::Counter::e2e_requests, {{"op", "send"}, {"code", "Who?"}});
    auto text = m.render({});
    EXPECT_NE(text.find("\nsecurechat_e2e_requests_total{op=\"send\",code=\"ok\"} 2\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\nsecurechat_e2e_requests_total{op=\"send\",code=\"other\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE securechat_rekeys_total counter\nsecurechat_rekeys_total 0\n"),
              std::string::npos)
        << text;
}

}  // namespace
}  // namespace sc::test
