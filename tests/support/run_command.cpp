#include "support/run_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <thread>

namespace sc::test {

CommandResult run_command_with_input(const std::vector<std::string>& argv,
                                     const std::string& input) {
    CommandResult result;
    int out_fds[2];
    int in_fds[2];
    if (argv.empty() || pipe2(out_fds, O_CLOEXEC) != 0) {
        return result;
    }
    if (pipe2(in_fds, O_CLOEXEC) != 0) {
        close(out_fds[0]);
        close(out_fds[1]);
        return result;
    }
    // Built before fork: the test process has threads (an in-process server), so the child
    // only calls what is safe after fork.
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {out_fds[0], out_fds[1], in_fds[0], in_fds[1]}) {
            close(fd);
        }
        return result;
    }
    if (pid == 0) {
        dup2(out_fds[1], STDOUT_FILENO);
        dup2(out_fds[1], STDERR_FILENO);
        dup2(in_fds[0], STDIN_FILENO);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(out_fds[1]);
    close(in_fds[0]);
    // A thread feeds stdin, so a command that prints a lot before reading all of it cannot
    // deadlock against us. With SIGPIPE blocked in that thread, a command that exits without
    // reading everything makes write() fail instead of killing the test.
    std::thread feeder([fd = in_fds[1], &input] {
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        std::size_t done = 0;
        while (done < input.size()) {
            ssize_t n = write(fd, input.data() + done, input.size() - done);
            if (n <= 0) {
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        close(fd);
    });
    char buf[4096];
    ssize_t n = 0;
    while ((n = read(out_fds[0], buf, sizeof buf)) > 0) {
        result.output.append(buf, static_cast<std::size_t>(n));
    }
    close(out_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    feeder.join();
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

// Empty input: the command reads end-of-file at once, as from /dev/null.
CommandResult run_command(const std::vector<std::string>& argv) {
    return run_command_with_input(argv, "");
}

std::string securechat_binary() {
    const char* env = std::getenv("SECURECHAT_BIN");
    return env != nullptr ? env : SECURECHAT_BIN_DEFAULT;
}

CommandResult securechat(std::vector<std::string> args, const std::string& input) {
    args.insert(args.begin(), securechat_binary());
    return run_command_with_input(args, input);
}

}  // namespace sc::test
