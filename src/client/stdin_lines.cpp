#include "client/stdin_lines.h"

#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <mutex>
#include <thread>

#include "crypto/secret.h"

namespace sc::client {

struct LineReader::Shared {
    std::mutex mutex;
    bool stopped = false;  // guarded by mutex: once set, nothing more is posted
    asio::any_io_executor executor;
    OnLine on_line;
    OnEnd on_end;

    // Runs `handler` on the executor unless stop() came first (checked again over there, as
    // stop() may run between the post and the handler).
    template <class F>
    void hand_over(F handler) {
        std::lock_guard lock(mutex);
        if (stopped) {
            return;
        }
        asio::post(executor, [self = this, handler = std::move(handler)]() mutable {
            bool live = false;
            {
                std::lock_guard inner(self->mutex);
                live = !self->stopped;
            }
            if (live) {
                handler();
            }
        });
    }
};

LineReader::LineReader(int fd, asio::any_io_executor executor, OnLine on_line, OnEnd on_end,
                       std::size_t max_line)
    : shared_(std::make_shared<Shared>()), fd_(fd), max_line_(max_line) {
    shared_->executor = std::move(executor);
    shared_->on_line = std::move(on_line);
    shared_->on_end = std::move(on_end);
}

LineReader::~LineReader() {
    stop();
}

void LineReader::start() {
    std::thread([shared = shared_, fd = fd_, max_line = max_line_] {
        // Lines hold passwords (/login, /register): the read buffer is wiped after each read,
        // and a line starts with room enough that typical lines never reallocate (I3).
        constexpr std::size_t kLineReserve = 1024;
        std::string line;
        line.reserve(kLineReserve);
        bool skipping = false;  // past max_line: drop bytes until the newline
        char buf[4096];
        while (true) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            for (ssize_t i = 0; i < n; ++i) {
                char c = buf[i];
                if (c == '\n') {
                    shared->hand_over(
                        [shared, l = std::move(line)]() mutable { shared->on_line(std::move(l)); });
                    line = std::string();
                    line.reserve(kLineReserve);
                    skipping = false;
                } else if (!skipping) {
                    line += c;
                    skipping = line.size() > max_line;
                }
            }
            crypto::secure_wipe(buf, sizeof buf);
        }
        if (!line.empty()) {  // a last line without its newline still counts
            shared->hand_over(
                [shared, l = std::move(line)]() mutable { shared->on_line(std::move(l)); });
        }
        shared->hand_over([shared] { shared->on_end(); });
    }).detach();
}

void LineReader::stop() {
    std::lock_guard lock(shared_->mutex);
    shared_->stopped = true;
}

}  // namespace sc::client
