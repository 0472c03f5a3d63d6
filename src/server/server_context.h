// State shared by every connection of one server: settings, identity and trust, the account
// store and its worker pool, throttling, the router, the counters behind the limits, and the
// registry of live connections (for shutdown and CRL reloads).
#pragma once

#include <asio.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "proto/environment.h"
#include "server/login_throttle.h"
#include "server/router.h"
#include "server/settings.h"
#include "store/accounts.h"

namespace sc::server {

class Connection;

struct ServerContext {
    ServerContext(Settings s, asio::io_context& io_context, proto::Identity id,
                  std::shared_ptr<const proto::Trust> t, std::unique_ptr<store::AccountStore> st);

    std::shared_ptr<const proto::Trust> current_trust() const;
    void replace_trust(std::shared_ptr<const proto::Trust> t);

    // Connections that have not logged in yet, in total and per source address.
    bool admit_unauthenticated(const std::string& address);
    void release_unauthenticated(const std::string& address);

    void add(std::uint64_t id, std::weak_ptr<Connection> c);
    void remove(std::uint64_t id);
    std::vector<std::shared_ptr<Connection>> live();

    Settings settings;
    asio::io_context& io;
    asio::thread_pool workers;
    std::atomic<std::size_t> queued_auth{0};
    std::unique_ptr<store::AccountStore> store;
    store::Accounts accounts;
    LoginThrottle throttle;
    LocalRouter router;
    proto::Identity identity;
    proto::SystemClock clock;
    proto::SystemEntropy entropy;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> next_id{1};
    std::atomic<bool> stopping{false};

  private:
    mutable std::mutex trust_mutex_;
    std::shared_ptr<const proto::Trust> trust_;
    std::mutex admission_mutex_;
    std::size_t unauthenticated_ = 0;
    std::map<std::string, std::size_t> unauthenticated_by_address_;
    std::mutex registry_mutex_;
    std::map<std::uint64_t, std::weak_ptr<Connection>> registry_;
};

}  // namespace sc::server
