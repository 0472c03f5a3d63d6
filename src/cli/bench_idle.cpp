#include "cli/bench_idle.h"

#include <sys/resource.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/bench_support.h"
#include "cli/cli.h"
#include "client/client_settings.h"
#include "load/idle_load.h"
#include "pki/ca_directory.h"

namespace sc::cli {
namespace {

namespace fs = std::filesystem;

struct IdleArgs {
    std::vector<std::size_t> sessions{1000, 10000};
    std::size_t concurrency = 2;
    std::size_t io_threads = 1;
    std::size_t idle_seconds = 2;
    bool json = false;
};

constexpr std::size_t kWarmSessions = 16;  // opened before the baseline: lazy setup, caches
constexpr const char* kPassword = "bench idle password";

// The server holds two descriptors per session (its socket and the session's transcript file),
// this process one (its socket); both inherit this process's limit. Raised to what N needs,
// within the hard limit (raising that needs CAP_SYS_RESOURCE).
Status raise_descriptor_limit(std::size_t sessions) {
    const rlim_t needed = 2 * (sessions + kWarmSessions) + 256;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return fail(std::string("cannot read the descriptor limit: ") + std::strerror(errno));
    }
    if (limit.rlim_cur >= needed) {
        return {};
    }
    rlimit raised = limit;
    raised.rlim_cur = needed;
    raised.rlim_max = std::max(limit.rlim_max, needed);
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        return fail(std::to_string(sessions) + " sessions need " + std::to_string(needed) +
                    " file descriptors; the limit is " + std::to_string(limit.rlim_cur) +
                    " (hard " + std::to_string(limit.rlim_max) +
                    ") and cannot be raised here: " + std::strerror(errno));
    }
    return {};
}

struct IdleFigures {
    std::size_t sessions = 0;  // opened
    load::IdleSessions opened;
    std::uint64_t rss_before = 0, rss_after = 0;
    load::ServedCheck served;
    double per_session() const {
        const auto n = sessions;
        return n == 0 || rss_after < rss_before
                   ? 0
                   : static_cast<double>(rss_after - rss_before) / static_cast<double>(n);
    }
};

void print(const IdleFigures& f, const IdleArgs& args) {
    const double open_s = std::chrono::duration<double>(f.opened.wall).count();
    if (args.json) {
        nlohmann::json line{{"scenario", "idle"},
                            {"sessions", f.sessions},
                            {"failed", f.opened.failed},
                            {"io_threads", args.io_threads},
                            {"open_seconds", open_s},
                            {"idle_seconds", args.idle_seconds},
                            {"server_rss_before_bytes", f.rss_before},
                            {"server_rss_after_bytes", f.rss_after},
                            {"server_rss_bytes_per_session", f.per_session()},
                            {"still_served", f.served.answered},
                            {"still_served_asked", f.served.asked}};
        std::cout << line.dump() << "\n" << std::flush;
        return;
    }
    char text[320];
    std::snprintf(text, sizeof text,
                  "idle sessions=%zu io_threads=%zu: opened in %.2f s, server RSS %.1f MB -> %.1f "
                  "MB, %.1f kB per session; %zu/%zu still served%s",
                  f.sessions, args.io_threads, open_s, static_cast<double>(f.rss_before) / 1e6,
                  static_cast<double>(f.rss_after) / 1e6, f.per_session() / 1e3, f.served.answered,
                  f.served.asked, f.opened.failed > 0 ? ", FAILED some" : "");
    std::cout << text << "\n" << std::flush;
}

Result<IdleFigures> bench_sessions(const IdleArgs& args, const fs::path& dir, std::size_t n) {
    SC_TRY(raise_descriptor_limit(n));
    SC_TRY(bench::make_bench_pki(dir / "ca", crypto::KeyType::ed25519, "bench"));
    const auto limit = std::to_string(n + kWarmSessions + 64);
    SC_TRY_ASSIGN(
        auto server,
        bench::start_bench_server(
            {.pki = dir / "ca",
             .data_dir = dir / "server-data",
             .io_threads = args.io_threads,
             .settings = {
                 "limits.max_connections=" + limit, "limits.max_sessions_per_account=" + limit,
                 "limits.max_authenticated_per_block=" + limit, "limits.idle_timeout_s=3600",
                 // One login per session: Argon2id at its floor, since the
                 // logins are not what is measured (bench login is).
                 "security.argon2_opslimit=1", "security.argon2_memlimit=8388608"}}));
    client::ClientSettings files;
    files.ca = pki::CaLayout(dir / "ca").cert;
    files.cert = dir / "ca" / "bench.crt";
    files.key = dir / "ca" / "bench.key";
    SC_TRY_ASSIGN(auto credentials, client::load_credentials(files));
    const proto::ClientConfig config{credentials.identity, credentials.trust, "server"};
    {
        auto first = net::BlockingClient::connect(server->port(), config);
        if (!first) {
            return fail("cannot connect to the server: " + first.error().message);
        }
        if (!(*first)->register_user("bench@example.org", "bench", kPassword)) {
            return fail("cannot register the bench account: " + (*first)->peer_error() +
                        (*first)->failure());
        }
    }
    load::IdleLoad spec{server->port(), config,           "bench", kPassword,
                        kWarmSessions,  args.concurrency, {}};
    auto warm = load::open_idle_sessions(spec);
    if (warm.failed > 0) {
        return fail("a first session failed: " + warm.first_failure);
    }
    IdleFigures figures;
    SC_TRY_ASSIGN(figures.rss_before, server->rss_bytes());
    spec.count = n;
    const std::string what = "idle x" + std::to_string(n);
    spec.progress = [&](std::size_t done) { bench::show_progress(what, done, n); };
    figures.opened = load::open_idle_sessions(spec);
    figures.sessions = figures.opened.clients.size();
    std::this_thread::sleep_for(std::chrono::seconds(args.idle_seconds));
    SC_TRY_ASSIGN(figures.rss_after, server->rss_bytes());
    figures.served = load::check_still_served(figures.opened, std::max<std::size_t>(1, n / 16));
    if (figures.opened.failed > 0) {
        std::cerr << "securechat bench: " << figures.opened.failed << " of " << n
                  << " sessions failed to open, the first: " << figures.opened.first_failure
                  << "\n";
    }
    if (figures.served.answered < figures.served.asked) {
        std::cerr << "securechat bench: an idle session was no longer served: "
                  << figures.served.first_failure << "\n";
    }
    // Closed before the server stops: it would otherwise wait out its shutdown grace for them.
    figures.opened.clients.clear();
    warm.clients.clear();
    return figures;
}

int run_idle_bench(const IdleArgs& args) {
    bool all_served = true;
    for (auto n : args.sessions) {
        bench::RunDir dir;  // one server per N: each starts from the same baseline
        if (dir.path().empty()) {
            std::cerr << "securechat bench: cannot make a temporary directory\n";
            return kExitFailure;
        }
        auto figures = bench_sessions(args, dir.path(), n);
        if (!figures) {
            std::cerr << "securechat bench: idle x" << n << ": " << figures.error().message << "\n";
            return kExitFailure;
        }
        print(*figures, args);
        all_served = all_served && figures->opened.failed == 0 &&
                     figures->served.answered == figures->served.asked;
    }
    return all_served ? 0 : kExitFailure;
}

}  // namespace

void add_bench_idle(CLI::App& bench, std::function<int()>& action) {
    auto args = std::make_shared<IdleArgs>();
    auto* idle = bench.add_subcommand(
        "idle",
        "N sessions logged in (handshake, login, DH #2) and left idle: the server's resident "
        "memory per session, and whether idle sessions are still served");
    idle->add_option("--sessions", args->sessions, "Sessions to open, one run each (repeatable)")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000));
    idle->add_option("--concurrency", args->concurrency, "Client threads opening them")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    idle->add_option("--io-threads", args->io_threads, "The server's I/O threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    idle->add_option("--idle-seconds", args->idle_seconds,
                     "How long they stay silent before the memory is read")
        ->capture_default_str()
        ->check(CLI::Range(0, 3600));
    idle->add_flag("--json", args->json, "One JSON object per run");
    idle->callback([args, &action] { action = [args] { return run_idle_bench(*args); }; });
}

}  // namespace sc::cli
