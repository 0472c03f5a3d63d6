// One framed connection's transport on asio, written once for the server, the client and the
// tools: a reader that hands the peer's bytes to the owner (whose protocol session cuts them into
// bounded frames), a writer with a bounded outbox and one write in flight, and a watchdog that
// runs the owner's deadline policy. The owner keeps the protocol session and decides what each
// deadline means; this class moves bytes and ends the connection in stages:
//   closing (finish): read no more, flush the outbox, end by the hard deadline at the latest;
//   linger: send FIN and drain the peer's input briefly, so the kernel does not answer unread
//           input with a reset that destroys the error frame we just sent;
//   close.
// drop() skips the stages: the outbox is discarded and the socket closed at once.
//
// Threading: construct, call and destroy it on one executor (the server's strand, the client's
// io_context); the Handler is called there, never from inside a member function it called.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstddef>
#include <list>

#include "common/bytes.h"
#include "net/steady_clock.h"

namespace sc::net {

class FramedConnection {
  public:
    using Clock = std::chrono::steady_clock;

    // The defaults are what the client uses; they equal server/settings.h's defaults.
    struct Options {
        std::size_t read_chunk = 16 * 1024;  // bytes asked of each read
        // The outbox bound: a frame that would make the queued bytes exceed it drops the
        // connection (a peer that does not read cannot make us buffer without limit).
        std::size_t max_outbound_bytes = 1024 * 1024;
        Clock::duration tick = std::chrono::seconds(1);  // the policy runs at least this often
        bool linger = true;                              // see the file comment
        // Deadlines and the tick are read from this clock; nullptr means the system's. Timers
        // wait for durations computed from it, so an injected clock governs every deadline.
        const SteadyClock* clock = nullptr;
    };

    enum class Side { read, write };

    // What the owner supplies. Its calls may throw: the exception ends run().
    class Handler {
      public:
        // The peer's bytes, as read (at most read_chunk at a time).
        virtual void on_bytes(ByteView bytes) = 0;
        // Reading or writing failed, or the peer closed its end (asio::error::eof): the
        // connection ends. Not called once closing, when an error is how our own close shows.
        virtual void on_stream_error(Side side, const asio::error_code& ec) = 0;
        // The deadline policy: run by the watchdog at least once per tick and at
        // next_deadline(), until the connection is dropped or past its hard deadline.
        virtual void on_tick(Clock::time_point now) = 0;
        virtual Clock::time_point next_deadline() const { return Clock::time_point::max(); }
        // The hard deadline passed: the connection ends now, whatever the peer does.
        virtual void on_hard_deadline() {}

      protected:
        virtual ~Handler() = default;
    };

    FramedConnection(asio::any_io_executor executor, asio::ip::tcp::socket socket, Handler& handler,
                     Options options);
    ~FramedConnection();
    FramedConnection(const FramedConnection&) = delete;
    FramedConnection& operator=(const FramedConnection&) = delete;

    // For connecting it before run().
    asio::ip::tcp::socket& socket() { return socket_; }

    // Reads, writes and watches until one of them ends, lingers if we were closing, then closes
    // the socket.
    asio::awaitable<void> run();

    // Queues one frame. False when it would exceed the outbox bound: the connection is then
    // dropped. Frames given after drop() are discarded.
    [[nodiscard]] bool send(Bytes frame);
    // Starts closing (see the file comment). The hard deadline is the owner's to set.
    void finish();
    // Ends the connection now: the outbox is discarded and the socket closed.
    void drop();
    // Forgets the queued frames (when what produced them cannot be trusted).
    void discard_outbox();
    // The connection is gone by `deadline` whatever happens; only ever moves earlier.
    void tighten_hard_deadline(Clock::time_point deadline);
    Clock::time_point hard_deadline() const { return hard_deadline_; }
    // The owner moved a deadline of its own: the watchdog asks next_deadline() again.
    void recheck_deadlines();
    // Shuts down and closes the socket (run() does this when it ends).
    void close();

    bool closing() const { return closing_; }
    bool dropped() const { return dropped_; }

  private:
    asio::awaitable<void> reader();
    asio::awaitable<void> writer();
    asio::awaitable<void> watchdog();
    asio::awaitable<void> linger();

    asio::any_io_executor executor_;
    asio::ip::tcp::socket socket_;
    Handler& handler_;
    Options options_;
    const SteadyClock& clock_;
    asio::steady_timer wake_;   // wakes the writer
    asio::steady_timer watch_;  // the watchdog's; a plain cancel() means "recompute"
    // A list, not a deque: an empty deque holds a 512-byte block, and most sessions are idle.
    std::list<Bytes> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool closing_ = false;
    bool dropped_ = false;
    Clock::time_point hard_deadline_ = Clock::time_point::max();
};

}  // namespace sc::net
