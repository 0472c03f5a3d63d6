// Small thread-safe counters behind the server's limits: token buckets per key (handshakes and
// registrations per address block or certificate), capped counts per key (logged-in sessions
// per account and per block), and a daily byte quota per key (transcripts per account).
// Every table is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sc::server {

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    struct Policy {
        double burst = 1;       // tokens a fresh key starts with, and the most it holds
        double per_second = 1;  // refill
        std::size_t max_keys = 100000;
    };
    explicit RateLimiter(Policy policy) : policy_(policy) {}

    // Takes one token: nullopt when allowed, otherwise how long until the next token.
    std::optional<std::chrono::seconds> take(const std::string& key, Clock::time_point now);

  private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated{};
    };
    void refill(Bucket& b, Clock::time_point now) const;
    void make_room(Clock::time_point now);

    Policy policy_;
    std::mutex mutex_;
    std::map<std::string, Bucket> buckets_;
};

// At most `cap` holders per key at once.
class CappedCounter {
  public:
    explicit CappedCounter(std::size_t cap) : cap_(cap) {}
    bool acquire(const std::string& key);
    void release(const std::string& key);

  private:
    std::size_t cap_;
    std::mutex mutex_;
    std::map<std::string, std::size_t> counts_;
};

// Bytes per key per UTC day. Kept in memory: a restart starts a fresh day's count.
class DailyQuota {
  public:
    explicit DailyQuota(std::uint64_t per_day) : per_day_(per_day) {}
    // Adds `bytes`; false (and nothing added) when that would pass the quota.
    bool charge(const std::string& key, std::uint64_t bytes,
                std::chrono::system_clock::time_point now);

  private:
    struct Use {
        std::int64_t day = 0;
        std::uint64_t bytes = 0;
    };
    std::uint64_t per_day_;
    std::mutex mutex_;
    std::map<std::string, Use> use_;
};

}  // namespace sc::server
