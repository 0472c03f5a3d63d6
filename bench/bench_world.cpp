#include "bench_world.h"

#include <stdlib.h>

#include "support/run_command.h"

namespace sc::bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void run_securechat(const std::vector<std::string>& args) {
    auto r = test::securechat(args);
    if (r.exit_code != 0) {
        std::string line;
        for (const auto& a : args) {
            line += " " + a;
        }
        throw BenchFailure("securechat" + line + " failed:\n" + r.output);
    }
}

fs::path make_temp_dir() {
    auto pattern = (fs::temp_directory_path() / "securechat-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw BenchFailure("mkdtemp failed for " + pattern);
    }
    return pattern;
}

}  // namespace

BenchWorld::BenchWorld(std::vector<std::string> server_settings)
    : dir_(make_temp_dir()), server_settings_(std::move(server_settings)) {
    const auto ca = (dir_ / "ca").string();
    run_securechat({"pki", "init", "--dir", ca, "--name", "Bench CA"});
    run_securechat({"pki", "issue", "--dir", ca, "--server", "server", "--san", "IP:127.0.0.1"});
    run_securechat({"pki", "issue", "--dir", ca, "--client", "alice"});
    run_securechat({"pki", "issue", "--dir", ca, "--client", "bob"});
}

BenchWorld::~BenchWorld() {
    stop_server();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void BenchWorld::start_server() {
    std::vector<std::string> argv{test::securechat_binary(),
                                  "server",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--cert",
                                  (dir_ / "ca" / "server.crt").string(),
                                  "--key",
                                  (dir_ / "ca" / "server.key").string(),
                                  "--ca",
                                  (dir_ / "ca" / "ca.crt").string(),
                                  "--data-dir",
                                  (dir_ / "server-data").string(),
                                  "--log-level",
                                  "warn"};
    for (const auto& setting : server_settings_) {
        argv.insert(argv.end(), {"--set", setting});
    }
    server_ = std::make_unique<test::LiveProcess>(argv);
    while (auto line = server_->read_line(30s)) {
        auto colon = line->rfind(':');
        if (line->rfind("listening on", 0) == 0 && colon != std::string::npos) {
            port_ = static_cast<unsigned short>(std::stoi(line->substr(colon + 1)));
            return;
        }
    }
    std::string printed;
    for (const auto& l : server_->seen()) {
        printed += "  " + l + "\n";
    }
    throw BenchFailure("the server did not start:\n" + printed);
}

void BenchWorld::stop_server() {
    if (server_) {
        server_->terminate();
        server_->wait_exit(30s);
        server_.reset();
    }
}

std::unique_ptr<BenchChat> BenchWorld::client(const std::string& user) const {
    const auto ca = dir_ / "ca";
    return std::make_unique<BenchChat>(
        std::vector<std::string>{test::securechat_binary(), "chat", "--json", "--server",
                                 "127.0.0.1:" + std::to_string(port_), "--server-name", "server",
                                 "--ca", (ca / "ca.crt").string(), "--cert",
                                 (ca / (user + ".crt")).string(), "--key",
                                 (ca / (user + ".key")).string(), "--data-dir",
                                 (dir_ / ("data-" + user)).string(), "--timeout", "60"},
        user);
}

void BenchWorld::save_state() {
    const auto saved = dir_ / "saved";
    fs::remove_all(saved);
    fs::create_directories(saved);
    for (const char* d : {"server-data", "data-alice", "data-bob"}) {
        fs::copy(dir_ / d, saved / d, fs::copy_options::recursive);
    }
}

void BenchWorld::restore_state() {
    for (const char* d : {"server-data", "data-alice", "data-bob"}) {
        fs::remove_all(dir_ / d);
        fs::copy(dir_ / "saved" / d, dir_ / d, fs::copy_options::recursive);
    }
}

}  // namespace sc::bench
