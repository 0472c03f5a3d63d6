#include "load/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace sc::load {
namespace {

using namespace std::chrono_literals;

// The port at the end of the server's "listening on 127.0.0.1:PORT" line, or 0.
std::uint16_t listening_port(const std::string& output) {
    const std::string marker = "listening on 127.0.0.1:";
    auto at = output.find(marker);
    if (at == std::string::npos) {
        return 0;
    }
    at += marker.size();
    unsigned long port = 0;
    std::size_t digits = 0;
    while (at + digits < output.size() &&
           std::isdigit(static_cast<unsigned char>(output[at + digits]))) {
        port = port * 10 + static_cast<unsigned long>(output[at + digits] - '0');
        ++digits;
    }
    return digits > 0 && digits < 6 && port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

Result<std::unique_ptr<ServerProcess>> ServerProcess::start(const std::filesystem::path& binary,
                                                            const std::vector<std::string>& args,
                                                            std::chrono::seconds patience) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return fail(std::string("cannot make a pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> storage{binary.string()};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    // Its own process group, so that stopping it also stops what it started (a profiler in
    // front of the server, SECURECHAT_BENCH_SERVER_PREFIX, runs the server as its child).
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = 0;
    const int spawned =
        ::posix_spawn(&pid, storage[0].c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (spawned != 0) {
        ::close(pipe_fds[0]);
        return fail("cannot start " + binary.string() + ": " + std::strerror(spawned));
    }
    std::unique_ptr<ServerProcess> server(new ServerProcess(pid, pipe_fds[0]));
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (server->port_ == 0 && std::chrono::steady_clock::now() < deadline) {
        server->drain(100ms);
        server->port_ = listening_port(server->output_);
        int status = 0;
        if (server->port_ == 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
            server->pid_ = -1;
            return fail("the server exited before it listened: " + server->output_tail());
        }
    }
    if (server->port_ == 0) {
        return fail("the server did not say where it listens: " + server->output_tail());
    }
    return server;
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGTERM);  // the group: the server, and a profiler's child with it
        for (int i = 0; i < 100; ++i) {
            drain(0ms);  // a full pipe must not block its shutdown
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(100ms);
        }
        if (pid_ > 0) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ::close(out_fd_);
}

// Reads what the server printed, keeping the last 64 KiB (a log line per refusal adds up).
void ServerProcess::drain(std::chrono::milliseconds wait) {
    pollfd p{out_fd_, POLLIN, 0};
    while (::poll(&p, 1, static_cast<int>(wait.count())) > 0 && (p.revents & POLLIN) != 0) {
        char buffer[4096];
        const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
        if (n <= 0) {
            return;
        }
        output_.append(buffer, static_cast<std::size_t>(n));
        if (output_.size() > 65536 && port_ != 0) {
            output_.erase(0, output_.size() - 65536);
        }
        wait = 0ms;
    }
}

std::string ServerProcess::output_tail() const {
    return output_.size() > 2000 ? output_.substr(output_.size() - 2000) : output_;
}

Result<std::uint64_t> ServerProcess::cpu_ns() const {
    // Nanoseconds where the kernel keeps them: the first field of each thread's schedstat
    // (its time on a CPU). The server's threads live as long as it does, so none is missed.
    std::error_code error;
    std::uint64_t total = 0;
    bool any = false;
    const auto tasks = std::filesystem::path("/proc") / std::to_string(pid_) / "task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
        std::ifstream stat(task.path() / "schedstat");
        std::uint64_t ns = 0;
        if (stat >> ns) {
            total += ns;
            any = true;
        }
    }
    if (any) {
        return total;
    }
    // Else fields 14 and 15 of /proc/PID/stat, after the command name in parentheses (which may
    // itself hold spaces and parentheses: read from the last ')').
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
        return fail("cannot read /proc/" + std::to_string(pid_) + "/stat");
    }
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) {
            utime = std::stoull(field);
        } else if (i == 15) {
            stime = std::stoull(field);
        }
    }
    const auto ticks = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    return (utime + stime) * (1'000'000'000ULL / ticks);
}

Result<std::uint64_t> ServerProcess::rss_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoull(line.substr(6)) * 1024;  // "VmRSS:   1234 kB"
        }
    }
    return fail("cannot read the RSS of process " + std::to_string(pid_));
}

}  // namespace sc::load
