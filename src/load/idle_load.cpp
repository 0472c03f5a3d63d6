#include "load/idle_load.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace sc::load {
namespace {

std::string why_not(const net::BlockingClient& client) {
    if (auto error = client.peer_error(); !error.empty()) {
        return "the server said " + error;
    }
    if (auto failure = client.failure(); !failure.empty()) {
        return failure;
    }
    if (client.io_error()) {
        return client.io_error()->message;
    }
    return client.peer_closed ? "the server closed the connection" : "no answer in time";
}

}  // namespace

IdleSessions open_idle_sessions(const IdleLoad& load) {
    IdleSessions out;
    out.clients.resize(load.count);
    std::atomic<std::size_t> next{0}, opened{0}, failed{0};
    std::mutex failure_mutex;
    const auto start = std::chrono::steady_clock::now();
    auto worker = [&] {
        for (std::size_t i = next++; i < load.count; i = next++) {
            auto client = net::BlockingClient::connect(load.port, load.config);
            std::string failure;
            if (!client) {
                failure = client.error().message;
            } else if (!(*client)->login(load.username, load.password)) {
                failure = why_not(**client);
            }
            if (failure.empty()) {
                (*client)->events.clear();  // the client's memory is not what is measured
                out.clients[i] = std::move(*client);
                const auto done = ++opened;
                if (load.progress && done % 64 == 0) {
                    load.progress(done);
                }
                continue;
            }
            ++failed;
            std::lock_guard lock(failure_mutex);
            if (out.first_failure.empty()) {
                out.first_failure = failure;
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < std::max<std::size_t>(1, load.concurrency); ++t) {
        threads.emplace_back(worker);
    }
    for (auto& t : threads) {
        t.join();
    }
    out.wall = std::chrono::steady_clock::now() - start;
    out.failed = failed;
    std::erase(out.clients, nullptr);
    if (load.progress) {
        load.progress(load.count);
    }
    return out;
}

ServedCheck check_still_served(IdleSessions& sessions, std::size_t stride) {
    ServedCheck check;
    const std::size_t n = sessions.clients.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i % std::max<std::size_t>(1, stride) != 0 && i + 1 != n) {
            continue;
        }
        auto& client = *sessions.clients[i];
        ++check.asked;
        if (client.chat("still here " + std::to_string(i))) {
            ++check.answered;
        } else if (check.first_failure.empty()) {
            check.first_failure = why_not(client);
        }
        client.events.clear();
    }
    return check;
}

}  // namespace sc::load
