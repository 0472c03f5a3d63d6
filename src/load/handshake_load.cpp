#include "load/handshake_load.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "net/blocking_client.h"

namespace sc::load {
namespace {

using namespace std::chrono_literals;

// One full handshake; empty when it completed, else why not.
std::string one_handshake(const HandshakeLoad& load) {
    auto client = net::BlockingClient::connect(load.port, load.config);
    if (!client) {
        return "cannot connect: " + client.error().message;
    }
    auto& c = **client;
    c.submit(c.session().start());
    c.wait_for(
        [](const net::BlockingClient::Events& events) {
            for (const auto& e : events) {
                if (std::holds_alternative<proto::event::HandshakeDone>(e) ||
                    std::holds_alternative<proto::event::PeerError>(e) ||
                    std::holds_alternative<proto::event::Failed>(e)) {
                    return true;
                }
            }
            return false;
        },
        10s);
    if (!c.has<proto::event::HandshakeDone>()) {
        const auto why = c.peer_error().empty() ? c.failure() : c.peer_error();
        return "the handshake did not complete: " + (why.empty() ? "no answer" : why);
    }
    // The server reads in order: once it refuses this frame, it has processed our dh_client
    // (the client's certificate chain and signature) in full.
    c.send_raw(std::string("\0\0\0\x01x", 5));
    if (!c.wait_closed(10s)) {
        return "the server did not close after the handshake and a bad frame";
    }
    return {};
}

}  // namespace

HandshakeResult run_handshakes(const HandshakeLoad& load) {
    HandshakeResult result;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> failed{0};
    std::mutex first_mutex;
    auto worker = [&] {
        while (next.fetch_add(1) < load.count) {
            auto why = one_handshake(load);
            if (why.empty()) {
                const auto n = done.fetch_add(1) + 1;
                if (load.progress && n % 16 == 0) {
                    load.progress(n);
                }
            } else {
                failed.fetch_add(1);
                std::lock_guard lock(first_mutex);
                if (result.first_failure.empty()) {
                    result.first_failure = why;
                }
            }
        }
    };
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < std::max<std::size_t>(load.concurrency, 1); ++i) {
        threads.emplace_back(worker);
    }
    for (auto& t : threads) {
        t.join();
    }
    result.wall = std::chrono::steady_clock::now() - started;
    result.done = done.load();
    result.failed = failed.load();
    return result;
}

}  // namespace sc::load
