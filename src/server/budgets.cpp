#include "server/budgets.h"

#include <algorithm>
#include <cmath>

namespace sc::server {

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
    if (now > b.updated) {
        double seconds = std::chrono::duration<double>(now - b.updated).count();
        b.tokens = std::min(policy_.burst, b.tokens + seconds * policy_.per_second);
        b.updated = now;
    }
}

// A full bucket carries no information (a fresh key starts full), so those go first; if every
// bucket is in use, the least recently used one goes.
void RateLimiter::make_room(Clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        it = it->second.tokens >= policy_.burst ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= policy_.max_keys) {
        auto oldest = std::min_element(
            buckets_.begin(), buckets_.end(),
            [](const auto& x, const auto& y) { return x.second.updated < y.second.updated; });
        buckets_.erase(oldest);
    }
}

std::optional<std::chrono::seconds> RateLimiter::take(const std::string& key,
                                                      Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= policy_.max_keys) {
            make_room(now);
        }
        it = buckets_.emplace(key, Bucket{policy_.burst, now}).first;
    }
    Bucket& b = it->second;
    refill(b, now);
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return std::nullopt;
    }
    double wait = policy_.per_second > 0 ? (1 - b.tokens) / policy_.per_second : 3600.0;
    return std::chrono::seconds(
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait))));
}

bool CappedCounter::acquire(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto& n = counts_[key];
    if (n >= cap_) {
        if (n == 0) {
            counts_.erase(key);
        }
        return false;
    }
    ++n;
    return true;
}

void CappedCounter::release(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(key);
    if (it != counts_.end() && --it->second == 0) {
        counts_.erase(it);
    }
}

bool DailyQuota::charge(const std::string& key, std::uint64_t bytes,
                        std::chrono::system_clock::time_point now) {
    auto day = std::chrono::floor<std::chrono::days>(now).time_since_epoch().count();
    std::lock_guard lock(mutex_);
    if (use_.size() > 100000) {
        std::erase_if(use_, [day](const auto& kv) { return kv.second.day != day; });
    }
    Use& u = use_[key];
    if (u.day != day) {
        u = Use{day, 0};
    }
    if (bytes > per_day_ || u.bytes > per_day_ - bytes) {
        return false;
    }
    u.bytes += bytes;
    return true;
}

}  // namespace sc::server
