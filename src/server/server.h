// The SecureChat server: listeners (IPv4 and IPv6), one I/O thread per core, the worker pool
// for password hashing, signals (SIGTERM/SIGINT: graceful stop with receipts; SIGHUP: reload the
// CRL and the log level), and the limits of docs/SECURITY.md.
#pragma once

#include <asio.hpp>

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "common/result.h"
#include "server/metrics_endpoint.h"
#include "server/server_context.h"
#include "server/settings.h"

namespace sc::server {

class Server {
  public:
    // Loads identity, trust and the store, and binds every listen address.
    static Result<std::unique_ptr<Server>> create(Settings settings);
    ~Server();

    std::vector<asio::ip::tcp::endpoint> endpoints() const;
    // Where the metrics are served ([metrics] listen), if they are.
    std::optional<asio::ip::tcp::endpoint> metrics_endpoint() const;
    // The Prometheus text the endpoint serves: the counters, then the gauges read now.
    std::string render_metrics() const;

    // A snapshot of the counters behind the limits, from any thread: for tests and monitoring
    // to wait on a state instead of sleeping.
    struct Stats {
        std::size_t connections = 0;     // open sockets, logged in or not
        std::size_t awaiting_login = 0;  // holding an admission slot (H2)
        std::size_t silent = 0;          // of those, no key proof yet: evictable
    };
    Stats stats() const;
    // Installs the SIGTERM/SIGINT/SIGHUP handlers now (run() does it too, once): call it before
    // telling anyone that the server listens, so that a signal right after is handled.
    void install_signal_handlers();
    // Serves until stop() or a SIGTERM/SIGINT; returns the process exit code.
    int run(bool handle_signals = true);
    // Graceful stop from any thread.
    void stop();
    // What SIGHUP does, callable from any thread.
    void reload();

  private:
    Server();
    asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
    asio::awaitable<void> graceful_stop();
    // Deletes expired stored envelopes now and every held_sweep_interval (expiry_sweep.h).
    asio::awaitable<void> expiry_sweeps();
    void wait_for_signals();
    Status reload_now();
    void check_crl_freshness();

    // Destruction runs bottom-up, and the order is the fix for M3: signals and acceptors go
    // first, then io_ (destroying every suspended connection coroutine, whose ~Connection
    // still uses ctx_), and ctx_ last. ~Server stops the worker pool before any of it.
    std::unique_ptr<ServerContext> ctx_;
    asio::io_context io_;
    std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
    // An acceptor is not safe to use from two threads at once: its accept loop runs on this
    // strand, and graceful_stop closes it there too (a TSan race, with io_threads > 1).
    asio::strand<asio::io_context::executor_type> accept_strand_{asio::make_strand(io_)};
    std::unique_ptr<asio::signal_set> signals_;
    std::unique_ptr<MetricsEndpoint> metrics_;  // on accept_strand_ too; null when off
};

// Makes the process undumpable and turns core dumps off, so keys never land in a core file.
void disable_core_dumps();

}  // namespace sc::server
