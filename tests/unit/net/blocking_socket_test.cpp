// The blocking socket layer: failures come back as IoError values, waits end at their timeout.
#include "net/blocking_socket.h"

#include <gtest/gtest.h>

namespace sc::net {
namespace {

using namespace std::chrono_literals;

TEST(BlockingSocket, ConnectsToAListenerAndCarriesBytesBothWays) {
    auto listener = BlockingListener::listen_on_loopback();
    ASSERT_TRUE(listener) << listener.error().message;
    auto client = BlockingSocket::connect("127.0.0.1", listener->port());
    ASSERT_TRUE(client) << client.error().message;
    auto server = listener->accept(1000ms);
    ASSERT_TRUE(server) << server.error().message;

    ASSERT_TRUE(client->write_all(as_bytes("hello"), 1000ms));
    client->shutdown_send();
    auto got = server->read_to_eof(1000ms);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(std::string(got->begin(), got->end()), "hello");

    ASSERT_TRUE(server->write_all(as_bytes("bye"), 1000ms));
    server->linger_close(1000ms);
    auto reply = client->read_to_eof(1000ms);
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(std::string(reply->begin(), reply->end()), "bye");
}

TEST(BlockingSocket, AReadWithNothingToReadTimesOut) {
    auto listener = BlockingListener::listen_on_loopback();
    ASSERT_TRUE(listener);
    auto client = BlockingSocket::connect("127.0.0.1", listener->port());
    ASSERT_TRUE(client);
    auto read = client->read_some(50ms);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().kind, IoError::Kind::timed_out);
    EXPECT_EQ(read.error().message, "timed out waiting for data");

    auto accepted = BlockingListener::listen_on_loopback();
    ASSERT_TRUE(accepted);
    auto none = accepted->accept(50ms);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, IoError::Kind::timed_out);
}

TEST(BlockingSocket, ARefusedConnectionIsAnErrorValue) {
    std::uint16_t port = 0;
    {
        auto listener = BlockingListener::listen_on_loopback();
        ASSERT_TRUE(listener);
        port = listener->port();
    }  // closed: nobody listens there now
    auto client = BlockingSocket::connect("127.0.0.1", port);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().kind, IoError::Kind::failed);
    EXPECT_EQ(client.error().message.rfind("connect: ", 0), 0u) << client.error().message;
}

TEST(BlockingSocket, AnAddressThatIsNotNumericIsRefusedBeforeConnecting) {
    auto client = BlockingSocket::connect("localhost", 1);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().message, "not an IPv4 address: localhost");
    auto bound = BlockingSocket::connect("127.0.0.1", 1, "nowhere");
    ASSERT_FALSE(bound);
    EXPECT_EQ(bound.error().message, "not an IPv4 address: nowhere");
}

}  // namespace
}  // namespace sc::net
