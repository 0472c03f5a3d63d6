// State shared by every connection of one server: settings, identity and trust, the account
// store and its worker pool, admission, throttles and caps, the router, the counters behind the
// limits, and the registry of live connections (for shutdown and CRL reloads).
// Lifetime: the Server destroys its io_context (and with it every Connection) before this.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "proto/environment.h"
#include "server/admission.h"
#include "server/auth_pool.h"
#include "server/auth_service.h"
#include "server/budgets.h"
#include "server/clock.h"
#include "server/message_policy.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/session_registry.h"
#include "server/settings.h"
#include "server/store_service.h"
#include "server/throttle.h"
#include "store/accounts.h"
#include "store/social_store.h"

namespace sc::server {

class Connection;

// The implementations behind the server's seams, chosen in Server::create: in-process ones
// today; a cluster brings a broker-backed router and a shared throttle (review §3.4).
struct Services {
    std::unique_ptr<Router> router;
    std::unique_ptr<Throttle> throttle;
    std::unique_ptr<const proto::Clock> clock;        // wall time: sessions, expiry, quotas
    std::unique_ptr<const SteadyClock> steady_clock;  // deadlines, rates, throttles

    // One process: LocalRouter, LoginThrottle (with the policy in `settings`), system clocks.
    static Services local(const Settings& settings);
};

struct ServerContext {
    ServerContext(Settings s, asio::io_context& io_context, proto::Identity id,
                  std::shared_ptr<const proto::Trust> t, std::unique_ptr<store::Store> st,
                  Services services);

    std::shared_ptr<const proto::Trust> current_trust() const;
    // Bumped at each replace_trust, so a connection can tell it verified against older trust.
    std::uint64_t trust_version() const;
    void replace_trust(std::shared_ptr<const proto::Trust> t);

    void add(std::uint64_t id, std::weak_ptr<Connection> c);
    void remove(std::uint64_t id);
    std::vector<std::shared_ptr<Connection>> live();

    Settings settings;
    asio::io_context& io;
    // Counted by the connections, served by the metrics endpoint; before the pools, whose
    // store queries it times, so that it outlives them.
    Metrics metrics;
    AuthPool workers;
    AuthService auth;        // submits to `workers`
    AuthPool query_workers;  // store queries of requests (one queue: Kind::login)
    StoreService queries;    // submits to `query_workers`
    std::unique_ptr<store::Store> store;
    store::Accounts accounts;
    MessagePolicy message_policy;  // [users] messages_from, over `store`: the relay asks it
    Admission admission;
    RateLimiter handshakes;              // new connections per address block
    RateLimiter registrations_by_block;  // register attempts
    RateLimiter registrations_by_cert;
    RateLimiter friend_ops;  // friend commands per account (not list_friends)
    RateLimiter relay_ops;   // send and bundle per account (the end-to-end relay)
    std::unique_ptr<Throttle> throttle;
    CappedCounter sessions_by_account;  // logged-in connections
    CappedCounter sessions_by_block;
    SessionRegistry logged_in;    // who is logged in with which device (admin: who, kick)
    DailyQuota transcript_quota;  // per account
    std::unique_ptr<Router> router;
    proto::Identity identity;
    std::unique_ptr<const proto::Clock> clock;
    std::unique_ptr<const SteadyClock> steady_clock;
    proto::SystemEntropy entropy;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> next_id{1};
    std::atomic<bool> stopping{false};

  private:
    mutable std::mutex trust_mutex_;
    std::shared_ptr<const proto::Trust> trust_;
    std::uint64_t trust_version_ = 1;
    std::mutex registry_mutex_;
    std::map<std::uint64_t, std::weak_ptr<Connection>> registry_;
};

}  // namespace sc::server
