// The send path is validate, store, acknowledge (issue 9): the server session holds a client
// message's ack, and the input after it, until its owner says the message is stored; an owner
// that could not store it ends the session, and the client then holds no ack for it.
#include <gtest/gtest.h>

#include "harness.h"

namespace sc::proto {
namespace {

using namespace test;

TEST(StoreThenAck, TheAckAndTheInputAfterItWaitForTheOwnersStore) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.auto_store = false;
    Output batch = pair.client->send_text("first");
    batch.append(pair.client->send_text("second"));
    pair.deliver(std::move(batch), Side::client);

    ASSERT_EQ(pair.server->store_pending(), 1u);
    EXPECT_EQ(pair.server_events.of<event::MessageReceived>().size(), 1u) << "msg 2 waits";
    EXPECT_FALSE(pair.client_events.has<event::Acknowledged>());
    EXPECT_TRUE(pair.server->send_text("not now").send.empty()) << "refused while pending";

    pair.deliver(pair.server->acknowledge_stored(1), Side::server);
    ASSERT_EQ(pair.server->store_pending(), 2u);
    ASSERT_EQ(pair.client_events.of<event::Acknowledged>().size(), 1u);
    EXPECT_EQ(pair.client_events.of<event::Acknowledged>()[0].seqno, 1u);

    pair.deliver(pair.server->acknowledge_stored(2), Side::server);
    EXPECT_EQ(pair.server->store_pending(), std::nullopt);
    EXPECT_EQ(pair.client_events.of<event::Acknowledged>().size(), 2u);
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");

    pair.auto_store = true;
    pair.deliver(pair.client->close(), Side::client);
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
}

TEST(StoreThenAck, NoAckLeavesForAMessageTheOwnerCouldNotStore) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("stored"), Side::client);
    ASSERT_EQ(pair.client_events.of<event::Acknowledged>().size(), 1u);

    pair.auto_store = false;
    pair.deliver(pair.client->send_text("not stored"), Side::client);
    ASSERT_EQ(pair.server->store_pending(), 2u);
    // The owner's transcript write failed: it ends the session instead of acknowledging.
    auto ended = pair.server->terminate(ErrorCode::throttled, "transcript quota used up");
    EXPECT_EQ(ended.send.size(), 1u) << "the error alone";
    EXPECT_EQ(pair.server->store_pending(), std::nullopt);
    pair.deliver(std::move(ended), Side::server);

    // The client opened the error (so it took the record the ack would have had) and holds
    // no ack for msg 2.
    auto acks = pair.client_events.of<event::Acknowledged>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].seqno, 1u);
    auto errors = pair.client_events.of<event::PeerError>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "throttled");
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_FALSE(pair.client_events.has<event::ReceiptsExchanged>());
}

}  // namespace
}  // namespace sc::proto
