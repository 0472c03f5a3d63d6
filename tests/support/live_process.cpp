#include "support/live_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace sc::test {

LiveProcess::LiveProcess(const std::vector<std::string>& argv) {
    int out_fds[2];
    int in_fds[2];
    if (argv.empty() || pipe2(out_fds, O_CLOEXEC) != 0) {
        return;
    }
    if (pipe2(in_fds, O_CLOEXEC) != 0) {
        close(out_fds[0]);
        close(out_fds[1]);
        return;
    }
    std::vector<char*> args;  // built before fork: only async-signal-safe calls after it
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out_fds[1], STDOUT_FILENO);
        dup2(out_fds[1], STDERR_FILENO);
        dup2(in_fds[0], STDIN_FILENO);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(out_fds[1]);
    close(in_fds[0]);
    out_ = out_fds[0];
    in_ = in_fds[1];
    if (pid_ < 0) {
        close_input();
        close(out_);
        out_ = -1;
    }
}

LiveProcess::~LiveProcess() {
    close_input();
    if (pid_ > 0 && !exited_ && wait_exit(std::chrono::seconds(5)) == -1) {
        kill_now();
    }
    if (out_ >= 0) {
        close(out_);
    }
}

bool LiveProcess::write_line(const std::string& line) {
    if (in_ < 0) {
        return false;
    }
    std::string text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        // MSG_NOSIGNAL does not apply to pipes: a write to a process that is gone fails with
        // EPIPE because the test binary ignores SIGPIPE below.
        signal(SIGPIPE, SIG_IGN);
        ssize_t n = write(in_, text.data() + done, text.size() - done);
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<std::string> LiveProcess::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto newline = buffer_.find('\n');
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            seen_.push_back(line);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (out_ < 0 || left.count() <= 0) {
            return std::nullopt;
        }
        pollfd pfd{out_, POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
            return std::nullopt;
        }
        char chunk[4096];
        ssize_t n = read(out_, chunk, sizeof chunk);
        if (n <= 0) {
            return std::nullopt;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

void LiveProcess::close_input() {
    if (in_ >= 0) {
        close(in_);
        in_ = -1;
    }
}

void LiveProcess::terminate() {
    if (pid_ > 0 && !exited_) {
        kill(pid_, SIGTERM);
    }
}

void LiveProcess::kill_now() {
    if (pid_ > 0 && !exited_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
        exited_ = true;
    }
}

int LiveProcess::wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
        pid_t done = waitpid(pid_, &status_, WNOHANG);
        if (done == pid_) {
            exited_ = true;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_now();
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

}  // namespace sc::test
