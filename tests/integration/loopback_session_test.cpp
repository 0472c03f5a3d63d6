// The protocol over real TCP on 127.0.0.1: a server thread accepts one connection and drives a
// ServerSession (accepting every login), the test drives a ClientSession or plays a raw,
// misbehaving client. Plain POSIX sockets; every wait is a poll() with a timeout, so a broken
// test fails instead of hanging.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <future>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "proto/messages.h"
#include "proto/wire/framer.h"
#include "unit/proto/harness.h"

namespace sc::proto::test {
namespace {

constexpr int kTimeoutMs = 10'000;

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

  private:
    int fd_;
};

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr) != 1) {
        throw std::runtime_error("inet_pton failed");
    }
    return addr;
}

// Waits until `fd` is ready for `events`; throws on timeout.
void wait_for(int fd, short events, const char* what) {
    pollfd p{fd, events, 0};
    int ready = 0;
    do {
        ready = ::poll(&p, 1, kTimeoutMs);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        throw_errno(std::string("poll while ") + what);
    }
    if (ready == 0) {
        throw std::runtime_error(std::string("timed out ") + what);
    }
}

struct Listener {
    Fd fd;
    std::uint16_t port = 0;
};

// A listening socket on 127.0.0.1 with a port the kernel chooses.
Listener listen_on_loopback() {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        throw_errno("socket");
    }
    sockaddr_in addr = loopback_address(0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        throw_errno("bind");
    }
    if (::listen(fd.get(), 1) != 0) {
        throw_errno("listen");
    }
    socklen_t length = sizeof addr;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
        throw_errno("getsockname");
    }
    return Listener{std::move(fd), ntohs(addr.sin_port)};
}

Fd connect_to(std::uint16_t port) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        throw_errno("socket");
    }
    sockaddr_in addr = loopback_address(port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        throw_errno("connect");
    }
    return fd;
}

// Writes everything, however few bytes each send() takes.
void write_all(int fd, ByteView data) {
    while (!data.empty()) {
        wait_for(fd, POLLOUT, "waiting to send");
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            throw_errno("send");
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

// What one recv() returned: some bytes, or end of stream (empty).
Bytes read_some(int fd) {
    for (;;) {
        wait_for(fd, POLLIN, "waiting for data");
        std::uint8_t buffer[16384];
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            throw_errno("recv");
        }
        return Bytes(buffer, buffer + n);
    }
}

// Everything the peer sends until it closes its end.
Bytes read_to_eof(int fd) {
    Bytes all;
    for (;;) {
        Bytes chunk = read_some(fd);
        if (chunk.empty()) {
            return all;
        }
        all.insert(all.end(), chunk.begin(), chunk.end());
    }
}

// Ends our side politely: our data goes out with a FIN, and the peer's remaining bytes are read
// and dropped before close(), so the kernel sends no RST that could destroy our last frames.
void linger_close(Fd& fd) {
    ::shutdown(fd.get(), SHUT_WR);
    try {
        (void)read_to_eof(fd.get());
    } catch (const std::exception&) {
        // The peer reset or went silent: nothing left to protect.
    }
    fd.reset();
}

// ---- the server thread ----

struct ServerResult {
    Events events;
    bool saw_eof = false;         // the client closed its end first
    bool session_closed = false;  // the session asked to close the connection
    std::size_t bytes_received = 0;
    std::size_t bytes_sent = 0;
    ServerSession::Phase phase = ServerSession::Phase::waiting_hello;
    std::string io_error;  // an unexpected socket problem (or timeout) in the server thread
};

// Accepts one connection and serves it until the session closes or the client goes away.
ServerResult serve_one(int listen_fd, ServerConfig config) {
    ServerResult result;
    try {
        wait_for(listen_fd, POLLIN, "waiting for a connection");
        Fd conn(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (conn.get() < 0) {
            throw_errno("accept");
        }
        SystemClock clock;
        SystemEntropy entropy;
        ServerSession session(std::move(config), clock, entropy);
        while (!result.session_closed) {
            Bytes chunk = read_some(conn.get());
            if (chunk.empty()) {
                result.saw_eof = true;
                break;
            }
            result.bytes_received += chunk.size();
            Output out = session.receive(chunk);
            // The owner: every login and registration is accepted.
            for (std::size_t i = 0; i < out.events.size(); ++i) {
                Output more;
                if (auto* login = std::get_if<event::LoginRequested>(&out.events[i])) {
                    more = session.accept_auth(proto::Principal{.username = login->username},
                                               proto::msg::AuthAction::logged_in);
                } else if (auto* reg = std::get_if<event::RegisterRequested>(&out.events[i])) {
                    more = session.accept_auth(proto::Principal{.username = reg->username},
                                               proto::msg::AuthAction::registered);
                }
                out.append(std::move(more));
            }
            for (const auto& frame : out.send) {
                write_all(conn.get(), frame);
                result.bytes_sent += frame.size();
            }
            for (auto& e : out.events) {
                result.events.all.push_back(std::move(e));
            }
            result.session_closed = out.close;
        }
        result.phase = session.phase();
        linger_close(conn);
    } catch (const std::exception& e) {
        result.io_error = e.what();
    }
    return result;
}

// A server thread on a fresh loopback port; server() joins it.
class LoopbackServer {
  public:
    explicit LoopbackServer(ServerConfig config)
        : listener_(listen_on_loopback()),
          result_(
              std::async(std::launch::async, serve_one, listener_.fd.get(), std::move(config))) {}
    ~LoopbackServer() {
        if (result_.valid()) {
            result_.wait();  // bounded: every wait in serve_one times out
        }
    }
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    std::uint16_t port() const { return listener_.port; }
    ServerResult result() { return result_.get(); }

  private:
    Listener listener_;
    std::future<ServerResult> result_;
};

// ---- a ClientSession on a socket ----

class LoopbackClient {
  public:
    LoopbackClient(std::uint16_t port, ClientConfig config)
        : fd_(connect_to(port)), session(std::move(config), clock_, entropy_) {}

    // Sends what the session produced and records its events.
    void handle(Output out) {
        for (const auto& frame : out.send) {
            write_all(fd_.get(), frame);
        }
        for (auto& e : out.events) {
            events.all.push_back(std::move(e));
        }
        closed = closed || out.close;
    }

    // Reads from the socket into the session until `done` holds; throws if the connection or
    // the session ends first.
    void pump_until(const std::function<bool()>& done, const char* what) {
        while (!done()) {
            if (closed) {
                throw std::runtime_error(std::string("the session closed before ") + what + " (" +
                                         events.failure() + ")");
            }
            Bytes chunk = read_some(fd_.get());
            if (chunk.empty()) {
                throw std::runtime_error(std::string("the server closed the connection before ") +
                                         what);
            }
            handle(session.receive(chunk));
        }
    }

    void close_socket() { linger_close(fd_); }

  private:
    SystemClock clock_;
    SystemEntropy entropy_;
    Fd fd_;

  public:
    ClientSession session;
    Events events;
    bool closed = false;
};

template <class T>
std::size_t count(const Events& events) {
    return events.of<T>().size();
}

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// ---- tests ----

TEST(LoopbackSession, HandshakeLoginChatAndReceiptsOverTcp) {
    TestPki pki;
    LoopbackServer server(server_config(pki));
    LoopbackClient client(server.port(), client_config(pki));

    client.handle(client.session.start());
    client.pump_until([&] { return client.events.has<event::HandshakeDone>(); }, "the handshake");
    client.handle(client.session.login("alice", crypto::SecretBytes(as_bytes("correct horse"))));
    client.pump_until([&] { return client.events.has<event::ChatReady>(); }, "chat");
    const std::vector<std::string> texts = {"first", "second \xc3\xa9", std::string(5000, 'x')};
    for (const auto& text : texts) {
        client.handle(client.session.send_text(text));
    }
    client.pump_until([&] { return count<event::Acknowledged>(client.events) == texts.size(); },
                      "three acks");
    client.handle(client.session.close());
    client.pump_until([&] { return client.events.has<event::ReceiptsExchanged>(); },
                      "the receipts");
    EXPECT_TRUE(client.closed);
    EXPECT_TRUE(client.session.finished());
    EXPECT_EQ(client.session.phase(), ClientSession::Phase::closed);
    client.close_socket();

    ServerResult s = server.result();
    ASSERT_EQ(s.io_error, "");
    EXPECT_EQ(client.events.failure(), "");
    EXPECT_EQ(s.events.failure(), "");
    EXPECT_TRUE(s.session_closed);
    EXPECT_EQ(s.phase, ServerSession::Phase::closed);

    // Both sides agree on the session and on what was said.
    auto c_done = client.events.of<event::HandshakeDone>();
    auto s_done = s.events.of<event::HandshakeDone>();
    ASSERT_EQ(c_done.size(), 1u);
    ASSERT_EQ(s_done.size(), 1u);
    EXPECT_EQ(c_done[0].session_id, s_done[0].session_id);
    EXPECT_EQ(count<event::LoginRequested>(s.events), 1u);
    auto received = s.events.of<event::MessageReceived>();
    ASSERT_EQ(received.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(received[i].seqno, i + 1);
        EXPECT_EQ(received[i].text, texts[i]);
    }
    auto acked = client.events.of<event::Acknowledged>();
    for (std::size_t i = 0; i < acked.size(); ++i) {
        EXPECT_EQ(acked[i].seqno, i + 1);
    }

    // Receipts: each side holds the other's, over the same transcript hash.
    auto c_receipts = client.events.of<event::ReceiptsExchanged>();
    auto s_receipts = s.events.of<event::ReceiptsExchanged>();
    ASSERT_EQ(c_receipts.size(), 1u);
    ASSERT_EQ(s_receipts.size(), 1u);
    const auto& c = c_receipts[0];
    const auto& sr = s_receipts[0];
    EXPECT_EQ(c.transcript_sha256, sr.transcript_sha256);
    EXPECT_EQ(c.own.sig, sr.peer.sig);
    EXPECT_EQ(sr.own.sig, c.peer.sig);
    EXPECT_EQ(c.own.transcript_sha256, sr.own.transcript_sha256);
    EXPECT_EQ(sr.own.first_seq, 1u);  // the server received seqno 1..3
    EXPECT_EQ(sr.own.last_seq, 3u);
    EXPECT_EQ(c.own.first_seq, 0u);  // the client received none
    EXPECT_EQ(c.own.last_seq, 0u);

    // One direction only: the two transcripts are identical byte for byte (§7).
    std::string c_transcript = client.events.transcript();
    EXPECT_EQ(c_transcript, s.events.transcript());
    // The header, then per message its line and the receiver's signed ack line (M5).
    EXPECT_EQ(count_lines(c_transcript), 1 + 2 * texts.size());
    EXPECT_EQ(c_transcript.rfind("securechat-transcript v1|", 0), 0u);
}

TEST(LoopbackSession, HalfAHelloThenCloseIsAQuietEndOfStream) {
    TestPki pki;
    LoopbackServer server(server_config(pki));

    SystemClock clock;
    SystemEntropy entropy;
    ClientSession donor(client_config(pki), clock, entropy);
    auto start = donor.start();
    ASSERT_EQ(start.send.size(), 1u);
    const Bytes& hello = start.send[0];
    ByteView half = ByteView(hello).first(hello.size() / 2);
    {
        Fd fd = connect_to(server.port());
        write_all(fd.get(), half);
    }  // closed here, mid-frame

    ServerResult s = server.result();
    ASSERT_EQ(s.io_error, "");
    EXPECT_TRUE(s.saw_eof);
    EXPECT_FALSE(s.session_closed);
    EXPECT_EQ(s.bytes_received, half.size());
    EXPECT_EQ(s.bytes_sent, 0u);
    EXPECT_TRUE(s.events.all.empty());
    EXPECT_EQ(s.phase, ServerSession::Phase::waiting_hello);
}

struct GarbageCase {
    std::string name;
    std::string bytes;
    ErrorCode expected;
};

void PrintTo(const GarbageCase& c, std::ostream* os) {
    *os << c.name;
}

class LoopbackGarbage : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(LoopbackGarbage, ServerFailsWithANamedErrorThatTheRawClientCanRead) {
    const auto& param = GetParam();
    TestPki pki;
    LoopbackServer server(server_config(pki));

    Fd fd = connect_to(server.port());
    write_all(fd.get(), as_bytes(param.bytes));
    ::shutdown(fd.get(), SHUT_WR);
    Bytes reply = read_to_eof(fd.get());

    ServerResult s = server.result();
    ASSERT_EQ(s.io_error, "");
    EXPECT_TRUE(s.session_closed);
    auto failed = s.events.of<event::Failed>();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].error.code, param.expected) << failed[0].error.text();
    EXPECT_EQ(s.bytes_sent, reply.size());

    // The reply is exactly one frame holding {"type":"error","code":...,"message":...}.
    FrameReader reader;
    reader.feed(reply);
    auto next = reader.next();
    ASSERT_TRUE(std::holds_alternative<Frame>(next)) << "no whole frame in the reply";
    const auto& frame = std::get<Frame>(next);
    EXPECT_EQ(reader.buffered(), 0u);
    auto json = nlohmann::json::parse(frame.payload_text(), nullptr, false);
    ASSERT_TRUE(json.is_object()) << frame.payload_text();
    EXPECT_EQ(json.value("type", ""), "error");
    EXPECT_EQ(json.value("code", ""), error_code_name(param.expected));
    EXPECT_TRUE(json.contains("message") && json["message"].is_string());
    auto decoded = msg::decode_outer(frame.payload_text());
    ASSERT_TRUE(decoded) << decoded.error().text();
    ASSERT_TRUE(std::holds_alternative<msg::Error>(*decoded));
    EXPECT_EQ(std::get<msg::Error>(*decoded).code, error_code_name(param.expected));
}

std::string framed(std::string_view payload) {
    Frame frame = make_frame(payload);
    return {frame.wire().begin(), frame.wire().end()};
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, LoopbackGarbage,
    ::testing::Values(
        // An HTTP request: "GET " read as a length is far above the 64 KiB limit.
        GarbageCase{"http_request", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                    ErrorCode::frame_too_large},
        // A well-formed frame whose payload is not JSON.
        GarbageCase{"not_json", framed("hello world"), ErrorCode::malformed},
        // A JSON object of an unknown type.
        GarbageCase{"unknown_type", framed(R"({"type":"hola"})"), ErrorCode::malformed},
        // A record before any handshake.
        GarbageCase{"record_first",
                    framed(R"({"type":"record","seq":0,"ct":"AAAAAAAAAAAAAAAAAAAAAA=="})"),
                    ErrorCode::unexpected_message}),
    [](const ::testing::TestParamInfo<GarbageCase>& test) { return test.param.name; });

}  // namespace
}  // namespace sc::proto::test
