// The `securechat chat` process itself (security review I3): it holds the private key, typed
// passwords and every message, so it must not be dumpable — no core file, and no other process
// of the same user may ptrace it or read its memory through /proc.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

// The real uid in /proc/<pid>/status ("Uid:\treal\teffective\t...").
long proc_uid(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Uid:", 0) == 0) {
            return std::stol(line.substr(4));
        }
    }
    return -1;
}

// The kernel gives the /proc/<pid> files of a non-dumpable process to root; those of a
// dumpable one belong to its user. So with the client running as an ordinary uid (nobody,
// when the test runs as root), the owner tells whether it called PR_SET_DUMPABLE 0.
TEST(Hardening, I3_ChatProcessIsNotDumpable) {
    TempDir tmp;
    TestCa ca(tmp / "ca");
    uid_t runner = ::geteuid() == 0 ? kNobody : ::geteuid();  // never root: root owns either way
    ASSERT_NE(runner, 0U);

    // The client's files, readable by the uid it runs as.
    bool as_root = ::geteuid() == 0;
    ASSERT_EQ(::chmod(tmp.path().c_str(), 0711), 0);
    auto mine = tmp / "client";
    fs::create_directory(mine);
    for (const char* name : {"ca.crt", "client.crt", "client.key"}) {
        fs::copy_file(ca.dir / name, mine / name);
        ASSERT_TRUE(!as_root || ::chown((mine / name).c_str(), kNobody, kNobody) == 0);
    }
    ASSERT_TRUE(!as_root || ::chown(mine.c_str(), kNobody, kNobody) == 0);

    // A server that accepts the connection and says nothing, so the client stays up waiting.
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    std::string server = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

    int input[2];
    ASSERT_EQ(::pipe(input), 0);  // held open: no end of input while we look
    std::vector<std::string> args{securechat_binary(),
                                  "chat",
                                  "--plain",
                                  "--server",
                                  server,
                                  "--server-name",
                                  "server",
                                  "--ca",
                                  (mine / "ca.crt").string(),
                                  "--cert",
                                  (mine / "client.crt").string(),
                                  "--key",
                                  (mine / "client.key").string(),
                                  "--data-dir",
                                  (mine / "data").string(),
                                  "--timeout",
                                  "20"};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(input[0], STDIN_FILENO);
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        if (as_root &&
            (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
            ::_exit(126);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(input[0]);

    // Once it has connected it is past its start, where it protects itself.
    pollfd pfd{listener, POLLIN, 0};
    bool connected = ::poll(&pfd, 1, 20'000) == 1;
    int conn = connected ? ::accept(listener, nullptr, nullptr) : -1;
    long uid = proc_uid(pid);
    struct stat st {};
    int stat_rc = ::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st);

    ::kill(pid, SIGKILL);  // our own child
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    ::close(input[1]);
    if (conn >= 0) {
        ::close(conn);
    }
    ::close(listener);

    ASSERT_TRUE(connected) << "the client never connected (exit status " << wstatus << ")";
    EXPECT_EQ(uid, static_cast<long>(runner)) << "the client runs as an ordinary user";
    ASSERT_EQ(stat_rc, 0);
    EXPECT_EQ(st.st_uid, 0U) << "/proc/" << pid << " belongs to uid " << st.st_uid
                             << ": the process is dumpable";
}

}  // namespace
}  // namespace sc::test
