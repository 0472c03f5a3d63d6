// Store queries of requests (friends, admin commands) off the I/O threads, on their own
// workers: submit() runs `job` on a worker and posts its outcome to the caller's strand. A full
// queue refuses at once (the caller answers `unavailable`), so a flood of requests waits in no
// unbounded place.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "server/auth_pool.h"
#include "server/metrics.h"

namespace sc::server {

class StoreService {
  public:
    // `metrics`, when given, observes how long each query ran (its time on the worker).
    explicit StoreService(AuthPool& workers, Metrics* metrics = nullptr)
        : workers_(workers), metrics_(metrics) {}

    // False when the queue is full or the pool stopped: neither `job` nor `then` runs.
    template <class T>
    bool submit(asio::any_io_executor strand, std::function<T()> job, std::function<void(T)> then) {
        return workers_.submit(AuthPool::Kind::login, [strand = std::move(strand),
                                                       job = std::move(job), then = std::move(then),
                                                       metrics = metrics_]() mutable {
            const auto started = std::chrono::steady_clock::now();
            auto outcome = std::make_shared<T>(job());  // shared: the handler stays copyable
            if (metrics != nullptr) {
                metrics->observe_store_query(std::chrono::steady_clock::now() - started);
            }
            asio::post(strand, [then = std::move(then), outcome] { then(std::move(*outcome)); });
        });
    }

  private:
    AuthPool& workers_;
    Metrics* metrics_;
};

}  // namespace sc::server
