// Friend requests with consent on a real server (issue 10): request, accept, decline, remove,
// list, both ways, with the pushes each side gets; the same answers for a user who does not
// exist; the bounds; and the message policy over the store the server wrote.
#include <cctype>

#include "server/message_policy.h"
#include "server_friends_fixture.h"

namespace sc::test {
namespace {

using proto::ErrorCode;
using proto::msg::FriendOp;

std::string code_of(const proto::msg::Result& r) {
    return r.code ? std::string(proto::error_code_name(*r.code)) : std::string("ok");
}

TEST_P(FriendsTest, RequestAcceptRemoveBothWays) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    auto carol = registered("carol");

    // alice asks bob: bob's session is told, nothing changes until he consents.
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("bob"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
    auto pending = alice->list();
    EXPECT_TRUE(pending.friends.empty());
    EXPECT_EQ(pending.outgoing, std::vector<std::string>{user("bob")});
    EXPECT_EQ(bob->list().incoming, std::vector<std::string>{user("alice")});

    // bob accepts: both sides get `added`, then the other's presence (both are online).
    EXPECT_EQ(code_of(bob->command(FriendOp::accept, user("alice"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event added " + user("alice"));
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " online");
    EXPECT_EQ(describe(alice->next_push()), "friend_event added " + user("bob"));
    EXPECT_EQ(describe(alice->next_push()), "presence " + user("bob") + " online");
    auto listed = alice->list();
    EXPECT_EQ(listed.friends, std::vector<std::string>{user("bob")});
    EXPECT_EQ(listed.online, std::vector<std::string>{user("bob")});
    EXPECT_TRUE(listed.outgoing.empty());
    EXPECT_EQ(code_of(bob->command(FriendOp::accept, user("alice"))), "not_pending");

    // The other way: carol asks alice, alice declines. Declining is silent: carol is told
    // nothing. Her next push (alice's own request, sent after the decline from the same
    // session) shows that no friend_event of the decline came before it.
    EXPECT_EQ(code_of(carol->command(FriendOp::request, user("alice"))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event request " + user("carol"));
    EXPECT_EQ(code_of(alice->command(FriendOp::decline, user("carol"))), "ok");
    EXPECT_EQ(code_of(alice->command(FriendOp::decline, user("carol"))), "not_pending");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("dave"))), "ok");  // no account yet
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("carol"))), "ok");
    EXPECT_EQ(describe(carol->next_push()), "friend_event request " + user("alice"));
    EXPECT_TRUE(carol->list().friends.empty());
    EXPECT_TRUE(alice->list().incoming.empty());

    // Remove: both sides get `removed`; a second remove is not_friends.
    EXPECT_EQ(code_of(alice->command(FriendOp::remove, user("bob"))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event removed " + user("bob"));
    EXPECT_EQ(describe(bob->next_push()), "friend_event removed " + user("alice"));
    EXPECT_EQ(code_of(alice->command(FriendOp::remove, user("bob"))), "not_friends");
    EXPECT_TRUE(bob->list().friends.empty());

    // A request to a name registered later reaches its new owner, who can accept it.
    auto dave = registered("dave");
    EXPECT_EQ(dave->list().incoming, std::vector<std::string>{user("alice")});
    EXPECT_EQ(code_of(dave->command(FriendOp::accept, user("alice"))), "ok");
    EXPECT_EQ(alice->list().friends, std::vector<std::string>{user("dave")});
}

TEST_P(FriendsTest, MutualRequestsMakeFriendsAndTellBothSides) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("bob"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
    // bob asks back instead of accepting: that is consent both ways.
    EXPECT_EQ(code_of(bob->command(FriendOp::request, user("alice"))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event added " + user("bob"));
    EXPECT_EQ(describe(bob->next_push()), "friend_event added " + user("alice"));
    EXPECT_EQ(bob->list().friends, std::vector<std::string>{user("alice")});
}

// Names compare as accounts do, case-insensitively; pushes name the account's own spelling.
TEST_P(FriendsTest, NamesCompareCaseInsensitivelyAndPushesNameTheAccount) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    auto upper = [](std::string name) {
        for (auto& c : name) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        return name;
    };
    EXPECT_EQ(code_of(alice->command(FriendOp::request, upper(user("bob")))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
    EXPECT_EQ(code_of(bob->command(FriendOp::accept, upper(user("alice")))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event added " + user("bob"));
    EXPECT_EQ(describe(alice->next_push()), "presence " + user("bob") + " online");
    EXPECT_EQ(describe(bob->next_push()), "friend_event added " + user("alice"));
    EXPECT_EQ(describe(bob->next_push()), "presence " + user("alice") + " online");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, upper(user("alice")))), "invalid_request");
    EXPECT_EQ(code_of(alice->command(FriendOp::remove, upper(user("bob")))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event removed " + user("bob"));
}

// No username enumeration through friend requests: every answer to a user who does not exist
// is the one a user who exists gets (code and message alike), and so are the pushes the asker's
// own sessions get, whatever case the name was typed in ("GhOst" and "BoB").
TEST_P(FriendsTest, RequestsToANonexistentUserAreAnsweredLikeToAnExistingOne) {
    start([](server::Settings& s) { s.limits.friend_ops_burst = 1000; });  // 30 commands
    auto alice = registered("alice");
    auto bob = registered("bob");
    // alice's pushes since the last call, after a round trip (a push to her comes before the
    // answer to her next request), with `them` written as "<them>".
    auto pushes_naming = [&](const std::string& them) {
        alice->list();
        std::vector<std::string> out;
        for (const auto& push : alice->untaken_pushes()) {
            auto text = describe(push);
            for (auto at = text.find(them); at != std::string::npos; at = text.find(them)) {
                text.replace(at, them.size(), "<them>");
            }
            out.push_back(std::move(text));
        }
        return out;
    };
    auto compare = [&](const std::string& real, const std::string& ghost) {
        SCOPED_TRACE(real + " / " + ghost);
        auto same = [&](FriendOp op) {
            auto to_real = alice->command(op, real);
            auto real_pushes = pushes_naming(real);
            auto to_ghost = alice->command(op, ghost);
            auto ghost_pushes = pushes_naming(ghost);
            EXPECT_EQ(to_real.code, to_ghost.code) << proto::msg::wire_name(op);
            EXPECT_EQ(to_real.message, to_ghost.message) << proto::msg::wire_name(op);
            EXPECT_EQ(real_pushes, ghost_pushes) << proto::msg::wire_name(op);
            return code_of(to_real);
        };
        EXPECT_EQ(same(FriendOp::request), "ok");
        EXPECT_EQ(same(FriendOp::request), "ok");          // asked already
        EXPECT_EQ(same(FriendOp::accept), "not_pending");  // neither asked alice
        EXPECT_EQ(same(FriendOp::decline), "not_pending");
        EXPECT_EQ(same(FriendOp::remove), "ok");  // withdraws the request
        EXPECT_EQ(same(FriendOp::remove), "not_friends");
        EXPECT_EQ(same(FriendOp::request), "ok");
        // Both pending requests look the same from alice's side.
        EXPECT_EQ(alice->list().outgoing, (std::vector<std::string>{real, ghost}));
    };
    compare(user("bob"), user("ghost"));
    for (const auto& name : {user("bob"), user("ghost")}) {
        EXPECT_EQ(code_of(alice->command(FriendOp::remove, name)), "ok");
    }
    pushes_naming("-");
    compare(user("BoB"), user("GhOst"));  // the account is "bob": the push must not say so
}

TEST_P(FriendsTest, BadNamesSelfAndLimitsAreRefusedWithTheirCodes) {
    start([](server::Settings& s) { s.limits.friend_ops_burst = 1000; });  // kMaxOutgoingRequests
    auto alice = registered("alice");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, "1starts-with-a-digit")),
              "invalid_request");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, "x")), "invalid_request");
    auto to_self = alice->command(FriendOp::request, user("alice"));
    EXPECT_EQ(code_of(to_self), "invalid_request");
    EXPECT_NE(to_self.message.find("yourself"), std::string::npos) << to_self.message;
    // The bound of pending outgoing requests (proto/limits.h), enforced by the store.
    for (std::size_t i = 0; i < proto::kMaxOutgoingRequests; ++i) {
        ASSERT_EQ(code_of(alice->command(FriendOp::request, user("n") + "x" + std::to_string(i))),
                  "ok")
            << i;
    }
    auto over = alice->command(FriendOp::request, user("one-more"));
    EXPECT_EQ(code_of(over), "limit_reached");
    EXPECT_NE(over.message.find(std::to_string(proto::kMaxOutgoingRequests)), std::string::npos)
        << over.message;
    EXPECT_EQ(alice->list().outgoing.size(), proto::kMaxOutgoingRequests);
}

// Friend commands are bounded per account (limits.friend_ops_burst and _per_minute), so that
// a loop of request and remove cannot flood the other side's sessions: past the burst the
// answer is `throttled` with when to try again, from any session of the account; list_friends
// is not counted, other accounts are not affected, and the session goes on.
TEST_P(FriendsTest, FriendCommandsPastTheBurstAreThrottledAndTheSessionGoesOn) {
    start([](server::Settings& s) {
        s.limits.friend_ops_burst = 3;
        s.limits.friend_ops_per_minute = 1;  // no token comes back during the test
    });
    auto alice = registered("alice");
    auto bob = registered("bob");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("bob"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
    EXPECT_EQ(code_of(alice->command(FriendOp::remove, user("bob"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event removed " + user("alice"));
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("bob"))), "ok");
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
    auto over = alice->command(FriendOp::remove, user("bob"));
    EXPECT_EQ(code_of(over), "throttled");
    EXPECT_NE(over.message.find("try again in"), std::string::npos) << over.message;
    // Another session of alice shares the bucket.
    auto alice_again = logged_in("alice");
    EXPECT_EQ(code_of(alice_again->command(FriendOp::decline, user("bob"))), "throttled");
    // Nothing was done: the request stands, and bob was told nothing more.
    EXPECT_EQ(alice->list().outgoing, std::vector<std::string>{user("bob")});
    alice->untaken_pushes();  // her own friend_events of the first three
    EXPECT_EQ(bob->list().incoming, std::vector<std::string>{user("alice")});
    EXPECT_TRUE(bob->untaken_pushes().empty());
    // bob's own bucket is full: he accepts, and both sessions go on.
    EXPECT_EQ(code_of(bob->command(FriendOp::accept, user("alice"))), "ok");
    EXPECT_EQ(describe(alice->next_push()), "friend_event added " + user("bob"));
    EXPECT_EQ(alice->list().friends, std::vector<std::string>{user("bob")});
}

// Item 7: only friends may message each other unless [users] messages_from = "anyone". Issue
// 11's relay calls the policy; here it reads the store the server wrote.
TEST_P(FriendsTest, MessagePolicyAllowsFriendsOnlyUnlessAnyone) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    auto carol = registered("carol");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("bob"))), "ok");
    EXPECT_EQ(code_of(bob->command(FriendOp::accept, user("alice"))), "ok");
    EXPECT_EQ(code_of(alice->command(FriendOp::request, user("carol"))), "ok");  // pending only

    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto allows = [](const server::MessagePolicy& policy, const std::string& from,
                     const std::string& to) {
        auto r = policy.may_message(from, to);
        EXPECT_TRUE(r) << r.error().message;
        return r && *r;
    };
    server::MessagePolicy friends_only(server::MessagesFrom::friends, *store);
    EXPECT_TRUE(allows(friends_only, user("alice"), user("bob")));
    EXPECT_TRUE(allows(friends_only, user("bob"), user("alice")));
    EXPECT_FALSE(allows(friends_only, user("alice"), user("carol")));
    EXPECT_FALSE(allows(friends_only, user("carol"), user("bob")));
    EXPECT_FALSE(allows(friends_only, user("alice"), user("ghost")));
    server::MessagePolicy anyone(server::MessagesFrom::anyone, *store);
    EXPECT_TRUE(allows(anyone, user("alice"), user("carol")));
    EXPECT_TRUE(allows(anyone, user("carol"), user("bob")));
    EXPECT_EQ(settings_.users.messages_from, server::MessagesFrom::friends);  // the default
}

INSTANTIATE_TEST_SUITE_P(Backends, FriendsTest, testing::ValuesIn(friends_backends_under_test()),
                         friends_backend_name);

}  // namespace
}  // namespace sc::test
