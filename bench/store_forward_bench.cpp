// Stored → delivered at login (issue 12, item 12): a real server (SQLite, loopback), bob's
// backlog of envelopes committed for alice's device while it was offline, and the time her
// next session takes from login until every one has been pushed and answered `received` (the
// window of kMaxHeldInFlight, `received` per full window). The backlog is stored outside the
// timing, one `send` after another, each answered `stored` after its commit.
//   build/bench/store_forward_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "e2e/prekeys.h"
#include "proto/limits.h"
#include "server_fixture.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

namespace msg = proto::msg;
constexpr const char* kPassword = "correct horse battery";

// Sends `request` and waits for its answer.
std::optional<msg::Answer> ask(NetClient& c, msg::Request request) {
    c.submit(c.session().request(std::move(request)));
    std::uint64_t id = 0;
    for (auto it = c.events.rbegin(); it != c.events.rend(); ++it) {
        if (auto* sent = std::get_if<proto::event::RequestSent>(&*it)) {
            id = sent->id;
            break;
        }
    }
    std::optional<msg::Answer> answer;
    c.wait_for([&](const NetClient::Events& events) {
        for (const auto& e : events) {
            if (auto* a = std::get_if<proto::event::Answered>(&e);
                a && msg::request_id(a->answer) == id) {
                answer = a->answer;
                return true;
            }
        }
        return false;
    });
    return answer;
}

void StoredToDeliveredAtLogin(benchmark::State& state) {
    const auto backlog = static_cast<std::size_t>(state.range(0));
    TempDir tmp;
    TestCa ca(tmp / "ca");
    auto settings = test_settings(ca, tmp / "data");
    settings.users.messages_from = server::MessagesFrom::anyone;
    settings.limits.relay_burst = 1'000'000;
    settings.limits.relay_per_minute = 1'000'000;
    settings.limits.registrations_per_block_per_hour = 1000;
    RunningServer server(settings);
    // "client" (the recipient device, with a signed prekey) and "bob", the sender.
    const auto alice_id = ca.client("client");
    const std::string device = alice_id.chain.front().fingerprint().hex();
    {
        auto alice = NetClient::connect(server.port(), ca.client_config("client"));
        if (!alice || !alice->register_user("client@example.com", "client", kPassword)) {
            state.SkipWithError("cannot register the recipient");
            return;
        }
        msg::PublishPrekeys p;
        p.spk_id = 1;
        p.spk = Bytes(proto::kPrekeyBytes, 5);
        p.spk_ts = 1'700'000'000'000;
        p.spk_sig =
            e2e::sign_prekey(*alice_id.key, e2e::PrekeyKind::signed_prekey,
                             alice_id.chain.front().fingerprint(), p.spk_id, p.spk, p.spk_ts)
                .value();
        ask(*alice, std::move(p));
        alice->close_with_receipts();
    }
    auto bob = NetClient::connect(server.port(), ca.client_config("bob"));
    if (!bob || !bob->register_user("bob@example.com", "bob", kPassword)) {
        state.SkipWithError("cannot register the sender");
        return;
    }
    std::uint32_t next_mid = 0;
    const Bytes body(1024, 0x5a);  // a short message's envelope is about this size
    for (auto _ : state) {
        state.PauseTiming();
        for (std::size_t i = 0; i < backlog; ++i) {
            Bytes mid(kMessageIdBytes, 0);
            ++next_mid;
            for (int b = 0; b < 4; ++b) {
                mid[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(next_mid >> (8 * b));
            }
            auto answer = ask(*bob, msg::Relay{0, "client", device, mid, body});
            if (!answer || !std::holds_alternative<msg::Stored>(*answer)) {
                state.SkipWithError("a send was not stored");
                return;
            }
        }
        state.ResumeTiming();
        // Timed: login, then every envelope pushed and answered `received`.
        auto alice = NetClient::connect(server.port(), ca.client_config("client"));
        if (!alice || !alice->login("client", kPassword)) {
            state.SkipWithError("the recipient cannot log in");
            return;
        }
        std::size_t got = 0;
        std::size_t seen = 0;  // events looked at
        std::vector<std::uint64_t> window;
        while (got < backlog) {
            bool more = alice->wait_for([&](const NetClient::Events& events) {
                for (; seen < events.size(); ++seen) {
                    if (auto* p = std::get_if<proto::event::Pushed>(&events[seen])) {
                        if (auto* e = std::get_if<msg::Envelope>(&p->push)) {
                            window.push_back(e->held);
                            ++got;
                        }
                    }
                }
                return window.size() == proto::kMaxHeldInFlight || got == backlog;
            });
            if (!more) {
                state.SkipWithError("the backlog stopped coming");
                return;
            }
            for (std::size_t at = 0; at < window.size(); at += proto::kMaxReceivedPerRequest) {
                const auto end = std::min(window.size(), at + proto::kMaxReceivedPerRequest);
                ask(*alice, msg::Received{0, std::vector<std::uint64_t>(
                                                 window.begin() + static_cast<long>(at),
                                                 window.begin() + static_cast<long>(end))});
            }
            window.clear();
        }
        state.PauseTiming();
        alice->close_with_receipts();
        state.ResumeTiming();
    }
    state.counters["envelopes"] = static_cast<double>(backlog);
    state.counters["envelopes_per_s"] =
        benchmark::Counter(static_cast<double>(backlog) * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate);
}
BENCHMARK(StoredToDeliveredAtLogin)
    ->Arg(10'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace sc::test

BENCHMARK_MAIN();
