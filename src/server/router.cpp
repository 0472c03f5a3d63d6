#include "server/router.h"

namespace sc::server {

std::uint64_t LocalRouter::attach(const std::string& user, Deliver deliver) {
    std::lock_guard lock(mutex_);
    auto handle = next_++;
    sessions_[user][handle] = std::move(deliver);
    return handle;
}

void LocalRouter::detach(const std::string& user, std::uint64_t handle) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(user);
    if (it == sessions_.end()) {
        return;
    }
    it->second.erase(handle);
    if (it->second.empty()) {
        sessions_.erase(it);
    }
}

bool LocalRouter::online(const std::string& user) const {
    std::lock_guard lock(mutex_);
    return sessions_.count(user) != 0;
}

bool LocalRouter::route(const std::string& from, const std::string& to, const std::string& text) {
    // Copy the recipients under the lock, deliver outside it.
    std::vector<Deliver> targets;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(to);
        if (it == sessions_.end()) {
            return false;
        }
        for (const auto& [handle, deliver] : it->second) {
            (void)handle;
            targets.push_back(deliver);
        }
    }
    for (auto& deliver : targets) {
        deliver(from, text);
    }
    return true;
}

}  // namespace sc::server
