// A command that runs while the test talks to it: lines go to its stdin when the test says,
// and its stdout is read line by line, each read with its own deadline. For clients that must
// react to one another (a friend request answered by another process), which a whole-input
// run_command cannot script.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sc::test {

class LiveProcess {
  public:
    // argv[0] is looked up in PATH; stderr goes to the same pipe as stdout.
    explicit LiveProcess(const std::vector<std::string>& argv);
    ~LiveProcess();  // closes stdin, waits briefly, then kills
    LiveProcess(const LiveProcess&) = delete;
    LiveProcess& operator=(const LiveProcess&) = delete;

    bool started() const { return pid_ > 0; }
    bool write_line(const std::string& line);
    // The next line it prints (without the newline), or none at end of output or deadline.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    void close_input();
    void kill_now();   // SIGKILL, as a crash would
    void terminate();  // SIGTERM: a server's graceful stop
    // Waits for the exit; -1 on timeout (then it is killed).
    int wait_exit(std::chrono::milliseconds timeout);
    // Every line read so far, for failure messages.
    const std::vector<std::string>& seen() const { return seen_; }

  private:
    pid_t pid_ = -1;
    int in_ = -1;
    int out_ = -1;
    std::string buffer_;
    std::vector<std::string> seen_;
    bool exited_ = false;
    int status_ = 0;
};

}  // namespace sc::test
