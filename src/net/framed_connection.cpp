#include "net/framed_connection.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <tuple>
#include <vector>

namespace sc::net {
namespace {

using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// How long a closing connection drains the peer's input after its FIN (within the hard deadline).
constexpr auto kLingerLimit = 500ms;

}  // namespace

FramedConnection::FramedConnection(asio::any_io_executor executor, asio::ip::tcp::socket socket,
                                   Handler& handler, Options options)
    : executor_(std::move(executor)),
      socket_(std::move(socket)),
      handler_(handler),
      options_(options),
      clock_(options.clock ? *options.clock : system_steady_clock()),
      wake_(executor_),
      watch_(executor_) {}

FramedConnection::~FramedConnection() {
    close();
}

asio::awaitable<void> FramedConnection::run() {
    co_await (reader() || writer() || watchdog());
    if (options_.linger && closing_ && !dropped_ && clock_.now() < hard_deadline_) {
        co_await linger();
    }
    close();
}

bool FramedConnection::send(Bytes frame) {
    if (dropped_) {
        return true;  // nobody will write it
    }
    if (outbox_bytes_ + frame.size() > options_.max_outbound_bytes) {
        drop();
        return false;
    }
    outbox_bytes_ += frame.size();
    outbox_.push_back(std::move(frame));
    wake_.cancel();
    return true;
}

void FramedConnection::finish() {
    closing_ = true;
    wake_.cancel();
    watch_.cancel();
}

void FramedConnection::drop() {
    closing_ = true;
    dropped_ = true;
    discard_outbox();
    hard_deadline_ = clock_.now();
    asio::error_code ignored;
    socket_.close(ignored);
    wake_.cancel();
    watch_.cancel();
}

void FramedConnection::discard_outbox() {
    outbox_.clear();
    outbox_bytes_ = 0;
}

void FramedConnection::tighten_hard_deadline(Clock::time_point deadline) {
    hard_deadline_ = std::min(hard_deadline_, deadline);
    watch_.cancel();
}

void FramedConnection::recheck_deadlines() {
    watch_.cancel();
}

void FramedConnection::close() {
    asio::error_code ignored;
    if (socket_.is_open()) {
        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }
    socket_.close(ignored);
}

// Waits for the socket to become readable with no buffer, then reads into one that lives only
// for this burst: an idle connection holds no read buffer (at 10,000 idle sessions, 16 KiB
// each would be 160 MB). Waiting re-arms asio's edge-triggered epoll registration, so bytes
// that arrived before the wait still wake it.
asio::awaitable<void> FramedConnection::reader() {
    constexpr int kReadsPerWake = 8;  // then wait again, so one busy peer cannot starve others
    asio::error_code ec;
    socket_.non_blocking(true, ec);
    while (!closing_ && !ec) {
        std::tie(ec) = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kNoThrow);
        if (ec) {
            break;
        }
        const auto buffer = std::make_unique_for_overwrite<std::uint8_t[]>(options_.read_chunk);
        for (int i = 0; i < kReadsPerWake && !closing_; ++i) {
            const std::size_t n =
                socket_.read_some(asio::buffer(buffer.get(), options_.read_chunk), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                ec = {};
                break;
            }
            if (ec) {
                break;
            }
            handler_.on_bytes(ByteView(buffer.get(), n));
            if (n < options_.read_chunk) {
                break;  // the socket is drained: wait for the next bytes
            }
        }
    }
    if (ec && !closing_) {
        handler_.on_stream_error(Side::read, ec);
        co_return;
    }
    if (ec) {
        co_return;
    }
    // Closing: keep the reader parked so the writer can flush; the writer ends the race.
    asio::steady_timer park(executor_, Clock::time_point::max());
    co_await park.async_wait(kNoThrow);
}

asio::awaitable<void> FramedConnection::writer() {
    while (true) {
        while (!outbox_.empty()) {
            Bytes frame = std::move(outbox_.front());
            outbox_.pop_front();
            outbox_bytes_ -= frame.size();
            auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(frame), kNoThrow);
            (void)n;
            if (ec) {
                if (!closing_) {
                    handler_.on_stream_error(Side::write, ec);
                }
                co_return;
            }
        }
        if (closing_) {
            co_return;
        }
        wake_.expires_at(Clock::time_point::max());
        co_await wake_.async_wait(kNoThrow);
    }
}

asio::awaitable<void> FramedConnection::watchdog() {
    while (true) {
        auto now = clock_.now();
        watch_.expires_after(
            std::min({now + options_.tick, handler_.next_deadline(), hard_deadline_}) - now);
        co_await watch_.async_wait(kNoThrow);
        // A plain cancel() of watch_ only asks for the deadlines to be recomputed; the
        // parallel group's cancellation (another loop ended) ends us.
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) {
            co_return;
        }
        now = clock_.now();
        if (now >= hard_deadline_) {
            handler_.on_hard_deadline();
            co_return;
        }
        if (dropped_) {
            co_return;
        }
        handler_.on_tick(now);
    }
}

// We end the connection: send FIN, then read and discard briefly before closing, so the kernel
// does not answer unread input with a reset that would destroy the error frame we just sent.
// Bounded by the hard deadline, so the owner's grace holds.
asio::awaitable<void> FramedConnection::linger() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    auto drain = [this]() -> asio::awaitable<void> {
        std::array<std::uint8_t, 4096> sink{};
        while (true) {
            auto [ec, n] = co_await socket_.async_read_some(asio::buffer(sink), kNoThrow);
            (void)n;
            if (ec) {
                co_return;
            }
        }
    };
    auto now = clock_.now();
    asio::steady_timer limit(executor_, std::min(now + kLingerLimit, hard_deadline_) - now);
    co_await (drain() || limit.async_wait(kNoThrow));
}

}  // namespace sc::net
