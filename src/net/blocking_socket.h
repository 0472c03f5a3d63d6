// Blocking TCP on loopback with plain POSIX sockets, for tools and tests that play one side of a
// connection step by step. Every read and write waits in a poll() with a timeout, so a silent
// peer ends in an error instead of a hang (connect is to numeric loopback addresses, where it
// completes or is refused at once); failures are values (IoError), never exceptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace sc::net {

struct IoError {
    enum class Kind { timed_out, failed };
    Kind kind = Kind::failed;
    std::string message;  // e.g. "connect: Connection refused", "timed out waiting for data"
};

template <class T>
using IoResult = Result<T, IoError>;
using IoStatus = Result<void, IoError>;

class BlockingSocket {
  public:
    using Timeout = std::chrono::milliseconds;
    static constexpr std::size_t kMaxReadToEofBytes = 1 << 20;

    // Connects to a numeric IPv4 or IPv6 address. `source`: an IPv4 address to bind first
    // (e.g. "127.0.3.1"), so that one host can play clients from different address blocks.
    static IoResult<BlockingSocket> connect(const std::string& host, std::uint16_t port,
                                            const std::string& source = "");

    explicit BlockingSocket(int fd = -1) : fd_(fd) {}
    BlockingSocket(BlockingSocket&& other) noexcept;
    BlockingSocket& operator=(BlockingSocket&& other) noexcept;
    BlockingSocket(const BlockingSocket&) = delete;
    BlockingSocket& operator=(const BlockingSocket&) = delete;
    ~BlockingSocket() { close(); }

    int fd() const { return fd_; }
    bool is_open() const { return fd_ >= 0; }

    // Writes everything, however few bytes each send() takes, waiting at most `timeout` for
    // room each time.
    IoStatus write_all(ByteView data, Timeout timeout);
    // What one recv() returned: some bytes (at most `max`), or end of stream (empty).
    IoResult<Bytes> read_some(Timeout timeout, std::size_t max = 16384);
    // Everything until the peer closes, within `timeout` in all and at most kMaxReadToEofBytes.
    IoResult<Bytes> read_to_eof(Timeout timeout);
    // Our FIN: the peer reads end of stream; we can still read.
    void shutdown_send();
    // Ends our side politely: FIN, then the peer's remaining bytes are read and dropped before
    // close(), so the kernel sends no reset that could destroy our last frames.
    void linger_close(Timeout timeout);
    void close();

  private:
    int fd_;
};

// A listening socket on 127.0.0.1 with a port the kernel chooses.
class BlockingListener {
  public:
    static IoResult<BlockingListener> listen_on_loopback(int backlog = 1);

    std::uint16_t port() const { return port_; }
    int fd() const { return socket_.fd(); }
    IoResult<BlockingSocket> accept(BlockingSocket::Timeout timeout);

  private:
    BlockingListener(BlockingSocket socket, std::uint16_t port)
        : socket_(std::move(socket)), port_(port) {}

    BlockingSocket socket_;
    std::uint16_t port_;
};

// Waits until `fd` is ready for `events` (POLLIN, POLLOUT); `what` names the wait in the error.
IoStatus wait_ready(int fd, short events, BlockingSocket::Timeout timeout, const std::string& what);

}  // namespace sc::net
