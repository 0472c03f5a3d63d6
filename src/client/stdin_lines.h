// Reads lines from a file descriptor on a thread of its own and hands each to an io_context.
// A thread, not asio::posix::stream_descriptor, because stdin may be a regular file
// (`securechat chat < script.txt`), which epoll refuses. The thread is detached: it may sit in
// read(2) until the process exits, and after stop() it hands over nothing more.
#pragma once

#include <asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sc::client {

class LineReader {
  public:
    using OnLine = std::function<void(std::string line)>;
    using OnEnd = std::function<void()>;

    // Lines longer than `max_line` bytes are cut there (the rest of the line is skipped), which
    // is enough for the caller to refuse them.
    LineReader(int fd, asio::any_io_executor executor, OnLine on_line, OnEnd on_end,
               std::size_t max_line);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    void start();
    // Call on the executor's thread, before the io_context is destroyed.
    void stop();

  private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
    int fd_;
    std::size_t max_line_;
};

}  // namespace sc::client
