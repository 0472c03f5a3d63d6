// What every `securechat bench` scenario needs: a private run directory, a PKI made for the run,
// a progress bar, and a `securechat server` child process configured for a load (no throttle on
// handshakes from loopback: the load is the point).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/keys.h"
#include "load/server_process.h"

namespace sc::cli::bench {

// A private directory for the run's PKI and the server's data, removed afterwards.
class RunDir {
  public:
    RunDir();
    ~RunDir();
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;
    const std::filesystem::path& path() const { return path_; }  // empty if none could be made

  private:
    std::filesystem::path path_;
};

// A CA in `dir`, a server certificate "server" for 127.0.0.1, and a client certificate for the
// user `client`, all with `key`'s type.
Status make_bench_pki(const std::filesystem::path& dir, crypto::KeyType key,
                      const std::string& client);

// A bar on stderr when it is a terminal; nothing otherwise (logs and CI stay clean).
void show_progress(const std::string& what, std::size_t done, std::size_t total);

struct BenchServer {
    std::filesystem::path pki;       // made by make_bench_pki
    std::filesystem::path data_dir;  // the server's
    std::size_t io_threads = 1;
    std::vector<std::string> settings;  // more `--set key=value`, applied last
};

// This binary as `securechat server` on 127.0.0.1 with an ephemeral port, logging errors only.
Result<std::unique_ptr<load::ServerProcess>> start_bench_server(const BenchServer& server);

}  // namespace sc::cli::bench
