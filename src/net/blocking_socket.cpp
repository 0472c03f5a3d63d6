#include "net/blocking_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sc::net {
namespace {

Failure<IoError> io_failure(const std::string& what) {
    return fail(IoError{IoError::Kind::failed, what + ": " + std::strerror(errno)});
}

}  // namespace

IoStatus wait_ready(int fd, short events, BlockingSocket::Timeout timeout,
                    const std::string& what) {
    pollfd p{fd, events, 0};
    int ready = 0;
    do {
        ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        return io_failure("poll while " + what);
    }
    if (ready == 0) {
        return fail(IoError{IoError::Kind::timed_out, "timed out " + what});
    }
    return {};
}

IoResult<BlockingSocket> BlockingSocket::connect(const std::string& host, std::uint16_t port,
                                                 const std::string& source) {
    bool v6 = host.find(':') != std::string::npos;
    BlockingSocket socket(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.is_open()) {
        return io_failure("socket");
    }
    if (!source.empty() && !v6) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1) {
            return fail(IoError{IoError::Kind::failed, "not an IPv4 address: " + source});
        }
        if (::bind(socket.fd(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            return io_failure("bind " + source);
        }
    }
    int rc = -1;
    if (v6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        if (::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr) != 1) {
            return fail(IoError{IoError::Kind::failed, "not an IPv6 address: " + host});
        }
        rc = ::connect(socket.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
            return fail(IoError{IoError::Kind::failed, "not an IPv4 address: " + host});
        }
        rc = ::connect(socket.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
        return io_failure("connect");
    }
    int one = 1;
    ::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return socket;
}

BlockingSocket::BlockingSocket(BlockingSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

BlockingSocket& BlockingSocket::operator=(BlockingSocket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

void BlockingSocket::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

IoStatus BlockingSocket::write_all(ByteView data, Timeout timeout) {
    while (!data.empty()) {
        if (auto ready = wait_ready(fd_, POLLOUT, timeout, "waiting to send"); !ready) {
            return ready;
        }
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return io_failure("send");
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

IoResult<Bytes> BlockingSocket::read_some(Timeout timeout, std::size_t max) {
    Bytes buffer(max);
    for (;;) {
        if (auto ready = wait_ready(fd_, POLLIN, timeout, "waiting for data"); !ready) {
            return fail(std::move(ready).error());
        }
        ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return io_failure("recv");
        }
        buffer.resize(static_cast<std::size_t>(n));
        return buffer;
    }
}

IoResult<Bytes> BlockingSocket::read_to_eof(Timeout timeout) {
    // One deadline for the whole read and a cap on what is kept, so a peer that trickles bytes
    // or never stops cannot hold us or fill memory.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Bytes all;
    for (;;) {
        auto left =
            std::chrono::duration_cast<Timeout>(deadline - std::chrono::steady_clock::now());
        if (left <= Timeout::zero()) {
            return fail(IoError{IoError::Kind::timed_out, "the peer did not close in time"});
        }
        auto chunk = read_some(left);
        if (!chunk) {
            return fail(std::move(chunk).error());
        }
        if (chunk->empty()) {
            return all;
        }
        if (all.size() + chunk->size() > kMaxReadToEofBytes) {
            return fail(IoError{IoError::Kind::failed, "the peer sent more than " +
                                                           std::to_string(kMaxReadToEofBytes) +
                                                           " bytes before closing"});
        }
        all.insert(all.end(), chunk->begin(), chunk->end());
    }
}

void BlockingSocket::shutdown_send() {
    if (fd_ >= 0) {
        ::shutdown(fd_, SHUT_WR);
    }
}

void BlockingSocket::linger_close(Timeout timeout) {
    shutdown_send();
    (void)read_to_eof(timeout);  // a reset or silence: nothing left to protect
    close();
}

IoResult<BlockingListener> BlockingListener::listen_on_loopback(int backlog) {
    BlockingSocket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.is_open()) {
        return io_failure("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        return io_failure("bind");
    }
    if (::listen(socket.fd(), backlog) != 0) {
        return io_failure("listen");
    }
    socklen_t length = sizeof addr;
    if (::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
        return io_failure("getsockname");
    }
    return BlockingListener(std::move(socket), ntohs(addr.sin_port));
}

IoResult<BlockingSocket> BlockingListener::accept(BlockingSocket::Timeout timeout) {
    if (auto ready = wait_ready(socket_.fd(), POLLIN, timeout, "waiting for a connection");
        !ready) {
        return fail(std::move(ready).error());
    }
    BlockingSocket conn(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.is_open()) {
        return io_failure("accept");
    }
    return conn;
}

}  // namespace sc::net
