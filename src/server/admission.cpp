#include "server/admission.h"

#include <algorithm>
#include <vector>

namespace sc::server {

std::map<std::uint64_t, Admission::Entry>::iterator Admission::oldest_silent(
    const std::string* block) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.silent && (block == nullptr || it->second.block == *block)) {
            return it;
        }
    }
    return entries_.end();
}

Admission::Evict Admission::take(std::map<std::uint64_t, Entry>::iterator it) {
    Evict evict = std::move(it->second.evict);
    auto count = per_block_.find(it->second.block);
    if (count != per_block_.end() && --count->second == 0) {
        per_block_.erase(count);
    }
    entries_.erase(it);
    return evict;
}

bool Admission::admit(std::uint64_t id, const std::string& block, Evict evict) {
    std::vector<Evict> evicted;
    bool admitted = false;
    {
        std::lock_guard lock(mutex_);
        auto count = per_block_.find(block);
        if (count != per_block_.end() && count->second >= policy_.max_per_block) {
            if (auto victim = oldest_silent(&block); victim != entries_.end()) {
                evicted.push_back(take(victim));
            }
        }
        count = per_block_.find(block);
        bool block_ok = count == per_block_.end() || count->second < policy_.max_per_block;
        if (block_ok && entries_.size() >= policy_.max_total) {
            if (auto victim = oldest_silent(nullptr); victim != entries_.end()) {
                evicted.push_back(take(victim));
            }
        }
        if (block_ok && entries_.size() < policy_.max_total) {
            entries_.emplace(id, Entry{block, true, std::move(evict)});
            ++per_block_[block];
            admitted = true;
        }
    }
    // Outside the lock: the callbacks post to other connections' strands.
    for (auto& e : evicted) {
        if (e) {
            e();
        }
    }
    return admitted;
}

void Admission::heard(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) {
        it->second.silent = false;
        it->second.evict = nullptr;  // drops the weak reference early
    }
}

void Admission::release(std::uint64_t id) {
    Evict dropped;
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) {
        dropped = take(it);
    }
}

std::size_t Admission::size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::size_t Admission::silent() {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                  [](const auto& e) { return e.second.silent; }));
}

}  // namespace sc::server
