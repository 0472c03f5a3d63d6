#include "server/login_throttle.h"

#include <algorithm>

#include "common/usernames.h"

namespace sc::server {

std::string Throttle::canonical(std::string_view username) {
    return canonical_username(username);
}

std::string LoginThrottle::pair_key(const std::string& account, const std::string& block) {
    return account + '\n' + block;  // neither contains a line break
}

std::optional<std::chrono::seconds> LoginThrottle::wait(Table& table, const std::string& key,
                                                        Clock::time_point now) const {
    auto it = table.find(key);
    if (it == table.end()) {
        return std::nullopt;
    }
    if (now - it->second.last > policy_.forget_after) {
        table.erase(it);
        return std::nullopt;
    }
    if (it->second.until <= now) {
        return std::nullopt;
    }
    // Rounded up: a client that waits the seconds it is told is not refused again.
    auto left = std::chrono::ceil<std::chrono::seconds>(it->second.until - now);
    return std::max(left, std::chrono::seconds(1));
}

void LoginThrottle::bump(Table& table, const std::string& key, unsigned free,
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
        unsigned exponent = std::min(e.failures - free, 16u);
        auto delay = std::min(std::chrono::seconds(1LL << exponent), policy_.max_delay);
        e.until = now + delay;
    }
}

void LoginThrottle::unbump(Table& table, const std::string& key, unsigned free) {
    auto it = table.find(key);
    if (it == table.end()) {
        return;
    }
    if (it->second.failures <= 1) {
        table.erase(it);
        return;
    }
    --it->second.failures;
    if (it->second.failures < free) {
        it->second.until = {};
    }
}

bool LoginThrottle::trusted(const std::string& pair, Clock::time_point now) {
    auto it = successes_.find(pair);
    if (it == successes_.end()) {
        return false;
    }
    if (now - it->second > policy_.trust_success_for) {
        successes_.erase(it);
        return false;
    }
    return true;
}

std::optional<std::chrono::seconds> LoginThrottle::reserve(const std::string& account,
                                                           const std::string& block,
                                                           Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto key = pair_key(account, block);
    // A pair that logged in before meets only its own delay (its owner mistyping).
    bool known = trusted(key, now);
    std::optional<std::chrono::seconds> longest = wait(pairs_, key, now);
    if (!known) {
        for (auto w : {wait(accounts_, account, now), wait(blocks_, block, now)}) {
            if (w && (!longest || *w > *longest)) {
                longest = w;
            }
        }
    }
    if (longest) {
        return longest;
    }
    bump(pairs_, key, policy_.free_failures, now);
    bump(accounts_, account, policy_.free_account_failures, now);
    bump(blocks_, block, policy_.free_block_failures, now);
    return std::nullopt;
}

void LoginThrottle::succeeded(const std::string& account, const std::string& block,
                              Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto key = pair_key(account, block);
    if (successes_.size() >= policy_.max_entries && successes_.find(key) == successes_.end()) {
        auto oldest =
            std::min_element(successes_.begin(), successes_.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; });
        successes_.erase(oldest);
    }
    successes_[key] = now;
    pairs_.erase(key);
    unbump(accounts_, account, policy_.free_account_failures);
    unbump(blocks_, block, policy_.free_block_failures);
}

void LoginThrottle::refund(const std::string& account, const std::string& block) {
    std::lock_guard lock(mutex_);
    unbump(pairs_, pair_key(account, block), policy_.free_failures);
    unbump(accounts_, account, policy_.free_account_failures);
    unbump(blocks_, block, policy_.free_block_failures);
}

std::size_t LoginThrottle::tracked() {
    std::lock_guard lock(mutex_);
    return pairs_.size() + accounts_.size() + blocks_.size();
}

}  // namespace sc::server
