#include "server/server_context.h"

namespace sc::server {

ServerContext::ServerContext(Settings s, asio::io_context& io_context, proto::Identity id,
                             std::shared_ptr<const proto::Trust> t,
                             std::unique_ptr<store::AccountStore> st)
    : settings(std::move(s)),
      io(io_context),
      workers(settings.limits.worker_threads),
      store(std::move(st)),
      accounts(*store, store::PasswordPolicy{settings.security.min_password_length, 256,
                                             settings.security.argon2_opslimit,
                                             settings.security.argon2_memlimit}),
      identity(std::move(id)),
      trust_(std::move(t)) {}

std::shared_ptr<const proto::Trust> ServerContext::current_trust() const {
    std::lock_guard lock(trust_mutex_);
    return trust_;
}

void ServerContext::replace_trust(std::shared_ptr<const proto::Trust> t) {
    std::lock_guard lock(trust_mutex_);
    trust_ = std::move(t);
}

bool ServerContext::admit_unauthenticated(const std::string& address) {
    std::lock_guard lock(admission_mutex_);
    auto& per_address = unauthenticated_by_address_[address];
    if (unauthenticated_ >= settings.limits.max_handshakes_in_flight ||
        per_address >= settings.limits.max_unauthenticated_per_ip) {
        if (per_address == 0) {
            unauthenticated_by_address_.erase(address);
        }
        return false;
    }
    ++unauthenticated_;
    ++per_address;
    return true;
}

void ServerContext::release_unauthenticated(const std::string& address) {
    std::lock_guard lock(admission_mutex_);
    --unauthenticated_;
    auto it = unauthenticated_by_address_.find(address);
    if (it != unauthenticated_by_address_.end() && --it->second == 0) {
        unauthenticated_by_address_.erase(it);
    }
}

void ServerContext::add(std::uint64_t id, std::weak_ptr<Connection> c) {
    std::lock_guard lock(registry_mutex_);
    registry_[id] = std::move(c);
}

void ServerContext::remove(std::uint64_t id) {
    std::lock_guard lock(registry_mutex_);
    registry_.erase(id);
}

std::vector<std::shared_ptr<Connection>> ServerContext::live() {
    std::lock_guard lock(registry_mutex_);
    std::vector<std::shared_ptr<Connection>> out;
    for (auto& [id, weak] : registry_) {
        (void)id;
        if (auto c = weak.lock()) {
            out.push_back(std::move(c));
        }
    }
    return out;
}

}  // namespace sc::server
