#include "server/login_throttle.h"

#include <algorithm>

namespace sc::server {

std::optional<std::chrono::seconds> LoginThrottle::wait(const std::map<std::string, Entry>& table,
                                                        const std::string& key,
                                                        Clock::time_point now) {
    auto it = table.find(key);
    if (it == table.end() || it->second.until <= now) {
        return std::nullopt;
    }
    auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second.until - now);
    return std::max(left, std::chrono::seconds(1));
}

std::optional<std::chrono::seconds> LoginThrottle::blocked(const std::string& account,
                                                           const std::string& address,
                                                           Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto a = wait(accounts_, account, now);
    auto b = wait(addresses_, address, now);
    if (a && b) {
        return std::max(*a, *b);
    }
    return a ? a : b;
}

void LoginThrottle::bump(std::map<std::string, Entry>& table, const std::string& key, unsigned free,
                         Clock::time_point now) {
    if (table.size() >= policy_.max_entries && table.find(key) == table.end()) {
        auto oldest = std::min_element(
            table.begin(), table.end(),
            [](const auto& x, const auto& y) { return x.second.last < y.second.last; });
        table.erase(oldest);
    }
    Entry& e = table[key];
    ++e.failures;
    e.last = now;
    if (e.failures >= free) {
        // 1 s, 2 s, 4 s, ... up to max_delay.
        unsigned exponent = std::min(e.failures - free, 16u);
        auto delay = std::min(std::chrono::seconds(1LL << exponent), policy_.max_delay);
        e.until = now + delay;
    }
}

void LoginThrottle::failed(const std::string& account, const std::string& address,
                           Clock::time_point now) {
    std::lock_guard lock(mutex_);
    bump(accounts_, account, policy_.free_account_failures, now);
    bump(addresses_, address, policy_.free_address_failures, now);
}

void LoginThrottle::succeeded(const std::string& account) {
    std::lock_guard lock(mutex_);
    accounts_.erase(account);
}

}  // namespace sc::server
