#include "cli/bench_command.h"

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/bench_idle.h"
#include "cli/bench_support.h"
#include "cli/cli.h"
#include "client/client_settings.h"
#include "crypto/key_exchange.h"
#include "load/handshake_load.h"
#include "load/server_process.h"
#include "pki/ca_directory.h"

namespace sc::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct HandshakeArgs {
    std::size_t count = 400;
    std::vector<std::size_t> concurrency{1, 4};
    std::vector<std::string> keys{"ed25519", "ecdsa-p256", "rsa-2048"};
    std::vector<std::string> groups{"x25519", "ffdhe3072"};
    std::size_t io_threads = 1;
    bool json = false;
};

struct RunFigures {
    std::string key, group;
    std::size_t concurrency = 1;
    load::HandshakeResult result;
    double server_cpu_ms = 0;
};

void print(const RunFigures& r, std::size_t io_threads, bool json) {
    const double seconds = std::chrono::duration<double>(r.result.wall).count();
    const double rate = seconds > 0 ? static_cast<double>(r.result.done) / seconds : 0;
    const double per = r.result.done > 0 ? r.server_cpu_ms / static_cast<double>(r.result.done) : 0;
    if (json) {
        nlohmann::json line{{"scenario", "handshake"},   {"key", r.key},
                            {"group", r.group},          {"concurrency", r.concurrency},
                            {"io_threads", io_threads},  {"handshakes", r.result.done},
                            {"failed", r.result.failed}, {"seconds", seconds},
                            {"handshakes_per_s", rate},  {"server_cpu_ms_per_handshake", per}};
        std::cout << line.dump() << "\n" << std::flush;
        return;
    }
    char text[256];
    std::snprintf(text, sizeof text,
                  "handshake key=%s group=%s concurrency=%zu io_threads=%zu: %zu in %.2f s, "
                  "%.0f handshakes/s, server CPU %.3f ms per handshake%s",
                  r.key.c_str(), r.group.c_str(), r.concurrency, io_threads, r.result.done, seconds,
                  rate, per, r.result.failed > 0 ? ", FAILED some" : "");
    std::cout << text << "\n" << std::flush;
}

// One key type: its PKI, its server, every group and concurrency against it.
Result<std::vector<RunFigures>> bench_key(const HandshakeArgs& args, const fs::path& dir,
                                          crypto::KeyType key) {
    SC_TRY(bench::make_bench_pki(dir / "ca", key, "bench"));
    const auto ca = pki::CaLayout(dir / "ca");
    SC_TRY_ASSIGN(auto server, bench::start_bench_server(
                                   {.pki = dir / "ca",
                                    .data_dir = dir / "server-data",
                                    .io_threads = args.io_threads,
                                    .settings = {"security.groups=[\"x25519\", \"ffdhe3072\"]"}}));
    client::ClientSettings files;
    files.ca = ca.cert;
    files.cert = dir / "ca" / "bench.crt";
    files.key = dir / "ca" / "bench.key";
    SC_TRY_ASSIGN(auto credentials, client::load_credentials(files));
    std::vector<RunFigures> runs;
    for (const auto& group_name : args.groups) {
        const auto group =
            group_name == "ffdhe3072" ? crypto::DhGroup::ffdhe3072 : crypto::DhGroup::x25519;
        for (auto concurrency : args.concurrency) {
            load::HandshakeLoad loadspec{server->port(),
                                         {credentials.identity, credentials.trust, "server"},
                                         args.count,
                                         concurrency,
                                         {}};
            loadspec.config.groups = {group};
            const std::string what = std::string(crypto::key_type_name(key)) + " " + group_name +
                                     " x" + std::to_string(concurrency);
            loadspec.progress = [&](std::size_t done) {
                bench::show_progress(what, done, args.count);
            };
            auto warm = loadspec;  // the first connections pay for lazy setup, not measured
            warm.count = std::min<std::size_t>(8, args.count);
            warm.progress = {};
            load::run_handshakes(warm);
            SC_TRY_ASSIGN(auto before, server->cpu_ns());
            RunFigures run{std::string(crypto::key_type_name(key)), group_name, concurrency,
                           load::run_handshakes(loadspec), 0};
            SC_TRY_ASSIGN(auto after, server->cpu_ns());
            bench::show_progress(what, args.count, args.count);
            run.server_cpu_ms = static_cast<double>(after - before) / 1e6;
            if (run.result.failed > 0) {
                std::cerr << "securechat bench: " << run.result.failed << " of " << args.count
                          << " handshakes failed, the first: " << run.result.first_failure << "\n";
            }
            print(run, args.io_threads, args.json);
            runs.push_back(std::move(run));
        }
    }
    return runs;
}

int run_handshake_bench(const HandshakeArgs& args) {
    bench::RunDir dir;
    if (dir.path().empty()) {
        std::cerr << "securechat bench: cannot make a temporary directory\n";
        return kExitFailure;
    }
    bool all_done = true;
    for (const auto& name : args.keys) {
        const auto key = *crypto::parse_key_type(name);  // checked by the option's validator
        auto runs = bench_key(args, dir.path() / name, key);
        if (!runs) {
            std::cerr << "securechat bench: " << name << ": " << runs.error().message << "\n";
            return kExitFailure;
        }
        for (const auto& r : *runs) {
            all_done = all_done && r.result.failed == 0 && r.result.done == args.count;
        }
    }
    return all_done ? 0 : kExitFailure;
}

}  // namespace

void add_bench_command(CLI::App& app, std::function<int()>& action) {
    auto* cmd = app.add_subcommand(
        "bench", "Run a server and a load against it on loopback, and print what it measured");
    cmd->require_subcommand(1);
    auto args = std::make_shared<HandshakeArgs>();
    auto* h = cmd->add_subcommand(
        "handshake",
        "Full handshakes on new connections (certificates both ways, DH, both signatures; no "
        "login), sequential and concurrent: handshakes/s and the server's CPU per handshake, "
        "per key type and DH group");
    h->add_option("--count", args->count, "Handshakes per run")
        ->capture_default_str()
        ->check(CLI::Range(1, 1'000'000));
    h->add_option("--concurrency", args->concurrency,
                  "Client threads, one run each (repeatable; 1 is sequential)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    h->add_option("--key", args->keys, "Key types of the CA and both certificates (repeatable)")
        ->capture_default_str()
        ->check(CLI::IsMember({"ed25519", "ecdsa-p256", "rsa-2048", "rsa-3072", "rsa-4096"}));
    h->add_option("--group", args->groups, "DH groups offered (repeatable)")
        ->capture_default_str()
        ->check(CLI::IsMember({"x25519", "ffdhe3072"}));
    h->add_option("--io-threads", args->io_threads, "The server's I/O threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    h->add_flag("--json", args->json, "One JSON object per run");
    h->callback([args, &action] { action = [args] { return run_handshake_bench(*args); }; });
    add_bench_idle(*cmd, action);
}

}  // namespace sc::cli
