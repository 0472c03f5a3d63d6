#include "cli/bench_support.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "pki/ca_directory.h"

namespace sc::cli::bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

RunDir::RunDir() {
    std::string pattern = (fs::temp_directory_path() / "securechat-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
        path_ = pattern;
    }
}

RunDir::~RunDir() {
    std::error_code ignored;
    if (!path_.empty()) {
        fs::remove_all(path_, ignored);
    }
}

Status make_bench_pki(const fs::path& dir, crypto::KeyType key, const std::string& client) {
    pki::InitRequest init;
    init.dir = dir;
    init.name = "Bench CA";
    init.key_type = key;
    SC_TRY(pki::init_ca(init));
    pki::IssueRequest server;
    server.dir = dir;
    server.profile = pki::Profile::server;
    server.name = "server";
    server.extra_sans = {"IP:127.0.0.1"};
    server.key_type = key;
    SC_TRY(pki::issue_certificate(server));
    pki::IssueRequest user = server;
    user.profile = pki::Profile::client;
    user.name = client;
    user.extra_sans = {};
    SC_TRY(pki::issue_certificate(user));
    return {};
}

void show_progress(const std::string& what, std::size_t done, std::size_t total) {
    if (::isatty(STDERR_FILENO) == 0 || total == 0) {
        return;
    }
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = done * kWidth / total;
    std::cerr << "\r  " << what << " [" << std::string(filled, '#')
              << std::string(kWidth - filled, '.') << "] " << done << "/" << total << std::flush;
    if (done >= total) {
        std::cerr << "\r" << std::string(what.size() + kWidth + 24, ' ') << "\r" << std::flush;
    }
}

Result<std::unique_ptr<load::ServerProcess>> start_bench_server(const BenchServer& server) {
    const auto ca = pki::CaLayout(server.pki);
    std::vector<std::string> args{"server",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--cert",
                                  (server.pki / "server.crt").string(),
                                  "--key",
                                  (server.pki / "server.key").string(),
                                  "--ca",
                                  ca.cert.string(),
                                  "--data-dir",
                                  server.data_dir.string(),
                                  "--log-level",
                                  "error",
                                  "--set",
                                  "limits.handshakes_per_block_per_s=1000000",
                                  "--set",
                                  "limits.handshake_burst_per_block=1000000",
                                  "--set",
                                  "limits.io_threads=" + std::to_string(server.io_threads)};
    for (const auto& setting : server.settings) {
        args.push_back("--set");
        args.push_back(setting);
    }
    // A profiler in front of the server, e.g. "/usr/bin/heaptrack -o /tmp/server": words split
    // on spaces, the first an absolute path; the server is then this binary by its real path.
    const char* prefix = std::getenv("SECURECHAT_BENCH_SERVER_PREFIX");
    if (prefix == nullptr || *prefix == '\0') {
        return load::ServerProcess::start("/proc/self/exe", args, 30s);
    }
    std::vector<std::string> words;
    std::istringstream in(prefix);
    for (std::string word; in >> word;) {
        words.push_back(word);
    }
    std::error_code ec;
    words.push_back(fs::read_symlink("/proc/self/exe", ec).string());
    if (ec) {
        return fail("cannot find this binary: " + ec.message());
    }
    const fs::path profiler = words.front();
    words.erase(words.begin());
    words.insert(words.end(), args.begin(), args.end());
    return load::ServerProcess::start(profiler, words, 60s);
}

}  // namespace sc::cli::bench
