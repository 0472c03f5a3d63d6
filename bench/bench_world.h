// What a benchmark of the real binary stands on: a temporary directory with a CA made by
// `securechat pki` (server "server" on 127.0.0.1, users alice and bob), a `securechat server`
// process on its own data directory, and `securechat chat --json` clients with their own. The
// server's and the clients' data directories can be saved once and put back before each run,
// so every repetition starts from the same stored backlog.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_chat.h"
#include "support/live_process.h"

namespace sc::bench {

class BenchWorld {
  public:
    // `server_settings`: extra `--set KEY=VALUE` for the server (limits raised for the run).
    explicit BenchWorld(std::vector<std::string> server_settings);
    ~BenchWorld();  // stops the server, removes the directory
    BenchWorld(const BenchWorld&) = delete;
    BenchWorld& operator=(const BenchWorld&) = delete;

    void start_server();
    void stop_server();  // graceful (SIGTERM): every commit is on disk
    // A client of `user` (its one device), not yet logged in.
    std::unique_ptr<BenchChat> client(const std::string& user) const;
    static std::string password(const std::string& user) { return user + "-bench-password"; }
    std::filesystem::path server_database() const { return dir_ / "server-data" / "securechat.db"; }

    // Copies the server's and every client's data directory aside (everything stopped), and
    // puts that copy back.
    void save_state();
    void restore_state();

  private:
    std::filesystem::path dir_;
    std::vector<std::string> server_settings_;
    std::unique_ptr<test::LiveProcess> server_;
    unsigned short port_ = 0;
};

}  // namespace sc::bench
