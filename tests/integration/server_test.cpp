// The server over real loopback sockets with a real SQLite store: accounts, chat with receipts
// saved and verifiable, identical answers for wrong password and unknown user, throttling,
// limits, and clients that send garbage or go silent while others chat on.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/files.h"
#include "evidence/verify_evidence.h"
#include "pki/ca_directory.h"
#include "server_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
  protected:
    ServerTest() : ca_(tmp_ / "ca") {}
    void start(const std::function<void(server::Settings&)>& tweak = nullptr) {
        auto s = test_settings(ca_, tmp_ / "data");
        if (tweak) {
            tweak(s);
        }
        server_ = std::make_unique<RunningServer>(std::move(s));
        ASSERT_NE(server_->port(), 0);
    }
    std::unique_ptr<NetClient> connect(const std::string& cert = "client") {
        auto c = NetClient::connect(server_->port(), ca_.client_config(cert));
        EXPECT_NE(c, nullptr);
        return c;
    }
    std::unique_ptr<NetClient> registered(const std::string& user) {
        auto c = connect();
        EXPECT_TRUE(c->register_user(user + "@example.com", user, "correct horse battery"))
            << c->peer_error() << c->failure();
        return c;
    }
    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(ServerTest, RegisterLoginChatAndVerifiableReceipts) {
    start();
    auto alice = registered("alice");
    ASSERT_TRUE(alice->chat("hello server"));
    ASSERT_TRUE(alice->close_with_receipts());
    auto again = connect();
    ASSERT_TRUE(again->login("alice", "correct horse battery")) << again->peer_error();
    ASSERT_TRUE(again->chat("second session"));
    ASSERT_TRUE(again->chat("with two messages"));
    ASSERT_TRUE(again->close_with_receipts());

    // The server saved its transcript and both receipts; the client-signed receipt vouches for
    // the server's copy, checked offline with the CA certificate alone.
    std::size_t transcripts = 0;
    for (const auto& entry : std::filesystem::directory_iterator(tmp_ / "data" / "transcripts")) {
        if (entry.path().extension() != ".transcript") {
            continue;
        }
        ++transcripts;
        auto base = entry.path().string();
        base.resize(base.size() - std::string(".transcript").size());
        auto transcript = read_file(entry.path());
        auto receipt = read_file(base + ".receipt.peer.json");
        ASSERT_TRUE(transcript && receipt) << base;
        evidence::EvidenceTrust trust(ca_.trust().ca);
        auto summary =
            evidence::verify_evidence(*transcript, *receipt, ca_.client().chain.front(), trust);
        ASSERT_TRUE(summary) << summary.error().message;
        EXPECT_EQ(summary->client_name, "client");
    }
    EXPECT_EQ(transcripts, 2u);
}

TEST_F(ServerTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
    start();
    registered("alice")->close_with_receipts();
    auto wrong = connect();
    EXPECT_FALSE(wrong->login("alice", "not the password"));
    auto unknown = connect();
    EXPECT_FALSE(unknown->login("nobody", "not the password"));
    EXPECT_FALSE(wrong->peer_error().empty());
    EXPECT_EQ(wrong->peer_error(), unknown->peer_error());
    EXPECT_EQ(wrong->peer_error().rfind("auth_failed:", 0), 0u) << wrong->peer_error();
}

TEST_F(ServerTest, RegistrationErrorsSayWhatIsWrong) {
    start();
    registered("alice");
    // A taken name or email gets one generic answer (L5): registration must not tell who
    // has an account. Rules the request itself breaks are named.
    auto dup = connect();
    EXPECT_FALSE(dup->register_user("other@example.com", "alice", "correct horse battery"));
    EXPECT_NE(dup->peer_error().find("registration_failed"), std::string::npos)
        << dup->peer_error();
    EXPECT_NE(dup->peer_error().find("cannot be registered"), std::string::npos)
        << dup->peer_error();
    auto dup_mail = connect();
    EXPECT_FALSE(dup_mail->register_user("alice@example.com", "alice2", "correct horse battery"));
    EXPECT_EQ(dup_mail->peer_error(), dup->peer_error());
    auto bad_mail = connect();
    EXPECT_FALSE(bad_mail->register_user("not-an-email", "carol", "correct horse battery"));
    EXPECT_NE(bad_mail->peer_error().find("@"), std::string::npos) << bad_mail->peer_error();
    auto short_pw = connect();
    EXPECT_FALSE(short_pw->register_user("dave@example.com", "dave", "short"));
    EXPECT_NE(short_pw->peer_error().find("at least"), std::string::npos) << short_pw->peer_error();
}

TEST_F(ServerTest, InjectionAttemptsAreStoredLiterally) {
    start();
    auto c = connect();
    ASSERT_TRUE(c->register_user("x');DROP/**/TABLE/**/users;--@example.com", "mallory",
                                 "'; DROP TABLE users; -- pw"))
        << c->peer_error();
    auto again = connect();
    EXPECT_TRUE(again->login("mallory", "'; DROP TABLE users; -- pw")) << again->peer_error();
    auto other = registered("alice");  // the table still exists
    EXPECT_TRUE(other->chat("still here"));
}

TEST_F(ServerTest, FailedLoginsAreThrottledAndTheClientIsToldHowLong) {
    start();
    registered("alice");
    std::string last;
    for (int i = 0; i < 6; ++i) {
        auto c = connect();
        c->login("alice", "wrong password " + std::to_string(i));
        last = c->peer_error();
    }
    EXPECT_EQ(last.rfind("throttled:", 0), 0u) << last;
    EXPECT_NE(last.find("try again in"), std::string::npos) << last;
    // Even the right password waits until the delay has passed, from the same address block
    // (from another block it goes through:
    // Hardening.M2_StrangerCannotLockOutTheVictimFromAnotherBlock).
    auto right = connect();
    EXPECT_FALSE(right->login("alice", "correct horse battery"));
    EXPECT_EQ(right->peer_error().rfind("throttled:", 0), 0u) << right->peer_error();
}

TEST_F(ServerTest, GarbageFromOneClientLeavesOthersChatting) {
    start();
    auto alice = registered("alice");
    auto raw = connect();
    raw->send_raw(std::string("\x00\x00\x00\x05hello", 9));
    EXPECT_TRUE(raw->wait_closed(5s));
    auto huge = connect();
    huge->send_raw(std::string("\xff\xff\xff\xff", 4));
    EXPECT_TRUE(huge->wait_closed(5s));
    EXPECT_TRUE(alice->chat("still fine"));
    EXPECT_TRUE(alice->close_with_receipts());
}

TEST_F(ServerTest, SilentClientMidFrameIsCutOffAtTheHandshakeDeadline) {
    start([](server::Settings& s) { s.limits.handshake_timeout = 2s; });
    auto alice = registered("alice");
    auto silent = connect();
    silent->send_raw(std::string("\x00\x00", 2));  // half a frame header, then nothing
    auto begin = std::chrono::steady_clock::now();
    EXPECT_TRUE(alice->chat("one"));
    EXPECT_TRUE(silent->wait_closed(10s));
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 1500ms);
    EXPECT_TRUE(alice->chat("two"));
}

TEST_F(ServerTest, PeerVanishingMidFrameDoesNotDisturbOthers) {
    start();
    auto alice = registered("alice");
    for (int i = 0; i < 5; ++i) {
        auto c = connect();
        c->submit(c->session().start());
        c->send_raw(std::string("\x00\x00\x10\x00{\"type\":", 12));
        c->close_socket();
    }
    EXPECT_TRUE(alice->chat("unbothered"));
}

TEST_F(ServerTest, UnauthenticatedConnectionsPerAddressAreCapped) {
    // The cap counts the address block (/24), and connections whose clients proved their keys
    // (dh_client sent) are not evicted for a newcomer: the third from the same block is refused.
    start([](server::Settings& s) { s.limits.max_unauthenticated_per_ip = 2; });
    auto a = NetClient::connect(server_->port(), ca_.client_config(), "127.0.0.1", "127.0.5.1");
    auto b = NetClient::connect(server_->port(), ca_.client_config(), "127.0.0.1", "127.0.5.2");
    for (auto* client : {a.get(), b.get()}) {
        client->submit(client->session().start());
        // Pump the handshake: server_hello and dh_server in, our signed dh_client out.
        client->wait_for([](const NetClient::Events&) { return false; }, 300ms);
    }
    // Both hold their slots and have proved their keys, so neither can be evicted for c.
    auto settled = [&] {
        auto stats = server_->server().stats();
        return stats.awaiting_login == 2 && stats.silent == 0;
    };
    for (auto until = std::chrono::steady_clock::now() + 10s;
         !settled() && std::chrono::steady_clock::now() < until;) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(settled());
    auto c = NetClient::connect(server_->port(), ca_.client_config(), "127.0.0.1", "127.0.5.3");
    c->submit(c->session().start());
    c->wait_closed(5s);
    EXPECT_EQ(c->peer_error().rfind("throttled:", 0), 0u) << c->peer_error();
}

TEST_F(ServerTest, TwoHundredConcurrentClients) {
    start([](server::Settings& s) {
        s.limits.max_unauthenticated_per_ip = 1000;
        s.limits.max_handshakes_in_flight = 1000;
        s.limits.max_queued_auth = 1000;
        s.limits.max_queued_registrations = 1000;
    });
    constexpr int kClients = 200;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            auto c = NetClient::connect(server_->port(), ca_.client_config());
            if (!c) {
                return;
            }
            std::string user = "user" + std::to_string(i);
            if (c->register_user(user + "@example.com", user, "correct horse battery") &&
                c->chat("hello from " + user) && c->chat("and again") && c->close_with_receipts()) {
                ++ok;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok.load(), kClients);
}

TEST_F(ServerTest, ListensOnIpv6Too) {
    start([](server::Settings& s) { s.listen = {"[::1]:0"}; });
    auto c = NetClient::connect(server_->port(), ca_.client_config(), "::1");
    if (c == nullptr) {
        GTEST_SKIP() << "IPv6 loopback is not available on this machine";
    }
    EXPECT_TRUE(c->register_user("v6@example.com", "sixer", "correct horse battery"))
        << c->peer_error();
}

TEST_F(ServerTest, ServerStopExchangesReceiptsWithConnectedClients) {
    start();
    auto alice = registered("alice");
    ASSERT_TRUE(alice->chat("before shutdown"));
    std::thread stopper([this] { server_->stop(); });
    EXPECT_TRUE(alice->wait_for([](const NetClient::Events& ev) {
        for (const auto& e : ev) {
            if (std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
                return true;
            }
        }
        return false;
    }));
    stopper.join();
}

}  // namespace
}  // namespace sc::test

namespace sc::test {
namespace {

TEST_F(ServerTest, AllowedClientNamesRestrictWhoMayConnect) {
    start([](server::Settings& s) { s.security.allowed_client_names = {"bob"}; });
    auto refused = connect("client");
    EXPECT_FALSE(refused->register_user("a@example.com", "alice", "correct horse battery"));
    EXPECT_NE(refused->peer_error().find("[name_mismatch]"), std::string::npos)
        << refused->peer_error();
    auto bob = connect("bob");
    EXPECT_TRUE(bob->register_user("b@example.com", "bob", "correct horse battery"))
        << bob->peer_error();
}

}  // namespace
}  // namespace sc::test
