#include "server/server.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <asio/experimental/as_tuple.hpp>

#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "pki/ca_directory.h"
#include "server/address_block.h"
#include "server/connection.h"
#include "server/disabled_sweep.h"
#include "server/expiry_sweep.h"
#include "server/log.h"
#include "server/startup.h"
#include "store/social_store.h"

namespace sc::server {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

Status make_private_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fail("cannot create " + dir.string() + ": " + ec.message());
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
        return fail("cannot restrict " + dir.string() + ": " + ec.message());
    }
    return {};
}

}  // namespace

void disable_core_dumps() {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

Server::Server() = default;

Server::~Server() {
    if (ctx_) {
        // Jobs still queued are dropped (their connections with them) while io_ and ctx_ live.
        ctx_->workers.stop();
        ctx_->query_workers.stop();  // its jobs use ctx_->store, which goes before it
    }
    signals_.reset();
    acceptors_.clear();
}

Result<std::unique_ptr<Server>> Server::create(Settings settings) {
    SC_TRY(validate(settings));
    log::set_level(settings.log_level);
    log::set_format(settings.log_format);
    SC_TRY(make_private_directory(settings.data_dir));
    SC_TRY(make_private_directory(settings.data_dir / "transcripts"));
    SC_TRY_ASSIGN(auto identity, load_identity(settings));
    SC_TRY_ASSIGN(auto trust, load_trust(settings));
    SC_TRY_ASSIGN(auto store, open_store(settings));
    std::unique_ptr<Server> server(new Server());
    // The seams' implementations are chosen here: one process, so the local ones.
    auto services = Services::local(settings);
    server->ctx_ =
        std::make_unique<ServerContext>(std::move(settings), server->io_, std::move(identity),
                                        std::move(trust), std::move(store), std::move(services));
    for (const auto& text : server->ctx_->settings.listen) {
        SC_TRY_ASSIGN(auto endpoint, parse_endpoint(text));
        asio::error_code ec;
        auto address = asio::ip::make_address(endpoint.first, ec);
        if (ec) {
            return fail("listen address '" + text + "': " + ec.message());
        }
        auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(server->io_);
        asio::ip::tcp::endpoint ep(address, endpoint.second);
        acceptor->open(ep.protocol(), ec);
        if (!ec) {
            acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec && ep.address().is_v6()) {
            acceptor->set_option(asio::ip::v6_only(true), ec);
        }
        if (!ec) {
            acceptor->bind(ep, ec);
        }
        if (!ec) {
            acceptor->listen(asio::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            return fail("cannot listen on " + text + ": " + ec.message());
        }
        server->acceptors_.push_back(std::move(acceptor));
    }
    if (const auto& listen = server->ctx_->settings.metrics.listen; !listen.empty()) {
        SC_TRY_ASSIGN(server->metrics_, MetricsEndpoint::open(server->io_, listen));
    }
    server->check_crl_freshness();
    if (!server->ctx_->settings.identity.bind_accounts) {
        log::event(log::Level::warn, "identity_binding_off",
                   {{"effect",
                     "any client certificate from the CA can register and log in to any "
                     "account, so a certificate says nothing about who a user is and messages "
                     "between users cannot be end-to-end authenticated"},
                    {"setting", "identity.bind_accounts = false"}});
    }
    log::event(log::Level::info, "server_ready",
               {{"store", server->ctx_->store->backend()},
                {"cert_cn", server->ctx_->identity.chain.front().common_name()}});
    return server;
}

std::vector<asio::ip::tcp::endpoint> Server::endpoints() const {
    std::vector<asio::ip::tcp::endpoint> out;
    for (const auto& a : acceptors_) {
        out.push_back(a->local_endpoint());
    }
    return out;
}

std::optional<asio::ip::tcp::endpoint> Server::metrics_endpoint() const {
    if (!metrics_) {
        return std::nullopt;
    }
    return metrics_->local_endpoint();
}

std::string Server::render_metrics() const {
    using namespace std::chrono;
    const auto now = ctx_->clock->now();
    auto seconds_until = [&](pki::TimePoint t) {
        return static_cast<double>(duration_cast<seconds>(t - now).count());
    };
    std::vector<Gauge> gauges{
        {"connections_open", "Open connections, logged in or not",
         static_cast<double>(ctx_->connections.load())},
        {"awaiting_login", "Connections holding an admission slot (not logged in yet)",
         static_cast<double>(ctx_->admission.size())},
        {"auth_queue_logins", "Logins waiting for an Argon2id worker",
         static_cast<double>(ctx_->workers.queued(AuthPool::Kind::login))},
        {"auth_queue_registrations", "Registrations waiting for an Argon2id worker",
         static_cast<double>(ctx_->workers.queued(AuthPool::Kind::registration))},
        {"login_throttle_records",
         "Failure records the login throttle holds (account, address block, both)",
         static_cast<double>(ctx_->throttle->tracked())},
        {"store_queue", "Store queries of requests waiting for a worker",
         static_cast<double>(ctx_->query_workers.queued(AuthPool::Kind::login))},
        {"certificate_expiry_seconds", "Seconds until the server certificate's notAfter",
         seconds_until(ctx_->identity.chain.front().not_after())},
    };
    auto trust = ctx_->current_trust();
    std::optional<pki::TimePoint> next_crl;
    for (const auto& crl : trust->crls) {
        if (auto next = crl.next_update(); next != pki::TimePoint::min()) {
            next_crl = next_crl ? std::min(*next_crl, next) : next;
        }
    }
    if (next_crl) {
        gauges.push_back({"crl_next_update_seconds",
                          "Seconds until the earliest nextUpdate of the loaded CRLs",
                          seconds_until(*next_crl)});
    }
    return ctx_->metrics.render(gauges);
}

Server::Stats Server::stats() const {
    return {.connections = ctx_->connections.load(),
            .awaiting_login = ctx_->admission.size(),
            .silent = ctx_->admission.silent()};
}

asio::awaitable<void> Server::accept_loop(asio::ip::tcp::acceptor& acceptor) {
    auto backoff = std::chrono::milliseconds(10);
    while (!ctx_->stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
        if (ec) {
            if (ctx_->stopping || ec == asio::error::operation_aborted) {
                co_return;
            }
            // Out of file descriptors or similar: back off instead of spinning.
            log::event(log::Level::warn, "accept_failed", {{"reason", ec.message()}});
            asio::steady_timer pause(co_await asio::this_coro::executor, backoff);
            co_await pause.async_wait(kNoThrow);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            continue;
        }
        backoff = std::chrono::milliseconds(10);
        asio::error_code ignored;
        if (ctx_->stopping) {
            socket.close(ignored);
            co_return;
        }
        ctx_->metrics.count(Counter::connections_accepted);
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto remote = socket.remote_endpoint(ignored);
        std::string address = remote.address().to_string();
        std::string block = address_block(remote.address());
        if (ctx_->connections >= ctx_->settings.limits.max_connections) {
            log::event(log::Level::warn, "connection_refused",
                       {{"peer", address}, {"reason", "max_connections reached"}});
            ctx_->metrics.count(Counter::connections_refused, {{"reason", "max_connections"}});
            socket.close(ignored);
            continue;
        }
        auto connection = std::make_shared<Connection>(*ctx_, std::move(socket), address, block);
        // Every connection may cost a DH keygen and a signature at its hello (L10).
        if (auto wait = ctx_->handshakes.take(block, ctx_->steady_clock->now())) {
            log::event(log::Level::warn, "connection_refused",
                       {{"peer", address}, {"reason", "handshake rate of the address block"}});
            ctx_->metrics.count(Counter::connections_refused, {{"reason", "handshake_rate"}});
            connection->start(Connection::Refusal{proto::ErrorCode::throttled,
                                                  "too many new connections from your network; try "
                                                  "again in " +
                                                      std::to_string(wait->count()) + " s"});
            continue;
        }
        std::weak_ptr<Connection> weak = connection;
        bool admitted = ctx_->admission.admit(connection->id(), block, [weak] {
            if (auto c = weak.lock()) {
                c->evict();
            }
        });
        if (admitted) {
            connection->start();
        } else {
            log::event(log::Level::warn, "connection_refused",
                       {{"peer", address}, {"reason", "too many connections awaiting login"}});
            ctx_->metrics.count(Counter::connections_refused, {{"reason", "awaiting_login"}});
            connection->start(
                Connection::Refusal{proto::ErrorCode::throttled,
                                    "too many connections awaiting login; try again later"});
        }
    }
}

int Server::run(bool handle_signals) {
    for (auto& acceptor : acceptors_) {
        asio::co_spawn(accept_strand_, accept_loop(*acceptor), asio::detached);
    }
    if (metrics_) {
        asio::co_spawn(accept_strand_, metrics_->serve([this] { return render_metrics(); }),
                       asio::detached);
    }
    asio::co_spawn(io_, expiry_sweeps(), asio::detached);
    if (handle_signals) {
        install_signal_handlers();
    }
    std::size_t threads = ctx_->settings.limits.io_threads;
    if (threads == 0) {
        threads = std::max(1u, std::thread::hardware_concurrency());
    }
    auto guard = asio::make_work_guard(io_);
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < threads; ++i) {
        pool.emplace_back([this] { io_.run(); });
    }
    guard.reset();
    io_.run();
    for (auto& t : pool) {
        t.join();
    }
    log::event(log::Level::info, "server_stopped");
    return 0;
}

void Server::install_signal_handlers() {
    if (!signals_) {
        signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
        wait_for_signals();
    }
}

void Server::wait_for_signals() {
    signals_->async_wait([this](const asio::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            auto reloaded = reload_now();
            log::event(reloaded ? log::Level::info : log::Level::error, "reload",
                       {{"result", reloaded ? "ok" : reloaded.error().message}});
            wait_for_signals();
            return;
        }
        log::event(log::Level::info, "stop_requested",
                   {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
        asio::co_spawn(io_, graceful_stop(), asio::detached);
    });
}

void Server::stop() {
    asio::co_spawn(io_, graceful_stop(), asio::detached);
}

void Server::reload() {
    asio::post(io_, [this] {
        auto reloaded = reload_now();
        log::event(reloaded ? log::Level::info : log::Level::error, "reload",
                   {{"result", reloaded ? "ok" : reloaded.error().message}});
    });
}

// Reloadable: the CRL (and its path) and the log level; and the sessions of accounts disabled
// on the host end. Everything else needs a restart,
// because connections read it without locks.
Status Server::reload_now() {
    // First, so that a settings file or CRL that fails to load does not keep open the sessions
    // of accounts disabled on the host.
    close_sessions_of_disabled_accounts(*ctx_);
    if (!ctx_->settings.config_file.empty()) {
        Settings fresh = ctx_->settings;
        SC_TRY(load_toml(ctx_->settings.config_file, fresh));
        log::set_level(fresh.log_level);
        ctx_->settings.crl = fresh.crl;
    }
    SC_TRY_ASSIGN(auto trust, load_trust(ctx_->settings));
    ctx_->replace_trust(std::move(trust));
    check_crl_freshness();
    for (auto& connection : ctx_->live()) {
        connection->recheck_certificate();
    }
    return {};
}

// I4: an expired CRL fails every handshake closed; say so before it happens.
void Server::check_crl_freshness() {
    auto trust = ctx_->current_trust();
    for (const auto& crl : trust->crls) {
        auto next = crl.next_update();
        if (next == pki::TimePoint::min()) {
            continue;
        }
        auto now = ctx_->clock->now();
        auto hours = std::chrono::duration_cast<std::chrono::hours>(next - now).count();
        if (next <= now) {
            log::event(
                log::Level::error, "crl_expired",
                {{"crl", ctx_->settings.crl.string()},
                 {"hours_ago", std::to_string(-hours)},
                 {"effect", "every client certificate is refused until a fresh CRL is loaded"}});
        } else if (next - now <= ctx_->settings.security.crl_warn_before) {
            log::event(
                log::Level::warn, "crl_expires_soon",
                {{"crl", ctx_->settings.crl.string()}, {"hours_left", std::to_string(hours)}});
        }
    }
}

asio::awaitable<void> Server::expiry_sweeps() {
    asio::steady_timer timer(io_);
    while (!ctx_->stopping) {
        delete_expired_envelopes(*ctx_);
        timer.expires_after(ctx_->settings.limits.held_sweep_interval);
        co_await timer.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Server::graceful_stop() {
    if (ctx_->stopping.exchange(true)) {
        co_return;
    }
    asio::error_code ignored;
    asio::post(accept_strand_, [this] {
        asio::error_code error;
        for (auto& acceptor : acceptors_) {
            acceptor->close(error);
        }
        if (metrics_) {
            metrics_->close();
        }
    });
    if (signals_) {
        signals_->cancel(ignored);
    }
    // Give sessions a bounded time to exchange receipts, then stop hard. Each connection is
    // told a deadline a little before ours, so that it is gone (linger included) before it.
    auto grace = ctx_->settings.limits.shutdown_grace;
    auto deadline = ctx_->steady_clock->now() + grace;
    auto margin =
        std::min<std::chrono::steady_clock::duration>(grace / 4, std::chrono::milliseconds(250));
    for (auto& connection : ctx_->live()) {
        connection->shutdown(deadline - margin);
    }
    // Queued password checks would hold their connections (and us) for up to a queue's worth
    // of Argon2 runs, and queued store queries (friends, admin) theirs; their sessions are
    // ending, so the jobs go.
    ctx_->workers.drop_queued();
    ctx_->query_workers.drop_queued();
    asio::steady_timer timer(io_);
    while (ctx_->connections > 0 && ctx_->steady_clock->now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(kNoThrow);
    }
    if (ctx_->connections > 0) {
        log::event(log::Level::warn, "shutdown_forced",
                   {{"connections", std::to_string(ctx_->connections.load())}});
    }
    io_.stop();
}

}  // namespace sc::server
