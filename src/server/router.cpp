#include "server/router.h"

#include <vector>

#include "common/usernames.h"

namespace sc::server {

Router::Handle LocalRouter::attach(const std::string& user, DeliverySink sink) {
    std::lock_guard lock(mutex_);
    auto handle = next_++;
    sessions_[canonical_username(user)][handle] = std::move(sink);
    return handle;
}

void LocalRouter::detach(const std::string& user, Handle handle) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(canonical_username(user));
    if (it == sessions_.end()) {
        return;
    }
    it->second.erase(handle);
    if (it->second.empty()) {
        sessions_.erase(it);
    }
}

std::size_t LocalRouter::notify(const std::string& to, const Delivery& delivery) {
    // Copy the sinks under the lock and call them outside it, so that a sink may attach or
    // detach (its session ending) without deadlocking.
    std::vector<DeliverySink> sinks;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(canonical_username(to));
        if (it == sessions_.end()) {
            return 0;
        }
        for (const auto& [handle, sink] : it->second) {
            (void)handle;
            sinks.push_back(sink);
        }
    }
    std::size_t took = 0;
    for (auto& sink : sinks) {
        if (sink(delivery)) {
            ++took;
        }
    }
    return took;
}

void LocalRouter::push_locked(const std::string& key, const proto::msg::Push& push) {
    auto it = joined_.find(key);
    if (it == joined_.end()) {
        return;
    }
    for (const auto& [handle, sink] : it->second.sinks) {
        (void)handle;
        sink(push);  // posts only (PushSink)
    }
}

void LocalRouter::presence_locked(const std::string& user, bool online,
                                  const std::vector<std::string>& audience) {
    proto::msg::Push push{proto::msg::Presence{user, online}};
    for (const auto& friend_name : audience) {
        push_locked(canonical_username(friend_name), push);
    }
}

void LocalRouter::join(const std::string& user, Handle handle, PushSink sink) {
    std::lock_guard lock(mutex_);
    joined_[canonical_username(user)].sinks[handle] = std::move(sink);
}

bool LocalRouter::announce(const std::string& user, Handle handle,
                           const std::vector<std::string>& audience) {
    std::lock_guard lock(mutex_);
    auto it = joined_.find(canonical_username(user));
    if (it == joined_.end() || !it->second.sinks.contains(handle) || it->second.announced) {
        return false;
    }
    it->second.announced = true;
    presence_locked(user, true, audience);
    return true;
}

bool LocalRouter::leave(const std::string& user, Handle handle,
                        const std::vector<std::string>& audience) {
    std::lock_guard lock(mutex_);
    auto it = joined_.find(canonical_username(user));
    if (it == joined_.end() || it->second.sinks.erase(handle) == 0 || !it->second.sinks.empty()) {
        return false;
    }
    bool announced = it->second.announced;
    joined_.erase(it);
    if (announced) {
        presence_locked(user, false, audience);
    }
    return announced;
}

void LocalRouter::notify_user(const std::string& user, const proto::msg::Push& push) {
    std::lock_guard lock(mutex_);
    push_locked(canonical_username(user), push);
}

void LocalRouter::notify_presence(const std::string& about, const std::string& to) {
    std::lock_guard lock(mutex_);
    auto it = joined_.find(canonical_username(about));
    if (it != joined_.end() && it->second.announced) {
        push_locked(canonical_username(to), proto::msg::Push{proto::msg::Presence{about, true}});
    }
}

bool LocalRouter::online(const std::string& user) {
    std::lock_guard lock(mutex_);
    auto it = joined_.find(canonical_username(user));
    return it != joined_.end() && it->second.announced;
}

}  // namespace sc::server
