// The shared transport over a real loopback connection: the other end is a blocking socket on
// the test's thread, the FramedConnection runs on its io_context in a second thread.
#include "net/framed_connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/blocking_socket.h"

namespace sc::net {
namespace {

using namespace std::chrono_literals;
using Clock = FramedConnection::Clock;
constexpr BlockingSocket::Timeout kTimeout{5000};

Bytes bytes_of(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

std::string text_of(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// Records what the transport tells its owner; each hook may act on the connection.
struct Recorder final : FramedConnection::Handler {
    void on_bytes(ByteView bytes) override {
        received.append(bytes.begin(), bytes.end());
        if (bytes_hook) {
            bytes_hook(bytes);
        }
    }
    void on_stream_error(FramedConnection::Side side, const asio::error_code& ec) override {
        errors.emplace_back(side, ec);
    }
    void on_tick(Clock::time_point now) override {
        ticks.push_back(now);
        if (tick_hook) {
            tick_hook(now);
        }
    }
    Clock::time_point next_deadline() const override { return next; }
    void on_hard_deadline() override { hard_deadline_passed = true; }

    std::function<void(ByteView)> bytes_hook;
    std::function<void(Clock::time_point)> tick_hook;
    Clock::time_point next = Clock::time_point::max();
    std::string received;
    std::vector<std::pair<FramedConnection::Side, asio::error_code>> errors;
    std::vector<Clock::time_point> ticks;
    bool hard_deadline_passed = false;
};

class FramedConnectionTest : public ::testing::Test {
  protected:
    // The connection (accepted here) and its peer (our blocking socket).
    void open(FramedConnection::Options options) {
        asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
        auto peer = BlockingSocket::connect("127.0.0.1", acceptor.local_endpoint().port());
        ASSERT_TRUE(peer) << peer.error().message;
        peer_ = std::move(peer).value();
        conn_ = std::make_unique<FramedConnection>(io_.get_executor(), acceptor.accept(), recorder_,
                                                   options);
    }
    void start() {
        asio::co_spawn(
            io_,
            [this]() -> asio::awaitable<void> {
                co_await conn_->run();
                ended_ = true;
            },
            asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    // Waits for run() to end (every test bounds it with a hard deadline or the peer).
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    ~FramedConnectionTest() override { join(); }

    asio::io_context io_;
    Recorder recorder_;
    std::unique_ptr<FramedConnection> conn_;
    BlockingSocket peer_;
    std::thread thread_;
    std::atomic<bool> ended_ = false;
};

FramedConnection::Options quick(std::size_t max_outbound = 1024) {
    return {.read_chunk = 64, .max_outbound_bytes = max_outbound, .tick = 20ms, .linger = true};
}

TEST_F(FramedConnectionTest, HandsTheBytesToTheOwnerAndFlushesItsAnswerBeforeClosing) {
    open(quick());
    recorder_.bytes_hook = [&](ByteView) {
        if (recorder_.received == "ping") {
            ASSERT_TRUE(conn_->send(bytes_of("pong")));
            conn_->finish();
            conn_->tighten_hard_deadline(Clock::now() + 2s);
        }
    };
    ASSERT_TRUE(peer_.write_all(as_bytes("ping"), kTimeout));
    start();
    auto reply = peer_.read_to_eof(kTimeout);  // the answer, then our FIN
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(text_of(*reply), "pong");
    peer_.close();
    join();
    EXPECT_TRUE(ended_);
    EXPECT_EQ(recorder_.received, "ping");
    EXPECT_TRUE(recorder_.errors.empty());  // our own close is no stream error
}

TEST_F(FramedConnectionTest, ReadsAtMostOneChunkAtATime) {
    open(quick());
    std::vector<std::size_t> sizes;
    recorder_.bytes_hook = [&](ByteView bytes) { sizes.push_back(bytes.size()); };
    ASSERT_TRUE(peer_.write_all(as_bytes(std::string(1000, 'x')), kTimeout));
    peer_.shutdown_send();
    start();
    join();
    EXPECT_EQ(recorder_.received.size(), 1000u);
    for (auto size : sizes) {
        EXPECT_LE(size, 64u);
    }
}

TEST_F(FramedConnectionTest, ThePeersCloseIsAReadErrorForTheOwner) {
    open(quick());
    peer_.close();
    start();
    join();
    ASSERT_EQ(recorder_.errors.size(), 1u);
    EXPECT_EQ(recorder_.errors[0].first, FramedConnection::Side::read);
    EXPECT_EQ(recorder_.errors[0].second, asio::error::eof);
}

TEST_F(FramedConnectionTest, AFrameOverTheOutboxBoundDropsTheConnection) {
    open(quick(/*max_outbound=*/8));
    EXPECT_TRUE(conn_->send(bytes_of("12345678")));  // exactly the bound
    EXPECT_FALSE(conn_->send(bytes_of("9")));
    EXPECT_TRUE(conn_->dropped());
    EXPECT_TRUE(conn_->closing());
    EXPECT_TRUE(conn_->send(bytes_of("after")));  // discarded: nobody writes it
    start();
    join();
    auto rest = peer_.read_to_eof(kTimeout);  // nothing queued was sent
    if (rest) {
        EXPECT_EQ(text_of(*rest), "");
    }
    EXPECT_TRUE(recorder_.errors.empty());
    EXPECT_TRUE(recorder_.ticks.empty());
}

TEST_F(FramedConnectionTest, TheWatchdogRunsThePolicyEachTickThenEndsAtTheHardDeadline) {
    open(quick());
    recorder_.tick_hook = [&](Clock::time_point now) {
        if (recorder_.ticks.size() == 3) {
            conn_->tighten_hard_deadline(now);  // not closing: the owner's "too late"
        }
    };
    start();
    join();
    EXPECT_EQ(recorder_.ticks.size(), 3u);
    EXPECT_TRUE(recorder_.hard_deadline_passed);
    EXPECT_TRUE(ended_);
}

TEST_F(FramedConnectionTest, TheOwnersNextDeadlineWakesTheWatchdogBeforeTheTick) {
    auto options = quick();
    options.tick = 1h;
    open(options);
    auto started = Clock::now();
    recorder_.next = started + 50ms;
    recorder_.tick_hook = [&](Clock::time_point now) {
        recorder_.next = Clock::time_point::max();
        conn_->drop();
        (void)now;
    };
    start();
    join();
    ASSERT_EQ(recorder_.ticks.size(), 1u);
    EXPECT_GE(recorder_.ticks[0], started + 50ms);
    EXPECT_LT(recorder_.ticks[0], started + 30s);
}

// A refusal: our error frame goes out although the peer's input is never read. (Closing with
// unread input makes the kernel send a reset, which can destroy a frame still in flight; the
// linger drains the input first. Loopback delivers too fast to show the loss, so this checks
// only that the frame and our FIN arrive.)
TEST_F(FramedConnectionTest, ARefusalsFrameArrivesAlthoughThePeersInputIsNeverRead) {
    open(quick());
    ASSERT_TRUE(peer_.write_all(as_bytes(std::string(64 * 1024, 'g')), kTimeout));
    ASSERT_TRUE(conn_->send(bytes_of("refused")));
    conn_->finish();  // before the first read: not a byte of the peer's is processed
    conn_->tighten_hard_deadline(Clock::now() + 2s);
    start();
    join();  // the connection is closed before its peer reads anything
    EXPECT_EQ(recorder_.received, "");
    auto reply = peer_.read_to_eof(kTimeout);
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(text_of(*reply), "refused");
}

}  // namespace
}  // namespace sc::net
