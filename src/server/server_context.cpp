#include "server/server_context.h"

#include "server/login_throttle.h"

namespace sc::server {
namespace {

RateLimiter::Policy per_hour(std::size_t n) {
    return {static_cast<double>(n), static_cast<double>(n) / 3600.0};
}

}  // namespace

Services Services::local(const Settings& settings) {
    const auto& limits = settings.limits;
    Services out;
    out.router = std::make_unique<LocalRouter>();
    out.throttle = std::make_unique<LoginThrottle>(
        LoginThrottle::Policy{.free_failures = limits.login_free_failures,
                              .free_account_failures = limits.login_free_failures_per_account,
                              .free_block_failures = limits.login_free_failures_per_block,
                              .max_delay = limits.login_max_delay});
    out.clock = std::make_unique<proto::SystemClock>();
    out.steady_clock = std::make_unique<SystemSteadyClock>();
    return out;
}

ServerContext::ServerContext(Settings s, asio::io_context& io_context, proto::Identity id,
                             std::shared_ptr<const proto::Trust> t,
                             std::unique_ptr<store::Store> st, Services services)
    : settings(std::move(s)),
      io(io_context),
      workers(settings.limits.worker_threads, settings.limits.max_queued_auth,
              settings.limits.max_queued_registrations),
      auth(workers),
      query_workers(settings.limits.query_threads, settings.limits.max_queued_queries, 0),
      queries(query_workers, &metrics),
      store(std::move(st)),
      accounts(*store,
               store::PasswordPolicy{settings.security.min_password_length,
                                     limits::kMaxPasswordBytes, settings.security.argon2_opslimit,
                                     settings.security.argon2_memlimit}),
      message_policy(settings.users.messages_from, *store),
      admission(
          {settings.limits.max_handshakes_in_flight, settings.limits.max_unauthenticated_per_ip}),
      handshakes({static_cast<double>(settings.limits.handshake_burst_per_block),
                  static_cast<double>(settings.limits.handshakes_per_block_per_s)}),
      registrations_by_block(per_hour(settings.limits.registrations_per_block_per_hour)),
      registrations_by_cert(per_hour(settings.limits.registrations_per_certificate_per_hour)),
      friend_ops({static_cast<double>(settings.limits.friend_ops_burst),
                  static_cast<double>(settings.limits.friend_ops_per_minute) / 60.0}),
      relay_ops({static_cast<double>(settings.limits.relay_burst),
                 static_cast<double>(settings.limits.relay_per_minute) / 60.0}),
      throttle(std::move(services.throttle)),
      sessions_by_account(settings.limits.max_sessions_per_account),
      sessions_by_block(settings.limits.max_authenticated_per_block),
      transcript_quota(settings.limits.max_transcript_bytes_per_account_per_day),
      router(std::move(services.router)),
      identity(std::move(id)),
      clock(std::move(services.clock)),
      steady_clock(std::move(services.steady_clock)),
      trust_(std::move(t)) {
    SC_CHECK(throttle && router && clock && steady_clock);
}

std::shared_ptr<const proto::Trust> ServerContext::current_trust() const {
    std::lock_guard lock(trust_mutex_);
    return trust_;
}

std::uint64_t ServerContext::trust_version() const {
    std::lock_guard lock(trust_mutex_);
    return trust_version_;
}

void ServerContext::replace_trust(std::shared_ptr<const proto::Trust> t) {
    std::lock_guard lock(trust_mutex_);
    trust_ = std::move(t);
    ++trust_version_;
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
