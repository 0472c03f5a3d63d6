// Full client-server sessions in memory: every key type and both DH groups, login and
// registration, chat with acknowledgements, rekeying, and the receipt exchange.
#include <gtest/gtest.h>

#include "harness.h"

namespace sc::proto {
namespace {

using namespace test;
using crypto::DhGroup;
using crypto::KeyType;

struct Combo {
    KeyType key;
    DhGroup group;
};

class EveryKeyAndGroup : public ::testing::TestWithParam<Combo> {};

TEST_P(EveryKeyAndGroup, HandshakeLoginChatAndReceipts) {
    TestPki pki(GetParam().key);
    auto c = client_config(pki);
    c.groups = {GetParam().group};
    auto s = server_config(pki);
    s.groups = {GetParam().group};  // ffdhe3072 is off by default on the server (M4)
    Pair pair(std::move(c), std::move(s));
    pair.login_and_chat();
    ASSERT_EQ(pair.client_events.failure(), "");
    ASSERT_EQ(pair.server_events.failure(), "");
    ASSERT_EQ(pair.client->phase(), ClientSession::Phase::chat);
    EXPECT_TRUE(pair.client_events.has<event::HandshakeDone>());
    EXPECT_TRUE(pair.server_events.has<event::ChatReady>());
    auto done_c = pair.client_events.of<event::HandshakeDone>().front();
    auto done_s = pair.server_events.of<event::HandshakeDone>().front();
    EXPECT_EQ(done_c.session_id, done_s.session_id);
    EXPECT_EQ(done_c.peer.common_name(), "server");
    EXPECT_EQ(done_s.peer.common_name(), "alice");

    for (const char* text : {"hello server", "second message", "third: ünïcødé ✓"}) {
        pair.deliver(pair.client->send_text(text), Side::client);
    }
    auto received = pair.server_events.of<event::MessageReceived>();
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0].text, "hello server");
    EXPECT_EQ(received[2].text, "third: ünïcødé ✓");
    EXPECT_EQ(received[2].seqno, 3u);
    auto acks = pair.client_events.of<event::Acknowledged>();
    ASSERT_EQ(acks.size(), 3u);
    EXPECT_EQ(acks[1].seqno, 2u);

    pair.deliver(pair.client->close(), Side::client);
    ASSERT_TRUE(pair.both_closed());
    auto rc = pair.client_events.of<event::ReceiptsExchanged>();
    auto rs = pair.server_events.of<event::ReceiptsExchanged>();
    ASSERT_EQ(rc.size(), 1u);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rc[0].transcript_sha256, rs[0].transcript_sha256);
    EXPECT_EQ(rs[0].own.first_seq, 1u);
    EXPECT_EQ(rs[0].own.last_seq, 3u);
    // Both transcripts are identical byte for byte: that is what makes receipts evidence.
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
    auto transcript = pair.client_events.transcript();
    // The header, then each msg line followed by its signed ack line (M5).
    EXPECT_EQ(std::count(transcript.begin(), transcript.end(), '\n'), 7);
}

INSTANTIATE_TEST_SUITE_P(Protocol, EveryKeyAndGroup,
                         ::testing::Values(Combo{KeyType::ed25519, DhGroup::x25519},
                                           Combo{KeyType::ed25519, DhGroup::ffdhe3072},
                                           Combo{KeyType::ecdsa_p256, DhGroup::x25519},
                                           Combo{KeyType::ecdsa_p256, DhGroup::ffdhe3072},
                                           Combo{KeyType::rsa_2048, DhGroup::x25519},
                                           Combo{KeyType::rsa_2048, DhGroup::ffdhe3072},
                                           Combo{KeyType::rsa_3072, DhGroup::x25519},
                                           Combo{KeyType::rsa_3072, DhGroup::ffdhe3072},
                                           Combo{KeyType::rsa_4096, DhGroup::x25519},
                                           Combo{KeyType::rsa_4096, DhGroup::ffdhe3072}),
                         [](const auto& p) {
                             std::string name(crypto::key_type_name(p.param.key));
                             name += "_";
                             name += crypto::dh_group_name(p.param.group);
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(Session, MixedKeyTypesBetweenClientAndServer) {
    TestPki pki(KeyType::ed25519);
    auto now = std::chrono::system_clock::now();
    pki.server = pki.issue(pki::Profile::server, "server", KeyType::rsa_2048,
                           now - std::chrono::hours(1), now + std::chrono::hours(24));
    pki.client = pki.issue(pki::Profile::client, "alice", KeyType::ecdsa_p256,
                           now - std::chrono::hours(1), now + std::chrono::hours(24));
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("mixed"), Side::client);
    EXPECT_EQ(pair.server_events.of<event::MessageReceived>().size(), 1u);
}

TEST(Session, RegistrationPassesCredentialsToTheOwner) {
    TestPki pki;
    Pair pair(pki);
    pair.auto_accept = false;
    pair.handshake();
    pair.deliver(pair.client->register_user("a@example.com", "alice",
                                            crypto::SecretBytes(as_bytes("hunter2hunter2"))),
                 Side::client);
    auto req = pair.server_events.of<event::RegisterRequested>();
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].email, "a@example.com");
    EXPECT_EQ(req[0].username, "alice");
    EXPECT_EQ(req[0].password.reveal_text(crypto::SecretAccess{}), "hunter2hunter2");
    pair.deliver(pair.server->accept_auth(proto::Principal{.username = "alice"},
                                          proto::msg::AuthAction::registered),
                 Side::server);
    auto auth = pair.client_events.of<event::Authenticated>();
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_EQ(auth[0].action, msg::AuthAction::registered);
    EXPECT_TRUE(pair.client_events.has<event::ChatReady>());
}

TEST(Session, RejectedLoginTellsTheClientAndCloses) {
    TestPki pki;
    Pair pair(pki);
    pair.auto_accept = false;
    pair.handshake();
    pair.deliver(pair.client->login("alice", crypto::SecretBytes(as_bytes("wrong"))), Side::client);
    pair.deliver(pair.server->reject_auth(ErrorCode::auth_failed, "wrong username or password"),
                 Side::server);
    auto err = pair.client_events.of<event::PeerError>();
    ASSERT_EQ(err.size(), 1u);
    EXPECT_EQ(err[0].code, "auth_failed");
    EXPECT_EQ(err[0].message, "wrong username or password");
    EXPECT_TRUE(pair.both_closed());
    EXPECT_FALSE(pair.client_events.has<event::ChatReady>());
}

TEST(Session, SendBeforeLoginIsRefusedLocally) {
    TestPki pki;
    Pair pair(pki);
    pair.handshake();
    auto out = pair.client->send_text("too early");
    EXPECT_TRUE(out.send.empty());
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<event::Refused>(out.events[0]));
}

TEST(Session, ExplicitRekeyKeepsTheConversationGoing) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("before"), Side::client);
    pair.deliver(pair.client->rekey(), Side::client);
    pair.deliver(pair.client->send_text("after"), Side::client);
    pair.deliver(pair.client->rekey(), Side::client);
    pair.deliver(pair.client->send_text("after again"), Side::client);
    ASSERT_EQ(pair.server_events.failure(), "");
    auto rekeyed = pair.client_events.of<event::Rekeyed>();
    ASSERT_EQ(rekeyed.size(), 2u);
    EXPECT_EQ(rekeyed[1].epoch, 3u);
    EXPECT_EQ(pair.server_events.of<event::Rekeyed>().back().epoch, 3u);
    EXPECT_EQ(pair.server_events.of<event::MessageReceived>().size(), 3u);
    pair.deliver(pair.client->close(), Side::client);
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
}

TEST(Session, AutomaticRekeyAfterTheConfiguredNumberOfRecords) {
    TestPki pki;
    auto c = client_config(pki);
    c.rekey_after_records = 3;
    Pair pair(std::move(c), server_config(pki));
    pair.login_and_chat();
    for (int i = 0; i < 10; ++i) {
        pair.deliver(pair.client->send_text("m" + std::to_string(i)), Side::client);
    }
    ASSERT_EQ(pair.server_events.failure(), "");
    EXPECT_GE(pair.client_events.of<event::Rekeyed>().size(), 3u);
    EXPECT_EQ(pair.server_events.of<event::MessageReceived>().size(), 10u);
}

TEST(Session, AutomaticRekeyAfterTheConfiguredTime) {
    TestPki pki;
    auto c = client_config(pki);
    c.rekey_after = std::chrono::seconds(60);
    Pair pair(std::move(c), server_config(pki));
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("one"), Side::client);
    EXPECT_FALSE(pair.client_events.has<event::Rekeyed>());
    pair.client_clock.advance(std::chrono::seconds(61));
    pair.server_clock.advance(std::chrono::seconds(61));
    pair.deliver(pair.client->send_text("two"), Side::client);
    EXPECT_TRUE(pair.client_events.has<event::Rekeyed>());
}

TEST(Session, ServerInitiatedCloseExchangesReceipts) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("hi"), Side::client);
    pair.deliver(pair.server->close(), Side::server);
    EXPECT_TRUE(pair.both_closed());
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
}

TEST(Session, ServerMessagesAreSignedAndAcknowledgedToo) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("from client"), Side::client);
    pair.deliver(pair.server->send_text("from server"), Side::server);
    auto got = pair.client_events.of<event::MessageReceived>();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].text, "from server");
    EXPECT_TRUE(pair.server_events.has<event::Acknowledged>());
    pair.deliver(pair.client->close(), Side::client);
    ASSERT_TRUE(pair.client_events.has<event::ReceiptsExchanged>()) << pair.client_events.failure();
    EXPECT_EQ(pair.client_events.of<event::ReceiptsExchanged>()[0].transcript_sha256,
              pair.server_events.of<event::ReceiptsExchanged>()[0].transcript_sha256);
}

}  // namespace
}  // namespace sc::proto

namespace sc::proto {
namespace {

using namespace test;

// A server message that crosses the client's rekey share: the client must not acknowledge it
// under the old epoch (the server has switched); the ack follows the rekey reply.
TEST(Session, ServerMessageCrossingTheClientsRekeyIsAcknowledgedAfterTheSwitch) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    Output server_msg = pair.server->send_text("crossing");
    Output client_rekey = pair.client->rekey();
    ASSERT_EQ(client_rekey.send.size(), 1u);
    Output client_ack = pair.client->receive(server_msg.send.at(0));
    EXPECT_TRUE(client_ack.send.empty()) << "nothing may be sent between the share and the reply";
    pair.deliver(std::move(client_rekey), Side::client);
    ASSERT_EQ(pair.server_events.failure(), "");
    ASSERT_EQ(pair.client_events.failure(), "");
    EXPECT_TRUE(pair.server_events.has<event::Acknowledged>());
    pair.deliver(pair.client->send_text("after"), Side::client);
    pair.deliver(pair.client->close(), Side::client);
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.of<event::ReceiptsExchanged>()[0].transcript_sha256,
              pair.server_events.of<event::ReceiptsExchanged>()[0].transcript_sha256);
}

TEST(Session, ServerCloseCrossingTheClientsRekeyStillEndsWithReceipts) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("hello"), Side::client);
    Output server_receipt = pair.server->close();
    Output client_rekey = pair.client->rekey();
    Output client_reply = pair.client->receive(server_receipt.send.at(0));
    EXPECT_TRUE(client_reply.send.empty());
    pair.deliver(std::move(client_rekey), Side::client);
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_TRUE(pair.both_closed());
}

}  // namespace
}  // namespace sc::proto
