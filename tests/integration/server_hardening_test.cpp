// Regression tests for the server findings of the December 2026 review (docs/SECURITY.md,
// "The server: admission, throttling, shutdown, evidence files"): admission, throttles and
// caps. Real sockets on loopback, from many source addresses of 127.0.0.0/8.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "common/files.h"
#include "pki/ca_directory.h"
#include "server_hardening_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

// ---- H2: admission ----

TEST_F(Hardening, H2_IdleConnectionsDoNotLockOutLogins) {
    raise_fd_limit(20000);
    start();  // default admission limits: 256 in flight, 32 per block
    std::vector<int> silent;
    for (int i = 0; i < 1000; ++i) {
        // 40 blocks 127.1.B.0/24 of 25 addresses: under the per-block cap, over the total.
        std::string source = "127.1." + std::to_string(i / 25) + "." + std::to_string(i % 25 + 1);
        int fd = raw_connect(server_->port(), source);
        ASSERT_GE(fd, 0) << source;
        silent.push_back(fd);
    }
    // The attacker keeps opening silent connections while the honest client works.
    std::atomic<bool> done{false};
    std::thread attacker([&] {
        for (int i = 0; i < 2000 && !done; ++i) {
            std::string source =
                "127.2." + std::to_string(i / 25 % 250) + "." + std::to_string(i % 25 + 1);
            int fd = raw_connect(server_->port(), source);
            if (fd >= 0) {
                silent.push_back(fd);
            }
            std::this_thread::sleep_for(1ms);
        }
    });
    auto honest = connect();
    bool ok = honest->register_user("alice@example.com", "alice", kPassword);
    std::string error = honest->peer_error();
    bool chatted = ok && honest->chat("through the crowd") && honest->close_with_receipts();
    done = true;
    attacker.join();
    for (int fd : silent) {
        ::close(fd);
    }
    EXPECT_TRUE(ok) << error;
    EXPECT_TRUE(chatted);
}

TEST_F(Hardening, H2_HelloMustArriveWithinTheHelloDeadline) {
    start([](server::Settings& s) {
        s.limits.hello_timeout = 1s;
        s.limits.handshake_timeout = 60s;
    });
    auto silent = connect();
    // Cut off after the hello deadline, long before the handshake deadline of 60 s.
    EXPECT_TRUE(silent->wait_closed(20s));
}

TEST_F(Hardening, H2_SilentConnectionIsEvictedForANewcomer) {
    start([](server::Settings& s) { s.limits.max_unauthenticated_per_ip = 2; });
    int first = raw_connect(server_->port(), "127.0.6.1");
    int second = raw_connect(server_->port(), "127.0.6.2");
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    std::this_thread::sleep_for(200ms);  // both admitted before the newcomer arrives
    auto newcomer = connect("127.0.6.3");
    EXPECT_TRUE(newcomer->register_user("n@example.com", "newcomer", kPassword))
        << newcomer->peer_error();
    // The oldest silent one made room: the server closed it.
    timeval limit{10, 0};  // bounded: without eviction nothing would ever arrive
    setsockopt(first, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char byte = 0;
    auto n = ::recv(first, &byte, 1, 0);
    bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    EXPECT_TRUE(n == 0 || (n < 0 && !timed_out)) << "the server should have closed it";
    ::close(first);
    ::close(second);
}

TEST_F(Hardening, H2_SlotsAreCountedPerAddressBlock) {
    start([](server::Settings& s) { s.limits.max_unauthenticated_per_ip = 2; });
    // Two connections of one /24 whose clients proved their keys (dh_client sent), not yet
    // logged in: they hold their slots and are not evictable.
    auto a = connect("127.0.7.1");
    auto b = connect("127.0.7.2");
    for (auto* c : {a.get(), b.get()}) {
        c->submit(c->session().start());
        // Pump the handshake: server_hello and dh_server in, our signed dh_client out.
        c->wait_for([](const NetClient::Events&) { return false; }, 300ms);
        ASSERT_FALSE(c->peer_closed) << c->peer_error();
    }
    std::this_thread::sleep_for(300ms);
    auto c = connect("127.0.7.3");  // another address, same block
    c->submit(c->session().start());
    c->wait_closed(5s);
    EXPECT_EQ(c->peer_error().rfind("throttled:", 0), 0u) << c->peer_error();
    // Another block is not affected.
    auto d = connect("127.0.8.1");
    EXPECT_TRUE(d->register_user("d@example.com", "dora", kPassword)) << d->peer_error();
}

// Certificates are public, so a `hello` proves nothing: a connection that sent one but never
// the signed dh_client stays evictable, and a newcomer of its block gets in.
TEST_F(Hardening, H2_HelloWithoutKeyProofDoesNotHoldASlot) {
    start([](server::Settings& s) {
        s.limits.max_unauthenticated_per_ip = 2;
        s.limits.hello_timeout = 30s;  // eviction, not the deadline, must make room here
        s.limits.handshake_timeout = 60s;
    });
    std::vector<int> hello_only;
    for (const char* source : {"127.0.14.1", "127.0.14.2"}) {
        auto c = connect(source);
        auto hello = c->session().start();
        ASSERT_FALSE(hello.send.empty());
        int fd = raw_connect(server_->port(), source);
        ASSERT_GE(fd, 0);
        std::string bytes(hello.send.front().begin(), hello.send.front().end());
        ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
        hello_only.push_back(fd);  // it never sends dh_client
    }
    std::this_thread::sleep_for(300ms);  // both hellos answered before the newcomer arrives
    auto newcomer = connect("127.0.14.3");
    EXPECT_TRUE(newcomer->register_user("h@example.com", "hanna", kPassword))
        << newcomer->peer_error();
    for (int fd : hello_only) {
        ::close(fd);
    }
}

TEST_F(Hardening, L10_HandshakesAreRateLimitedPerAddressBlock) {
    start([](server::Settings& s) {
        s.limits.handshake_burst_per_block = 3;
        s.limits.handshakes_per_block_per_s = 1;
    });
    std::vector<std::unique_ptr<NetClient>> used;
    for (int i = 0; i < 3; ++i) {
        used.push_back(connect("127.0.11." + std::to_string(i + 1)));
    }
    auto over = connect("127.0.11.9");
    over->submit(over->session().start());
    over->wait_closed(5s);
    EXPECT_EQ(over->peer_error().rfind("throttled:", 0), 0u) << over->peer_error();
    auto elsewhere = connect("127.0.12.1");
    EXPECT_TRUE(elsewhere->register_user("e@example.com", "elsie", kPassword))
        << elsewhere->peer_error();
}

// ---- M2: login throttle ----

TEST_F(Hardening, M2_StrangerCannotLockOutTheVictimFromAnotherBlock) {
    start();
    register_user("alice");
    std::string last;
    for (int i = 0; i < 6; ++i) {
        auto c = connect("127.0.9.1");
        c->login("alice", "wrong password " + std::to_string(i));
        last = c->peer_error();
    }
    EXPECT_EQ(last.rfind("throttled:", 0), 0u) << last;  // the guesser is slowed down
    auto alice = connect();                              // Alice, at home
    EXPECT_TRUE(alice->login("alice", kPassword)) << alice->peer_error();
}

TEST_F(Hardening, M2_CaseVariantsShareOneThrottle) {
    start();
    register_user("alice");
    for (const char* name : {"alice", "Alice", "aLice"}) {
        auto c = connect("127.0.9.2");
        c->login(name, "wrong password");
        EXPECT_EQ(c->peer_error().rfind("auth_failed:", 0), 0u) << c->peer_error();
    }
    for (const char* name : {"ALICE", "alIce", "alice"}) {
        auto c = connect("127.0.9.2");
        EXPECT_FALSE(c->login(name, kPassword));
        EXPECT_EQ(c->peer_error().rfind("throttled:", 0), 0u) << name << ": " << c->peer_error();
    }
}

TEST_F(Hardening, M2_ParallelAttemptsAreCounted) {
    start([](server::Settings& s) {
        s.security.argon2_opslimit = 2;  // slow enough that the attempts overlap
        s.security.argon2_memlimit = 32 * 1024 * 1024;
        s.limits.worker_threads = 1;
    });
    register_user("alice");
    constexpr int kAttempts = 12;
    std::vector<std::unique_ptr<NetClient>> clients;
    for (int i = 0; i < kAttempts; ++i) {
        clients.push_back(connect("127.0.9.3"));
    }
    std::vector<std::thread> threads;
    std::vector<std::string> answers(kAttempts);
    for (int i = 0; i < kAttempts; ++i) {
        threads.emplace_back([&, i] {
            clients[static_cast<std::size_t>(i)]->login("alice", "wrong " + std::to_string(i));
            answers[static_cast<std::size_t>(i)] =
                clients[static_cast<std::size_t>(i)]->peer_error();
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    int checked = 0;
    int throttled = 0;
    for (const auto& a : answers) {
        checked += a.rfind("auth_failed:", 0) == 0 ? 1 : 0;
        throttled += a.rfind("throttled:", 0) == 0 ? 1 : 0;
    }
    // Three free attempts per (account, block), counted from the moment they are queued.
    EXPECT_LE(checked, 3);
    EXPECT_EQ(checked + throttled, kAttempts);
}

// ---- M6: registrations ----

TEST_F(Hardening, M6_RegistrationsCannotStarveLogins) {
    start([](server::Settings& s) {
        s.security.argon2_opslimit = 2;
        s.security.argon2_memlimit = 32 * 1024 * 1024;
        s.limits.worker_threads = 1;
        s.limits.max_queued_auth = 4;
        s.limits.max_queued_registrations = 2;
    });
    register_user("bob");
    constexpr int kFlood = 16;
    std::vector<std::unique_ptr<NetClient>> flood;
    for (int i = 0; i < kFlood; ++i) {
        flood.push_back(connect("127.0.13.1"));
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < kFlood; ++i) {
        threads.emplace_back([&, i] {
            std::string u = "spam" + std::to_string(i);
            flood[static_cast<std::size_t>(i)]->register_user(u + "@example.com", u, kPassword);
        });
    }
    std::this_thread::sleep_for(100ms);
    auto bob = connect();
    bool ok = bob->login("bob", kPassword);
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_TRUE(ok) << bob->peer_error();
}

TEST_F(Hardening, M6_RegistrationIsThrottledPerCertificateAndPerBlock) {
    start([](server::Settings& s) {
        s.limits.registrations_per_certificate_per_hour = 2;
        s.limits.registrations_per_block_per_hour = 3;
    });
    register_user("user1", "127.0.14.1");
    register_user("user2", "127.0.14.2");
    auto third = connect("127.0.14.3");
    EXPECT_FALSE(third->register_user("u3@example.com", "user3", kPassword));
    EXPECT_EQ(third->peer_error().rfind("throttled:", 0), 0u) << third->peer_error();
    auto bob = connect("127.0.14.4", "bob");  // another certificate, same block: third of 3
    EXPECT_TRUE(bob->register_user("b@example.com", "bob", kPassword)) << bob->peer_error();
    auto bob2 = connect("127.0.14.5", "bob");
    EXPECT_FALSE(bob2->register_user("b2@example.com", "bobby", kPassword));
    EXPECT_EQ(bob2->peer_error().rfind("throttled:", 0), 0u) << bob2->peer_error();
}

// ---- L5: registration answers ----

TEST_F(Hardening, L5_RegistrationDoesNotRevealExistingNamesOrEmails) {
    start();
    register_user("alice");
    auto name = connect();
    EXPECT_FALSE(name->register_user("other@example.com", "alice", kPassword));
    auto mail = connect();
    EXPECT_FALSE(mail->register_user("alice@example.com", "alice2", kPassword));
    EXPECT_EQ(name->peer_error().rfind("registration_failed:", 0), 0u) << name->peer_error();
    EXPECT_EQ(name->peer_error(), mail->peer_error());
}

// ---- L15: caps after login ----

TEST_F(Hardening, L15_SessionsPerAccountAreCapped) {
    start([](server::Settings& s) { s.limits.max_sessions_per_account = 2; });
    register_user("alice");
    auto one = connect();
    auto two = connect();
    ASSERT_TRUE(one->login("alice", kPassword)) << one->peer_error();
    ASSERT_TRUE(two->login("ALICE", kPassword)) << two->peer_error();
    auto three = connect();
    EXPECT_FALSE(three->login("alice", kPassword));
    EXPECT_EQ(three->peer_error().rfind("throttled:", 0), 0u) << three->peer_error();
    ASSERT_TRUE(one->close_with_receipts());
    one.reset();
    std::this_thread::sleep_for(300ms);
    auto four = connect();
    EXPECT_TRUE(four->login("alice", kPassword)) << four->peer_error();
}

TEST_F(Hardening, L15_LoggedInConnectionsPerBlockAreCapped) {
    start([](server::Settings& s) { s.limits.max_authenticated_per_block = 2; });
    register_user("alice");
    register_user("bob");
    register_user("carol");
    auto a = connect("127.0.15.1");
    auto b = connect("127.0.15.2");
    ASSERT_TRUE(a->login("alice", kPassword)) << a->peer_error();
    ASSERT_TRUE(b->login("bob", kPassword)) << b->peer_error();
    auto c = connect("127.0.15.3");
    EXPECT_FALSE(c->login("carol", kPassword));
    EXPECT_EQ(c->peer_error().rfind("throttled:", 0), 0u) << c->peer_error();
    auto elsewhere = connect("127.0.16.1");
    EXPECT_TRUE(elsewhere->login("carol", kPassword)) << elsewhere->peer_error();
}

}  // namespace
}  // namespace sc::test
