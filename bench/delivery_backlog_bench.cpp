// Issue 12, item 12: how long a backlog of stored messages takes to become delivered once its
// recipient logs in. bob sends alice N messages while she is offline (each answered by the
// server's signed `stored` statement); then, with bob online, alice logs in, and the run ends
// when bob holds N `delivered` statements signed by her device. Everything is the real binary
// on loopback: a `securechat server` on SQLite (fsync'd commits), two `securechat chat --json`
// clients with their ratchets, histories and transcripts on disk.
//
// The backlog is made once per process; its server and client data directories are saved and
// put back before each repetition, so every repetition delivers the same N stored envelopes.
// The reported time (manual) runs from alice's client being started to bob's N-th `delivered`
// event; the counters split it. Each run also checks that alice got every message exactly once
// and in order, and that bob was told of each one delivered: a run that loses, repeats or
// reorders fails instead of reporting a figure.
//
//   securechat_bench_delivery [--backlog=N] [Google Benchmark flags]   (scripts/bench.sh)
#include <benchmark/benchmark.h>

#include <sqlite3.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <set>
#include <thread>

#include "bench_world.h"

namespace sc::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Longest a run may make no progress (no event awaited arrives) before it fails.
constexpr auto kStall = std::chrono::seconds(60);
// Messages bob has said but not yet seen stored: enough to keep the client busy, few enough
// that neither pipe fills.
constexpr std::size_t kSendWindow = 64;

std::string text_of(std::size_t n) {
    return "backlog message " + std::to_string(n);
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Polls the server's SQLite file (read-only) until a device of alice's holds a signed prekey:
// only then can bob open a session with it.
void wait_for_prekey(const std::filesystem::path& database) {
    auto deadline = Clock::now() + kStall;
    auto uri = "file:" + database.string() + "?mode=ro";
    while (Clock::now() < deadline) {
        sqlite3* db = nullptr;
        bool found = false;
        if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) ==
            SQLITE_OK) {
            sqlite3_busy_timeout(db, 1000);
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(db, "SELECT count(*) FROM signed_prekeys", -1, &st, nullptr) ==
                SQLITE_OK) {
                found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
            }
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        if (found) {
            return;
        }
        std::this_thread::sleep_for(20ms);  // polling a state, not timing it
    }
    throw BenchFailure("alice's device published no signed prekey");
}

class Backlog {
  public:
    explicit Backlog(std::size_t count) : count_(count), world_(server_settings(count)) {
        auto began = Clock::now();
        world_.start_server();
        auto alice = world_.client("alice");
        alice->say("/register alice@example.org alice " + BenchWorld::password("alice"));
        alice->await("registered", kStall);
        auto bob = world_.client("bob");
        bob->say("/register bob@example.org bob " + BenchWorld::password("bob"));
        bob->await("registered", kStall);
        alice->say("/friend request bob");
        bob->await("friend_request", kStall);
        bob->say("/friend accept alice");
        bob->await("friend_added", kStall);
        alice->await("friend_added", kStall);
        wait_for_prekey(world_.server_database());
        alice->quit();  // offline from here: everything bob sends is stored for her
        send_all(*bob);
        bob->quit();
        world_.stop_server();
        world_.save_state();
        std::cerr << "backlog of " << count_ << " stored messages made in "
                  << seconds_between(began, Clock::now()) << " s\n";
    }

    // One delivery at login, measured; the figures, or a BenchFailure.
    struct Figures {
        double login_s = 0;            // alice started .. logged_in
        double first_delivered_s = 0;  // alice started .. bob's first `delivered`
        double all_received_s = 0;     // alice started .. her last `message`
        double all_delivered_s = 0;    // alice started .. bob's last `delivered`
    };
    Figures deliver_once() {
        world_.restore_state();
        world_.start_server();
        auto bob = world_.client("bob");
        bob->say("/login bob " + BenchWorld::password("bob"));
        bob->await("logged_in", kStall);

        Figures f;
        const auto started = Clock::now();
        auto alice = world_.client("alice");
        alice->say("/login alice " + BenchWorld::password("alice"));
        std::string alice_failure;
        std::thread reader([&] {
            try {
                read_messages(*alice, started, f);
            } catch (const BenchFailure& e) {
                alice_failure = e.what();
            }
        });
        std::string bob_failure;
        try {
            read_delivered(*bob, started, f);
        } catch (const BenchFailure& e) {
            bob_failure = e.what();
        }
        reader.join();
        alice->quit();
        bob->quit();
        world_.stop_server();
        if (!alice_failure.empty() || !bob_failure.empty()) {
            throw BenchFailure(alice_failure + (alice_failure.empty() ? "" : "\n") + bob_failure);
        }
        return f;
    }
    std::size_t count() const { return count_; }

  private:
    static std::vector<std::string> server_settings(std::size_t count) {
        const auto room = std::to_string(2 * count + 100);
        return {"limits.held_per_device=" + room, "limits.held_bytes_per_device=4000000000",
                "limits.relay_burst=" + room, "limits.relay_per_minute=" + room};
    }

    void send_all(BenchChat& bob) {
        std::size_t said = 0;
        std::size_t stored = 0;
        while (stored < count_) {
            while (said < count_ && said - stored < kSendWindow) {
                bob.say("/msg alice " + text_of(++said));
            }
            auto e = bob.await("stored", kStall);
            if (e.value("to", "") != "alice") {
                throw BenchFailure("a stored statement for someone else: " + e.dump());
            }
            ++stored;
        }
    }

    // alice's `message` events: every text once, in the order sent.
    void read_messages(BenchChat& alice, Clock::time_point started, Figures& f) const {
        std::size_t got = 0;
        while (got < count_) {
            auto e = alice.next_event(kStall);
            const auto kind = e.is_null() ? std::string() : e.value("event", "");
            if (e.is_null() || kind == "error") {
                throw BenchFailure(
                    "alice after " + std::to_string(got) + " messages: " +
                    (e.is_null() ? "no event for a minute\n" + alice.tail() : e.dump()));
            }
            if (kind == "logged_in") {
                f.login_s = seconds_between(started, Clock::now());
            } else if (kind == "message") {
                if (e.value("text", "") != text_of(got + 1)) {
                    throw BenchFailure("alice expected '" + text_of(got + 1) + "', got " +
                                       e.dump());
                }
                ++got;
            }
        }
        f.all_received_s = seconds_between(started, Clock::now());
    }

    // bob's `delivered` events: one per message id.
    void read_delivered(BenchChat& bob, Clock::time_point started, Figures& f) const {
        std::set<std::string> mids;
        while (mids.size() < count_) {
            auto e = bob.await("delivered", kStall);
            if (!mids.insert(e.value("mid", "")).second) {
                throw BenchFailure("bob was told twice of " + e.dump());
            }
            if (mids.size() == 1) {
                f.first_delivered_s = seconds_between(started, Clock::now());
            }
        }
        f.all_delivered_s = seconds_between(started, Clock::now());
    }

    std::size_t count_;
    BenchWorld world_;
};

bool g_failed = false;

void BM_StoredToDeliveredAtLogin(benchmark::State& state) {
    static std::unique_ptr<Backlog> backlog;  // made once, reused by every repetition
    const auto count = static_cast<std::size_t>(state.range(0));
    try {
        if (!backlog || backlog->count() != count) {
            backlog.reset();
            backlog = std::make_unique<Backlog>(count);
        }
        for (auto _ : state) {
            auto f = backlog->deliver_once();
            state.SetIterationTime(f.all_delivered_s);
            state.counters["login_s"] = f.login_s;
            state.counters["first_delivered_s"] = f.first_delivered_s;
            state.counters["all_received_s"] = f.all_received_s;
            state.counters["delivered_per_s"] =
                static_cast<double>(count) / (f.all_delivered_s - f.login_s);
        }
    } catch (const std::exception& e) {
        g_failed = true;
        std::cerr << "benchmark failed: " << e.what() << "\n";
        state.SkipWithError("the run failed (see above)");
    }
}

}  // namespace
}  // namespace sc::bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    std::int64_t backlog = 10'000;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg(argv[i]);
        constexpr std::string_view kBacklog = "--backlog=";
        auto value = arg.substr(kBacklog.size());
        if (arg.rfind(kBacklog, 0) != 0 ||
            std::from_chars(value.data(), value.data() + value.size(), backlog).ec != std::errc() ||
            backlog <= 0) {
            std::cerr << "usage: " << argv[0]
                      << " [--backlog=N] [Google Benchmark flags]\nunknown argument: " << arg
                      << "\n";
            return 2;
        }
    }
    benchmark::RegisterBenchmark("DeliveryBacklog/StoredToDeliveredAtLogin",
                                 sc::bench::BM_StoredToDeliveredAtLogin)
        ->Arg(backlog)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kSecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return sc::bench::g_failed ? 1 : 0;
}
