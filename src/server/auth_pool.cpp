#include "server/auth_pool.h"

namespace sc::server {

AuthPool::AuthPool(std::size_t threads, std::size_t max_logins, std::size_t max_registrations)
    : max_logins_(max_logins), max_registrations_(max_registrations) {
    for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { work(); });
    }
}

AuthPool::~AuthPool() {
    stop();
}

bool AuthPool::submit(Kind kind, std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        auto& queue = kind == Kind::login ? logins_ : registrations_;
        auto max = kind == Kind::login ? max_logins_ : max_registrations_;
        if (stopping_ || queue.size() >= max) {
            return false;
        }
        queue.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
}

void AuthPool::work() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(
                lock, [this] { return stopping_ || !logins_.empty() || !registrations_.empty(); });
            if (stopping_) {
                return;
            }
            auto& queue = !logins_.empty() ? logins_ : registrations_;
            job = std::move(queue.front());
            queue.pop_front();
        }
        job();
    }
}

std::size_t AuthPool::queued(Kind kind) {
    std::lock_guard lock(mutex_);
    return kind == Kind::login ? logins_.size() : registrations_.size();
}

void AuthPool::drop_queued() {
    std::deque<std::function<void()>> dropped_logins;
    std::deque<std::function<void()>> dropped_registrations;
    {
        std::lock_guard lock(mutex_);
        dropped_logins.swap(logins_);
        dropped_registrations.swap(registrations_);
    }
    // Destroyed here, outside the lock.
}

void AuthPool::stop() {
    std::deque<std::function<void()>> dropped_logins;
    std::deque<std::function<void()>> dropped_registrations;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped_logins.swap(logins_);
        dropped_registrations.swap(registrations_);
    }
    ready_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    // The dropped jobs (and the connections they hold) are destroyed here, on this thread.
}

}  // namespace sc::server
