#include "support/recording_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace sc::test {

struct RecordingProxy::Pair {
    int client = -1;
    int server = -1;
    bool client_open = true;  // the client may still send
    bool server_open = true;
    std::size_t capture = 0;  // index into captures_
};

namespace {

sockaddr_in loopback(unsigned short port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

RecordingProxy::RecordingProxy(unsigned short target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(0);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 16) != 0 || pipe2(wake_, O_CLOEXEC) != 0) {
        throw std::runtime_error("recording proxy: cannot listen");
    }
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
}

RecordingProxy::~RecordingProxy() {
    char stop = 1;
    if (write(wake_[1], &stop, 1) != 1) {
        // the thread is gone already
    }
    thread_.join();
    close(listener_);
    close(wake_[0]);
    close(wake_[1]);
}

std::vector<RecordingProxy::Capture> RecordingProxy::captures() const {
    std::lock_guard lock(mutex_);
    return captures_;
}

void RecordingProxy::run() {
    std::vector<Pair> pairs;
    char buffer[65536];
    while (true) {
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
        for (const auto& p : pairs) {
            fds.push_back({p.client_open ? p.client : -1, POLLIN, 0});
            fds.push_back({p.server_open ? p.server : -1, POLLIN, 0});
        }
        if (poll(fds.data(), fds.size(), -1) < 0) {
            continue;
        }
        if (fds[0].revents != 0) {
            break;
        }
        // Carry what arrived, recording it before it goes on.
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            auto& p = pairs[i];
            for (int side = 0; side < 2; ++side) {
                const auto& f = fds[2 + 2 * i + static_cast<std::size_t>(side)];
                if (f.fd < 0 || f.revents == 0) {
                    continue;
                }
                bool from_client = side == 0;
                int from = from_client ? p.client : p.server;
                int to = from_client ? p.server : p.client;
                ssize_t n = recv(from, buffer, sizeof buffer, 0);
                if (n > 0) {
                    {
                        std::lock_guard lock(mutex_);
                        auto& c = captures_[p.capture];
                        (from_client ? c.to_server : c.to_client)
                            .append(buffer, static_cast<std::size_t>(n));
                    }
                    if (write_all(to, buffer, static_cast<std::size_t>(n))) {
                        continue;
                    }
                }
                // End of stream (or an error): pass the half-close on.
                shutdown(to, SHUT_WR);
                (from_client ? p.client_open : p.server_open) = false;
            }
        }
        std::erase_if(pairs, [](const Pair& p) {
            if (p.client_open || p.server_open) {
                return false;
            }
            close(p.client);
            close(p.server);
            return true;
        });
        if (fds[1].revents != 0) {
            int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) {
                continue;
            }
            int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            auto target = loopback(target_port_);
            if (server < 0 ||
                connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
                close(client);
                if (server >= 0) {
                    close(server);
                }
                continue;
            }
            std::lock_guard lock(mutex_);
            captures_.emplace_back();
            pairs.push_back({.client = client, .server = server, .capture = captures_.size() - 1});
        }
    }
    for (const auto& p : pairs) {
        close(p.client);
        close(p.server);
    }
}

}  // namespace sc::test
