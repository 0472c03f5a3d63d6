// The server's dispatch table for sealed messages and the principal kept from accept_auth on.
#include <gtest/gtest.h>

#include "harness.h"
#include "proto/dispatch.h"

namespace sc::proto {
namespace {

using namespace test;

TEST(Dispatch, PhaseSetHoldsExactlyItsPhases) {
    using P = ServerSession::Phase;
    constexpr PhaseSet<P> set{P::chat, P::closing};
    static_assert(set.contains(P::chat) && set.contains(P::closing));
    static_assert(!set.contains(P::waiting_auth) && !set.contains(P::closed));
}

TEST(Dispatch, NoPrincipalBeforeAcceptAuth) {
    TestPki pki;
    Pair pair(pki);
    pair.auto_accept = false;
    pair.handshake();
    pair.deliver(pair.client->login("alice", crypto::SecretBytes(as_bytes("hunter2hunter2"))),
                 Side::client);
    ASSERT_TRUE(pair.server_events.has<event::LoginRequested>());
    EXPECT_FALSE(pair.server->principal());
}

TEST(Dispatch, AcceptAuthKeepsThePrincipalWithTheCertificateAsDevice) {
    TestPki pki;
    Pair pair(pki);
    pair.auto_accept = false;
    pair.handshake();
    pair.deliver(pair.client->login("alice", crypto::SecretBytes(as_bytes("hunter2hunter2"))),
                 Side::client);
    pair.deliver(pair.server->accept_auth(Principal{42, "alice", Role::user, "not a device"},
                                          msg::AuthAction::logged_in),
                 Side::server);
    ASSERT_TRUE(pair.client_events.has<event::ChatReady>());
    const auto& principal = pair.server->principal();
    ASSERT_TRUE(principal);
    EXPECT_EQ(principal->account_id, 42);
    EXPECT_EQ(principal->username, "alice");
    EXPECT_EQ(principal->role, Role::user);
    EXPECT_EQ(principal->device, pki.client.chain.front().fingerprint_text());
}

// A message the server itself sends has no row: refused with the text and code of old.
TEST(Dispatch, ServerMessagesFromTheClientAreUnexpected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_inner_for_test(msg::Inner{msg::RekeyRequest{}}), Side::client);
    auto failed = pair.server_events.of<event::Failed>();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].error.code, ErrorCode::unexpected_message);
    EXPECT_EQ(failed[0].error.message,
              "'rekey_request' is not allowed in this phase of the session");
}

// Each row's phases: a login during the chat is refused like any message out of its phase.
TEST(Dispatch, SecondLoginDuringTheChatIsUnexpected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_inner_for_test(
                     msg::Inner{msg::Login{"bob", crypto::SecretBytes(as_bytes("x"))}}),
                 Side::client);
    auto failed = pair.server_events.of<event::Failed>();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].error.code, ErrorCode::unexpected_message);
    EXPECT_EQ(failed[0].error.message, "'login' is not allowed in this phase of the session");
    EXPECT_EQ(pair.server->principal()->username, "alice");
}

}  // namespace
}  // namespace sc::proto
