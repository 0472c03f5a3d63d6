#include "server/router.h"

#include <vector>

namespace sc::server {

Router::Handle LocalRouter::attach(const std::string& user, DeliverySink sink) {
    std::lock_guard lock(mutex_);
    auto handle = next_++;
    sessions_[user][handle] = std::move(sink);
    return handle;
}

void LocalRouter::detach(const std::string& user, Handle handle) {
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

void LocalRouter::notify(const std::string& to, const Delivery& delivery) {
    // Copy the sinks under the lock and call them outside it, so that a sink may attach or
    // detach (its session ending) without deadlocking.
    std::vector<DeliverySink> sinks;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(to);
        if (it == sessions_.end()) {
            return;
        }
        for (const auto& [handle, sink] : it->second) {
            (void)handle;
            sinks.push_back(sink);
        }
    }
    for (auto& sink : sinks) {
        sink(delivery);
    }
}

}  // namespace sc::server
