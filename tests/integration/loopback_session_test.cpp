// The protocol over real TCP on 127.0.0.1: a server thread accepts one connection and drives a
// ServerSession (accepting every login), the test drives a ClientSession or plays a raw,
// misbehaving client. Blocking sockets from src/net; every wait has a timeout, so a broken test
// fails instead of hanging.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "net/blocking_socket.h"
#include "proto/messages.h"
#include "proto/wire/framer.h"
#include "unit/proto/harness.h"

namespace sc::proto::test {
namespace {

using net::BlockingListener;
using net::BlockingSocket;
constexpr std::chrono::milliseconds kTimeout{10'000};

// The socket steps below throw on failure: a test (or the server thread) then reports it.
template <class T>
T must(net::IoResult<T> result) {
    if (!result) {
        throw std::runtime_error(result.error().message);
    }
    return std::move(result).value();
}

void write_all(BlockingSocket& socket, ByteView data) {
    if (auto written = socket.write_all(data, kTimeout); !written) {
        throw std::runtime_error(written.error().message);
    }
}

// What one recv() returned: some bytes, or end of stream (empty).
Bytes read_some(BlockingSocket& socket) {
    return must(socket.read_some(kTimeout));
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
ServerResult serve_one(BlockingListener& listener, ServerConfig config) {
    ServerResult result;
    try {
        BlockingSocket conn = must(listener.accept(kTimeout));
        SystemClock clock;
        SystemEntropy entropy;
        ServerSession session(std::move(config), clock, entropy);
        while (!result.session_closed) {
            Bytes chunk = read_some(conn);
            if (chunk.empty()) {
                result.saw_eof = true;
                break;
            }
            result.bytes_received += chunk.size();
            Output out = ::sc::test::receive_storing(session, chunk);  // every message stored
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
                write_all(conn, frame);
                result.bytes_sent += frame.size();
            }
            for (auto& e : out.events) {
                result.events.all.push_back(std::move(e));
            }
            result.session_closed = out.close;
        }
        result.phase = session.phase();
        conn.linger_close(kTimeout);
    } catch (const std::exception& e) {
        result.io_error = e.what();
    }
    return result;
}

// A server thread on a fresh loopback port; server() joins it.
class LoopbackServer {
  public:
    explicit LoopbackServer(ServerConfig config)
        : listener_(must(BlockingListener::listen_on_loopback())),
          result_(
              std::async(std::launch::async, serve_one, std::ref(listener_), std::move(config))) {}
    ~LoopbackServer() {
        if (result_.valid()) {
            result_.wait();  // bounded: every wait in serve_one times out
        }
    }
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    std::uint16_t port() const { return listener_.port(); }
    ServerResult result() { return result_.get(); }

  private:
    BlockingListener listener_;
    std::future<ServerResult> result_;
};

// ---- a ClientSession on a socket ----

class LoopbackClient {
  public:
    LoopbackClient(std::uint16_t port, ClientConfig config)
        : socket_(must(BlockingSocket::connect("127.0.0.1", port))),
          session(std::move(config), clock_, entropy_) {}

    // Sends what the session produced and records its events.
    void handle(Output out) {
        for (const auto& frame : out.send) {
            write_all(socket_, frame);
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
            Bytes chunk = read_some(socket_);
            if (chunk.empty()) {
                throw std::runtime_error(std::string("the server closed the connection before ") +
                                         what);
            }
            handle(session.receive(chunk));
        }
    }

    void close_socket() { socket_.linger_close(kTimeout); }

  private:
    SystemClock clock_;
    SystemEntropy entropy_;
    BlockingSocket socket_;

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
        BlockingSocket socket = must(BlockingSocket::connect("127.0.0.1", server.port()));
        write_all(socket, half);
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

    BlockingSocket socket = must(BlockingSocket::connect("127.0.0.1", server.port()));
    write_all(socket, as_bytes(param.bytes));
    socket.shutdown_send();
    Bytes reply = must(socket.read_to_eof(kTimeout));

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
