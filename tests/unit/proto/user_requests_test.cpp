// Requests, answers and pushes between a client and the server (§2.3): the server session
// checks the role and holds its input until the owner answers; the client session matches each
// answer to a request it made, so a hostile server cannot answer what was never asked.
#include <gtest/gtest.h>

#include "harness.h"

namespace sc::proto {
namespace {

using namespace test;

msg::Request list_friends() {
    return msg::ListFriends{};
}

TEST(UserRequests, ARequestWaitsForTheOwnersAnswerAndTheInputWaitsWithIt) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    Output batch = pair.client->request(list_friends());
    batch.append(pair.client->send_text("after the request"));
    pair.deliver(std::move(batch), Side::client);

    auto sent = pair.client_events.of<event::RequestSent>();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].type, "list_friends");
    ASSERT_EQ(pair.server->request_pending(), sent[0].id);
    auto received = pair.server_events.of<event::RequestReceived>();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<msg::ListFriends>(received[0].request));
    EXPECT_FALSE(pair.server_events.has<event::MessageReceived>()) << "the msg waits";

    pair.deliver(pair.server->answer(msg::FriendList{sent[0].id, {"bob"}, {"bob"}, {}, {}}),
                 Side::server);
    EXPECT_EQ(pair.server->request_pending(), std::nullopt);
    auto answered = pair.client_events.of<event::Answered>();
    ASSERT_EQ(answered.size(), 1u);
    EXPECT_EQ(answered[0].request_type, "list_friends");
    EXPECT_EQ(std::get<msg::FriendList>(answered[0].answer).online,
              std::vector<std::string>{"bob"});
    EXPECT_TRUE(pair.server_events.has<event::MessageReceived>()) << "input went on";
    EXPECT_TRUE(pair.client_events.has<event::Acknowledged>());
    EXPECT_EQ(pair.client_events.failure(), "");

    pair.deliver(pair.client->close(), Side::client);
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript())
        << "requests are not part of the chat transcript";
}

TEST(UserRequests, ARegularUserIsAnsweredForbiddenAndTheSessionGoesOn) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    for (msg::Request request :
         {msg::Request{msg::Who{}}, msg::Request{msg::UserCommand{0, msg::UserOp::kick, "bob"}},
          msg::Request{
              msg::UserAdd{0, "c@example.org", "carol",
                           crypto::SecretBytes(as_bytes(std::string_view("pw-pw-pw-pw")))}}}) {
        pair.deliver(pair.client->request(std::move(request)), Side::client);
    }
    EXPECT_FALSE(pair.server_events.has<event::RequestReceived>()) << "the owner never sees it";
    auto answered = pair.client_events.of<event::Answered>();
    ASSERT_EQ(answered.size(), 3u);
    for (const auto& a : answered) {
        auto& result = std::get<msg::Result>(a.answer);
        EXPECT_EQ(result.code, ErrorCode::forbidden) << a.request_type;
    }
    pair.deliver(pair.client->send_text("still here"), Side::client);
    EXPECT_TRUE(pair.client_events.has<event::Acknowledged>());
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");
}

TEST(UserRequests, AnAdminsRequestReachesTheOwner) {
    TestPki pki;
    Pair pair(pki);
    pair.accept_role = Role::admin;
    pair.login_and_chat();
    pair.deliver(pair.client->request(msg::Who{}), Side::client);
    auto received = pair.server_events.of<event::RequestReceived>();
    ASSERT_EQ(received.size(), 1u);
    auto id = msg::request_id(received[0].request);
    pair.deliver(pair.server->answer(msg::WhoList{id, {}, false}), Side::server);
    auto answered = pair.client_events.of<event::Answered>();
    ASSERT_EQ(answered.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<msg::WhoList>(answered[0].answer));
}

// A hostile server answers a request that was never made, or with the wrong kind of answer.
TEST(UserRequests, TheClientRefusesAnAnswerToNoRequest) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.server->send_inner_for_test(msg::Result{42, std::nullopt, ""}), Side::server);
    EXPECT_NE(pair.client_events.failure().find("unexpected_message"), std::string::npos)
        << pair.client_events.failure();
}

TEST(UserRequests, TheClientRefusesAWhoListAsTheAnswerToListFriends) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->request(list_friends()), Side::client);
    auto id = pair.client_events.of<event::RequestSent>().at(0).id;
    pair.deliver(pair.server->send_inner_for_test(msg::WhoList{id, {}, false}), Side::server);
    EXPECT_NE(pair.client_events.failure().find("unexpected_message"), std::string::npos)
        << pair.client_events.failure();
}

TEST(UserRequests, AnAnswerIsTakenOnce) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->request(list_friends()), Side::client);
    auto id = pair.client_events.of<event::RequestSent>().at(0).id;
    pair.deliver(pair.server->answer(msg::Result{id, std::nullopt, ""}), Side::server);
    EXPECT_EQ(pair.client_events.failure(), "");
    pair.deliver(pair.server->send_inner_for_test(msg::Result{id, std::nullopt, ""}), Side::server);
    EXPECT_NE(pair.client_events.failure().find("unexpected_message"), std::string::npos);
}

TEST(UserRequests, RequestsInFlightAreBounded) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    Output all;
    for (std::size_t i = 0; i < kMaxRequestsInFlight; ++i) {
        all.append(pair.client->request(list_friends()));
    }
    EXPECT_EQ(all.send.size(), kMaxRequestsInFlight);
    auto over = pair.client->request(list_friends());
    EXPECT_TRUE(over.send.empty());
    ASSERT_EQ(over.events.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<event::Refused>(over.events[0]));
}

TEST(UserRequests, NoRequestBeforeChatOrAfterClose) {
    TestPki pki;
    Pair pair(pki);
    pair.handshake();
    auto early = pair.client->request(list_friends());
    EXPECT_TRUE(early.send.empty());
    pair.login_and_chat();
    pair.deliver(pair.client->close(), Side::client);
    auto late = pair.client->request(list_friends());
    EXPECT_TRUE(late.send.empty());
}

TEST(UserRequests, PushesArriveInChatAndWaitBehindAStore) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.server->push(msg::Presence{"bob", true}), Side::server);
    auto pushed = pair.client_events.of<event::Pushed>();
    ASSERT_EQ(pushed.size(), 1u);
    EXPECT_EQ(std::get<msg::Presence>(pushed[0].push).user, "bob");

    pair.auto_store = false;
    pair.deliver(pair.client->send_text("stored first"), Side::client);
    ASSERT_TRUE(pair.server->store_pending());
    auto held = pair.server->push(msg::FriendEvent{msg::FriendEventKind::request, "carol"});
    EXPECT_TRUE(held.send.empty()) << "nothing goes between a message and its ack";
    pair.deliver(pair.server->acknowledge_stored(*pair.server->store_pending()), Side::server);
    ASSERT_EQ(pair.client_events.of<event::Pushed>().size(), 2u) << "it follows the ack";
    EXPECT_TRUE(pair.client_events.has<event::Acknowledged>());
    EXPECT_EQ(pair.client_events.failure(), "");
}

TEST(UserRequests, HeldPushesAreBoundedOldestDropped) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.auto_store = false;
    pair.deliver(pair.client->send_text("slow store"), Side::client);
    for (std::size_t i = 0; i < kMaxHeldPushes + 5; ++i) {
        (void)pair.server->push(msg::Presence{"user" + std::to_string(i), true});
    }
    pair.deliver(pair.server->acknowledge_stored(*pair.server->store_pending()), Side::server);
    auto pushed = pair.client_events.of<event::Pushed>();
    ASSERT_EQ(pushed.size(), kMaxHeldPushes);
    EXPECT_EQ(std::get<msg::Presence>(pushed.front().push).user, "user5");
}

TEST(UserRequests, NoPushBeforeChat) {
    TestPki pki;
    Pair pair(pki);
    pair.handshake();
    EXPECT_TRUE(pair.server->push(msg::Presence{"bob", true}).send.empty());
}

TEST(UserRequests, EndSessionSaysWhyThenExchangesReceipts) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("before the kick"), Side::client);
    pair.deliver(pair.server->end_session(ErrorCode::kicked, "an administrator ended it"),
                 Side::server);
    auto ending = pair.client_events.of<event::SessionEnding>();
    ASSERT_EQ(ending.size(), 1u);
    EXPECT_EQ(ending[0].code, ErrorCode::kicked);
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
    EXPECT_EQ(pair.client_events.failure(), "");
}

TEST(UserRequests, EndSessionWhileAMessageWaitsForItsStoreComesAfterItsAck) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.auto_store = false;
    pair.deliver(pair.client->send_text("being stored"), Side::client);
    ASSERT_TRUE(pair.server->store_pending());
    EXPECT_TRUE(pair.server->end_session(ErrorCode::kicked, "kicked").send.empty());
    pair.auto_store = true;
    pair.deliver(pair.server->acknowledge_stored(*pair.server->store_pending()), Side::server);
    EXPECT_TRUE(pair.client_events.has<event::Acknowledged>());
    auto ending = pair.client_events.of<event::SessionEnding>();
    ASSERT_EQ(ending.size(), 1u);
    EXPECT_EQ(ending[0].code, ErrorCode::kicked);
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript())
        << "the receipts cover the acknowledged message";
    EXPECT_EQ(pair.client_events.failure(), "");
}

TEST(UserRequests, EndSessionBeforeChatIsAnError) {
    TestPki pki;
    Pair pair(pki);
    pair.handshake();
    pair.deliver(pair.server->end_session(ErrorCode::account_disabled, "disabled"), Side::server);
    auto errors = pair.client_events.of<event::PeerError>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "account_disabled");
}

TEST(UserRequests, ARequestAfterTheServersReceiptIsDropped) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    // The server closes while the client's request is in flight: both go out before either
    // arrives.
    auto request = pair.client->request(list_friends());
    auto closing = pair.server->close();
    pair.deliver(std::move(request), Side::client);
    EXPECT_FALSE(pair.server_events.has<event::RequestReceived>());
    pair.deliver(std::move(closing), Side::server);
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_EQ(pair.client_events.failure(), "");
}

}  // namespace
}  // namespace sc::proto
