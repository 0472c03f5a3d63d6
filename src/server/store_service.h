// Store queries of requests (friends, admin commands) off the I/O threads, on their own
// workers: submit() runs `job` on a worker and posts its outcome to the caller's strand. A full
// queue refuses at once (the caller answers `unavailable`), so a flood of requests waits in no
// unbounded place.
#pragma once

#include <asio.hpp>

#include <functional>
#include <memory>
#include <utility>

#include "server/auth_pool.h"

namespace sc::server {

class StoreService {
  public:
    explicit StoreService(AuthPool& workers) : workers_(workers) {}

    // False when the queue is full or the pool stopped: neither `job` nor `then` runs.
    template <class T>
    bool submit(asio::any_io_executor strand, std::function<T()> job, std::function<void(T)> then) {
        return workers_.submit(AuthPool::Kind::login, [strand = std::move(strand),
                                                       job = std::move(job),
                                                       then = std::move(then)]() mutable {
            auto outcome = std::make_shared<T>(job());  // shared: the handler stays copyable
            asio::post(strand, [then = std::move(then), outcome] { then(std::move(*outcome)); });
        });
    }

  private:
    AuthPool& workers_;
};

}  // namespace sc::server
