// The worker threads that hash passwords (Argon2id, ~150 ms a job), off the I/O threads.
// Logins and registrations wait in separate bounded queues and a free worker always takes a
// login first, so a flood of registrations cannot starve logins (docs/SECURITY.md, M6).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sc::server {

class AuthPool {
  public:
    enum class Kind { login, registration };
    AuthPool(std::size_t threads, std::size_t max_logins, std::size_t max_registrations);
    ~AuthPool();
    AuthPool(const AuthPool&) = delete;
    AuthPool& operator=(const AuthPool&) = delete;

    // Queues `job`; false when that kind's queue is full (or the pool has stopped).
    bool submit(Kind kind, std::function<void()> job);
    // Jobs waiting now, per kind (the metrics' queue depths).
    std::size_t queued(Kind kind);
    // Drops the jobs still queued (graceful stop: their connections are ending anyway).
    void drop_queued();
    // Drops the jobs still queued, waits for the running ones, joins the threads.
    void stop();

  private:
    void work();

    std::size_t max_logins_;
    std::size_t max_registrations_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> logins_;
    std::deque<std::function<void()>> registrations_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace sc::server
