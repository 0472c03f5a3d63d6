// A `securechat server` child process for a benchmark: started with the arguments given, its
// stdout and stderr read until it says where it listens, measured from outside through /proc
// (the CPU time the kernel charged it, its resident memory), and stopped with SIGTERM.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace sc::load {

class ServerProcess {
  public:
    // Runs `binary` with `args` (which must make it listen on 127.0.0.1:0) and waits, bounded
    // by `patience`, for its "listening on 127.0.0.1:PORT" line.
    static Result<std::unique_ptr<ServerProcess>> start(const std::filesystem::path& binary,
                                                        const std::vector<std::string>& args,
                                                        std::chrono::seconds patience);
    ~ServerProcess();  // SIGTERM, then SIGKILL after 10 s
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    // CPU time charged to the process so far, all its threads, in nanoseconds: the sum of
    // /proc/PID/task/*/schedstat where the kernel has it, else /proc/PID/stat's utime + stime
    // (clock ticks of 10 ms: a run must then last seconds for the figure to mean something).
    Result<std::uint64_t> cpu_ns() const;
    // Resident memory now, in bytes (/proc/PID/status VmRSS).
    Result<std::uint64_t> rss_bytes() const;
    // What it printed so far (its log), for an error message.
    std::string output_tail() const;

  private:
    ServerProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
    void drain(std::chrono::milliseconds wait);

    pid_t pid_;
    int out_fd_;
    std::uint16_t port_ = 0;
    std::string output_;
};

}  // namespace sc::load
