#include "server/session_registry.h"

#include <algorithm>

#include "server/throttle.h"

namespace sc::server {

SessionRegistry::Ticket SessionRegistry::begin_login(const std::string& user) {
    std::lock_guard lock(mutex_);
    auto it = sweeps_.find(Throttle::canonical(user));
    return it == sweeps_.end() ? 0 : it->second.count;
}

std::optional<proto::ErrorCode> SessionRegistry::add(std::uint64_t conn,
                                                     std::weak_ptr<Connection> connection,
                                                     LoggedInSession session, Ticket ticket) {
    std::string key = Throttle::canonical(session.user);
    std::lock_guard lock(mutex_);
    if (auto it = sweeps_.find(key); it != sweeps_.end() && it->second.count != ticket) {
        return it->second.last;
    }
    sessions_[conn] = Entry{std::move(session), std::move(key), std::move(connection)};
    return std::nullopt;
}

void SessionRegistry::remove(std::uint64_t conn) {
    std::lock_guard lock(mutex_);
    sessions_.erase(conn);
}

SessionRegistry::Listing SessionRegistry::list(std::size_t max) const {
    Listing out;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [conn, entry] : sessions_) {
            (void)conn;
            out.sessions.push_back(entry.session);
        }
    }
    std::sort(out.sessions.begin(), out.sessions.end(), [](const auto& a, const auto& b) {
        auto key_a = Throttle::canonical(a.user);
        auto key_b = Throttle::canonical(b.user);
        return key_a != key_b ? key_a < key_b : a.since_ms < b.since_ms;
    });
    if (out.sessions.size() > max) {
        out.sessions.resize(max);
        out.truncated = true;
    }
    return out;
}

std::vector<std::string> SessionRegistry::users() const {
    std::map<std::string, std::string> by_key;
    std::lock_guard lock(mutex_);
    for (const auto& [conn, entry] : sessions_) {
        (void)conn;
        by_key.emplace(entry.key, entry.session.user);
    }
    std::vector<std::string> out;
    for (auto& [key, user] : by_key) {
        (void)key;
        out.push_back(std::move(user));
    }
    return out;
}

std::vector<std::shared_ptr<Connection>> SessionRegistry::sweep(const std::string& user,
                                                                proto::ErrorCode why) {
    std::string key = Throttle::canonical(user);
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard lock(mutex_);
    auto& sweeps = sweeps_[key];
    ++sweeps.count;
    sweeps.last = why;
    for (const auto& [conn, entry] : sessions_) {
        (void)conn;
        if (entry.key == key) {
            if (auto c = entry.connection.lock()) {
                out.push_back(std::move(c));
            }
        }
    }
    return out;
}

}  // namespace sc::server
