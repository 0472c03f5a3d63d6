// Presence on a real server (issue 10): a user's friends are told when its first session logs
// in and when its last one ends, whether by logout with receipts or by a client that vanishes
// (socket closed without receipts); others are told nothing; list_friends shows who is online;
// and a friend added or removed during a session changes whom its presence reaches.
#include "server_friends_fixture.h"

namespace sc::test {
namespace {

using proto::msg::FriendOp;

// Makes `a` and `b` friends and takes the pushes that brings both.
void befriend(FriendClient& a, FriendClient& b) {
    ASSERT_FALSE(a.command(FriendOp::request, b.name()).code);
    ASSERT_EQ(describe(b.next_push()), "friend_event request " + a.name());
    ASSERT_FALSE(b.command(FriendOp::accept, a.name()).code);
    ASSERT_EQ(describe(a.next_push()), "friend_event added " + b.name());
    ASSERT_EQ(describe(a.next_push()), "presence " + b.name() + " online");
    ASSERT_EQ(describe(b.next_push()), "friend_event added " + a.name());
    ASSERT_EQ(describe(b.next_push()), "presence " + a.name() + " online");
}

TEST_P(FriendsTest, PresenceOnLoginLogoutAndKilledClient) {
    start();
    auto bob = registered("bob");
    {
        auto alice = registered("alice");
        befriend(*alice, *bob);
        EXPECT_EQ(bob->list().online, std::vector<std::string>{user("alice")});
        ASSERT_TRUE(alice->net().close_with_receipts());  // logout
    }
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " offline");
    ASSERT_TRUE(wait_connections(1));
    EXPECT_TRUE(bob->list().online.empty());
    EXPECT_EQ(bob->list().friends, std::vector<std::string>{user("alice")});

    auto alice = logged_in("alice");  // login
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " online");
    EXPECT_EQ(bob->list().online, std::vector<std::string>{user("alice")});
    EXPECT_EQ(alice->list().online, std::vector<std::string>{user("bob")});
    alice->net().close_socket();  // killed: no receipts, no goodbye
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " offline");
    ASSERT_TRUE(wait_connections(1));
    EXPECT_TRUE(bob->list().online.empty());
    EXPECT_TRUE(bob->untaken_pushes().empty());
}

TEST_P(FriendsTest, OnlineWhileAnyDeviceIsAndOnlyFirstAndLastAreTold) {
    start();
    auto bob = registered("bob");
    auto phone = registered("alice");
    befriend(*phone, *bob);
    auto laptop = logged_in("alice");  // a second session: alice was online already
    ASSERT_TRUE(wait_connections(3));
    laptop->net().close_socket();
    ASSERT_TRUE(wait_connections(2));
    EXPECT_EQ(bob->list().online, std::vector<std::string>{user("alice")});
    ASSERT_TRUE(phone->net().close_with_receipts());
    // The first push since the friendship is the last session's offline: neither the laptop's
    // login nor its end was told.
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " offline");
    ASSERT_TRUE(wait_connections(1));
    EXPECT_TRUE(bob->untaken_pushes().empty());
}

// Presence only to friends: carol, online but not alice's friend, never hears of alice's
// presence; once alice removes bob, bob no longer does either.
TEST_P(FriendsTest, PresenceReachesOnlyFriendsAsTheyChangeDuringTheSession) {
    start();
    auto bob = registered("bob");
    auto carol = registered("carol");
    auto alice = registered("alice");
    befriend(*alice, *bob);

    // Friends made during alice's session: carol now hears when alice goes.
    befriend(*alice, *carol);
    // Removed during the session: bob does not hear it any more.
    ASSERT_FALSE(alice->command(FriendOp::remove, user("bob")).code);
    EXPECT_EQ(describe(bob->next_push()), "friend_event removed " + user("alice"));
    EXPECT_EQ(describe(alice->next_push()), "friend_event removed " + user("bob"));
    ASSERT_TRUE(alice->net().close_with_receipts());
    EXPECT_EQ(describe(carol->next_push()), "presence " + user("alice") + " offline");
    ASSERT_TRUE(wait_connections(2));
    // list_friends is a barrier: a push posted to bob before his request is read comes first.
    EXPECT_TRUE(bob->list().online.empty());
    EXPECT_TRUE(bob->untaken_pushes().empty());

    // bob logs out and in: alice is offline and no friend of his, so he hears nothing of her;
    // carol, alice's friend, is not bob's, so she hears nothing of him.
    ASSERT_TRUE(bob->net().close_with_receipts());
    ASSERT_TRUE(wait_connections(1));
    auto bob_again = logged_in("bob");
    EXPECT_TRUE(bob_again->list().online.empty());
    EXPECT_TRUE(bob_again->list().friends.empty());
    // The barrier: a push to carol sent after everything above, from bob's session. Nothing
    // about alice or bob came before it.
    ASSERT_FALSE(bob_again->command(FriendOp::request, user("carol")).code);
    EXPECT_EQ(describe(carol->next_push()), "friend_event request " + user("bob"));
    EXPECT_TRUE(carol->untaken_pushes().empty());
}

// A user who is not a friend learns nothing of a login: carol is online when alice logs in, and
// the first push she gets is alice's request, sent after alice's login was announced to bob.
TEST_P(FriendsTest, PresenceIsNotPushedToNonFriends) {
    start();
    auto bob = registered("bob");
    auto carol = registered("carol");
    {
        auto alice = registered("alice");
        befriend(*alice, *bob);
        ASSERT_TRUE(alice->net().close_with_receipts());
    }
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " offline");
    auto alice = logged_in("alice");
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " online");
    ASSERT_FALSE(alice->command(FriendOp::request, user("carol")).code);
    EXPECT_EQ(describe(carol->next_push()), "friend_event request " + user("alice"));
    EXPECT_TRUE(carol->untaken_pushes().empty());
    EXPECT_TRUE(carol->list().online.empty());
}

}  // namespace
}  // namespace sc::test
