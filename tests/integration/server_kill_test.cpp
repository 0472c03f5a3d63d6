// kill -9 of the real `securechat server` in the middle of a stream of sends (issue 12, item 3):
// every message the sender saw answered `stored` reaches the recipient device after a restart
// on the same data directory (and database), exactly once and in order. On SQLite (the server's
// own file, fsync'd at each commit) and on MariaDB (its commit).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <set>
#include <thread>

#include "server_e2e_fixture.h"
#include "support/live_process.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class StoreForwardKill : public E2eServerTest {
  protected:
    // `securechat server` on our CA and data directory; its port, 0 when it did not listen.
    unsigned short launch() {
        process_.reset();
        if (is_mariadb()) {
            // The process finds the test's MariaDB through the seeds' DB_* variables.
            const auto& db = settings_.database.mysql;
            setenv("DB_SOCKET", db.unix_socket.c_str(), 1);
            setenv("DB_USER", db.user.c_str(), 1);
            setenv("DB_PASS", db.password.c_str(), 1);
            setenv("DB_NAME", db.database.c_str(), 1);
        }
        process_ = std::make_unique<LiveProcess>(
            std::vector<std::string>{securechat_binary(),
                                     "server",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--cert",
                                     settings_.cert.string(),
                                     "--key",
                                     settings_.key.string(),
                                     "--ca",
                                     settings_.ca.string(),
                                     "--data-dir",
                                     (tmp_ / "data").string(),
                                     "--set",
                                     "security.argon2_opslimit=1",
                                     "--set",
                                     "security.argon2_memlimit=8388608",
                                     "--set",
                                     "limits.relay_burst=100000",
                                     "--set",
                                     "limits.relay_per_minute=100000",
                                     "--log-level",
                                     "warn"});
        while (auto line = process_->read_line(20s)) {
            auto colon = line->rfind(':');
            if (line->rfind("listening on", 0) == 0 && colon != std::string::npos) {
                process_port_ = static_cast<unsigned short>(std::stoi(line->substr(colon + 1)));
                return process_port_;
            }
        }
        return 0;
    }
    void TearDown() override {
        if (process_) {
            process_->terminate();  // a graceful stop: the destructor's wait is short
        }
        process_.reset();
        for (const char* name : {"DB_SOCKET", "DB_USER", "DB_PASS", "DB_NAME"}) {
            unsetenv(name);
        }
        E2eServerTest::TearDown();
    }
    std::unique_ptr<LiveProcess> process_;
};
INSTANTIATE_TEST_SUITE_P(Backends, StoreForwardKill,
                         testing::ValuesIn(friends_backends_under_test()), friends_backend_name);

TEST_P(StoreForwardKill, EveryMessageAnsweredStoredArrivesExactlyOnceInOrderAfterKillNine) {
    ASSERT_NE(launch(), 0) << "the server did not start";
    {
        auto alice = registered("alice");
        auto bob = registered("bob");
        ASSERT_TRUE(alice && bob);
        befriend(*alice, *bob);
        publish(*alice, prekeys("alice", 1, {}));
        EXPECT_TRUE(alice->net().close_with_receipts());  // offline: everything is stored
    }
    constexpr std::size_t kKillAfter = 45;  // more than kMaxHeldInFlight, so `received` matters
    std::vector<Bytes> stored;              // mids answered `stored`, in the order sent
    {
        auto bob = logged_in("bob");
        ASSERT_TRUE(bob);
        std::atomic<std::size_t> stored_count{0};
        std::thread killer([&] {
            auto deadline = std::chrono::steady_clock::now() + 60s;
            while (stored_count < kKillAfter && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(1ms);  // polling a state, not timing it
            }
            process_->kill_now();
        });
        for (std::uint32_t n = 1; n < 100000; ++n) {
            Bytes mid(kMessageIdBytes, 0);
            for (std::size_t i = 0; i < 4; ++i) {
                mid[i] = static_cast<std::uint8_t>(n >> (8 * i));
            }
            auto& net = bob->net();
            net.submit(net.session().request(
                msg::Relay{0, user("alice"), device_id("alice"), mid, Bytes(64, 7)}));
            std::optional<msg::Answer> answer;
            const std::size_t before = net.events.size();
            bool got = net.wait_for(
                [&](const NetClient::Events& events) {
                    for (std::size_t i = before; i < events.size(); ++i) {
                        if (auto* a = std::get_if<proto::event::Answered>(&events[i])) {
                            answer = a->answer;
                            return true;
                        }
                    }
                    return false;
                },
                5s);
            if (!got || !answer) {
                break;  // the server is gone
            }
            if (!std::holds_alternative<msg::Stored>(*answer)) {
                ADD_FAILURE() << "send " << n << " was not stored";
                break;
            }
            stored.push_back(mid);
            ++stored_count;
        }
        killer.join();
    }
    EXPECT_EQ(process_->wait_exit(20s), 128 + 9);
    ASSERT_GE(stored.size(), kKillAfter);

    ASSERT_NE(launch(), 0) << "the server did not restart on the same data directory";
    auto alice = logged_in("alice");
    ASSERT_TRUE(alice);
    std::vector<msg::Envelope> got;
    std::set<std::uint64_t> held;
    std::size_t answered = 0;
    // Every stored one, and perhaps the one in flight at the kill (committed, not yet answered).
    while (got.size() < stored.size()) {
        auto e = next_envelope(*alice);
        ASSERT_TRUE(e) << "only " << got.size() << " of " << stored.size() << " arrived";
        EXPECT_TRUE(held.insert(e->held).second) << "envelope " << e->held << " came twice";
        got.push_back(std::move(*e));
        if (got.size() - answered == proto::kMaxHeldInFlight || got.size() == stored.size()) {
            std::vector<std::uint64_t> batch;
            for (std::size_t i = answered; i < got.size(); ++i) {
                batch.push_back(got[i].held);
            }
            ASSERT_EQ(received(*alice, batch), "ok");
            answered = got.size();
        }
    }
    for (std::size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(got[i].mid, stored[i]) << "out of order or missing at " << i;
    }
    std::cout << "kill -9 after " << stored.size() << " messages answered stored: all "
              << got.size() << " arrived once, in order\n";
}

}  // namespace
}  // namespace sc::test
