// The FriendStore contract, run against SQLite and MariaDB alike.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "proto/limits.h"
#include "store/social_store.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + std::chrono::milliseconds(1'700'000'000'000);

class FriendStoreTest : public StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        store_ = open_or_fail();
        ASSERT_TRUE(store_);
    }
    std::int64_t add(const std::string& username) {
        auto created = store_->create_account(username + "@example.com", username, PasswordRecord{},
                                              Role::user);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->id : 0;
    }
    RequestOutcome request(std::int64_t from, const std::string& to) {
        auto outcome = store_->request_friend(from, to, kT0);
        EXPECT_TRUE(outcome) << outcome.error().message;
        return outcome ? *outcome : RequestOutcome::to_self;
    }
    std::vector<FriendEntry> list(std::int64_t account) {
        auto entries = store_->friends(account);
        EXPECT_TRUE(entries) << entries.error().message;
        return entries ? *entries : std::vector<FriendEntry>{};
    }
    bool friends(const std::string& a, const std::string& b) {
        auto answer = store_->are_friends(a, b);
        EXPECT_TRUE(answer) << answer.error().message;
        return answer && *answer;
    }
    // The SQL of "now" for raw inserts into a time column.
    std::string now_sql() const { return is_mariadb() ? "NOW(3)" : "0"; }

    std::unique_ptr<Store> store_;
};
INSTANTIATE_TEST_SUITE_P(Backends, FriendStoreTest, tested_backends(), backend_param_name);

bool has_entry(const std::vector<FriendEntry>& entries, const std::string& name,
               FriendState state) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const auto& e) { return e.username == name && e.state == state; });
}

TEST_P(FriendStoreTest, ARequestAcceptedMakesFriendsBothWays) {
    auto alice = add("alice");
    auto bob = add("bob");
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
    EXPECT_TRUE(has_entry(list(alice), "bob", FriendState::outgoing));
    auto bobs = list(bob);
    ASSERT_EQ(bobs.size(), 1u);
    EXPECT_EQ(bobs[0].username, "alice");
    EXPECT_EQ(bobs[0].state, FriendState::incoming);
    EXPECT_EQ(bobs[0].since, kT0);
    EXPECT_FALSE(friends("alice", "bob"));

    auto accepted = store_->accept_friend(bob, "alice", kT0 + 5s);
    ASSERT_TRUE(accepted) << accepted.error().message;
    EXPECT_EQ(*accepted, AnswerOutcome::done);
    EXPECT_TRUE(friends("alice", "bob"));
    EXPECT_TRUE(friends("bob", "alice"));
    for (auto [account, other] : {std::pair{alice, "bob"}, std::pair{bob, "alice"}}) {
        auto entries = list(account);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].username, other);
        EXPECT_EQ(entries[0].state, FriendState::friends);
        EXPECT_EQ(entries[0].since, kT0 + 5s);
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friend_requests"), "0");
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::already_friends);
    EXPECT_EQ(request(bob, "alice"), RequestOutcome::already_friends);
}

TEST_P(FriendStoreTest, RequestsBothWaysAreConsentBothWays) {
    auto alice = add("alice");
    auto bob = add("bob");
    EXPECT_EQ(request(alice, "Bob"), RequestOutcome::requested);
    EXPECT_EQ(request(bob, "ALICE"), RequestOutcome::became_friends);
    EXPECT_TRUE(friends("alice", "bob"));
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friend_requests"), "0");
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friendships"), "1");
}

// accept looks for the request first, in one statement: in any case on both sides, and for a
// name with an account but no request just as for a name without one.
TEST_P(FriendStoreTest, AcceptFindsTheRequestInAnyCaseAndNothingWithoutOne) {
    auto alice = add("alice");
    auto bob = add("bob");
    add("carol");
    EXPECT_EQ(request(alice, "bOB"), RequestOutcome::requested);
    for (const char* who : {"carol", "Ghost", "bob"}) {
        auto none = store_->accept_friend(bob, who, kT0);
        ASSERT_TRUE(none) << none.error().message;
        EXPECT_EQ(*none, AnswerOutcome::no_request) << who;
    }
    auto accepted = store_->accept_friend(bob, "ALICE", kT0);
    ASSERT_TRUE(accepted) << accepted.error().message;
    EXPECT_EQ(*accepted, AnswerOutcome::done);
    EXPECT_TRUE(friends("alice", "bob"));
    auto again = store_->accept_friend(bob, "alice", kT0);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, AnswerOutcome::no_request);
}

TEST_P(FriendStoreTest, NamesTheOtherOutcomes) {
    auto alice = add("alice");
    add("bob");
    EXPECT_EQ(request(alice, "alice"), RequestOutcome::to_self);
    EXPECT_EQ(request(alice, "ALICE"), RequestOutcome::to_self);
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
    // Usernames compare as the accounts table does: without regard to case.
    EXPECT_EQ(request(alice, "BOB"), RequestOutcome::already_requested);
    auto invalid = store_->request_friend(alice, "not a name", kT0);
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.error().code, StoreErrorCode::invalid_argument);
    auto trailing = store_->request_friend(alice, "bob ", kT0);
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, StoreErrorCode::invalid_argument);
    auto nobody = store_->request_friend(424242, "bob", kT0);
    ASSERT_FALSE(nobody);
    EXPECT_EQ(nobody.error().code, StoreErrorCode::not_found);
}

TEST_P(FriendStoreTest, ARequestToAnUnknownNameLooksTheSameAndWaitsForItsOwner) {
    auto alice = add("alice");
    add("bob");
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
    EXPECT_EQ(request(alice, "carol"), RequestOutcome::requested);  // no such account (yet)
    EXPECT_EQ(request(alice, "carol"), RequestOutcome::already_requested);
    EXPECT_TRUE(has_entry(list(alice), "carol", FriendState::outgoing));
    auto carol = add("carol");
    EXPECT_TRUE(has_entry(list(carol), "alice", FriendState::incoming));
    auto accepted = store_->accept_friend(carol, "alice", kT0);
    ASSERT_TRUE(accepted);
    EXPECT_EQ(*accepted, AnswerOutcome::done);
    EXPECT_TRUE(friends("carol", "alice"));
}

TEST_P(FriendStoreTest, DeclineAndAcceptNeedARequest) {
    auto alice = add("alice");
    auto bob = add("bob");
    for (const char* who : {"alice", "nobody", "not a name"}) {
        auto accepted = store_->accept_friend(bob, who, kT0);
        ASSERT_TRUE(accepted) << accepted.error().message;
        EXPECT_EQ(*accepted, AnswerOutcome::no_request) << who;
        auto declined = store_->decline_friend(bob, who);
        ASSERT_TRUE(declined) << declined.error().message;
        EXPECT_EQ(*declined, AnswerOutcome::no_request) << who;
    }
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
    // Only the receiver answers: alice cannot accept her own request.
    auto own = store_->accept_friend(alice, "bob", kT0);
    ASSERT_TRUE(own);
    EXPECT_EQ(*own, AnswerOutcome::no_request);
    auto declined = store_->decline_friend(bob, "ALICE");
    ASSERT_TRUE(declined);
    EXPECT_EQ(*declined, AnswerOutcome::done);
    EXPECT_TRUE(list(alice).empty());
    EXPECT_TRUE(list(bob).empty());
    EXPECT_FALSE(friends("alice", "bob"));
    // Declined is not blocked: she may ask again.
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
}

TEST_P(FriendStoreTest, RemoveEndsAFriendshipOrWithdrawsARequest) {
    auto alice = add("alice");
    auto bob = add("bob");
    add("carol");
    EXPECT_EQ(request(alice, "bob"), RequestOutcome::requested);
    EXPECT_EQ(request(bob, "alice"), RequestOutcome::became_friends);
    EXPECT_EQ(request(alice, "carol"), RequestOutcome::requested);
    auto removed = store_->remove_friend(bob, "Alice");
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(*removed, RemoveOutcome::unfriended);
    EXPECT_FALSE(friends("alice", "bob"));
    EXPECT_TRUE(list(bob).empty());
    auto withdrawn = store_->remove_friend(alice, "carol");
    ASSERT_TRUE(withdrawn);
    EXPECT_EQ(*withdrawn, RemoveOutcome::withdrawn);
    EXPECT_TRUE(list(alice).empty());
    // A request to a name without an account is withdrawn the same way, in any case.
    EXPECT_EQ(request(alice, "Ghost"), RequestOutcome::requested);
    auto withdrawn_ghost = store_->remove_friend(alice, "gHOST");
    ASSERT_TRUE(withdrawn_ghost);
    EXPECT_EQ(*withdrawn_ghost, RemoveOutcome::withdrawn);
    EXPECT_TRUE(list(alice).empty());
    for (const char* who : {"bob", "carol", "ghost", "nobody", "not a name"}) {
        auto again = store_->remove_friend(alice, who);
        ASSERT_TRUE(again);
        EXPECT_EQ(*again, RemoveOutcome::not_friends) << who;
    }
}

TEST_P(FriendStoreTest, ListsFriendsByNameThenRequestsOldestFirst) {
    auto alice = add("alice");
    auto zed = add("zed");
    auto bob = add("bob");
    auto carol = add("carol");
    ASSERT_TRUE(store_->request_friend(zed, "alice", kT0));
    ASSERT_TRUE(store_->accept_friend(alice, "zed", kT0));
    ASSERT_TRUE(store_->request_friend(bob, "alice", kT0));
    ASSERT_TRUE(store_->accept_friend(alice, "bob", kT0));
    ASSERT_TRUE(store_->request_friend(carol, "alice", kT0 + 2s));
    ASSERT_TRUE(store_->request_friend(alice, "yves", kT0 + 3s));
    ASSERT_TRUE(store_->request_friend(alice, "xena", kT0 + 4s));
    auto entries = list(alice);
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].username, "bob");
    EXPECT_EQ(entries[1].username, "zed");
    EXPECT_EQ(entries[2].username, "carol");
    EXPECT_EQ(entries[2].state, FriendState::incoming);
    EXPECT_EQ(entries[3].username, "yves");
    EXPECT_EQ(entries[3].state, FriendState::outgoing);
    EXPECT_EQ(entries[4].username, "xena");
    EXPECT_EQ(entries[4].since, kT0 + 4s);
}

TEST_P(FriendStoreTest, OutgoingRequestsAreBounded) {
    auto alice = add("alice");
    for (std::size_t i = 0; i < proto::kMaxOutgoingRequests; ++i) {
        ASSERT_EQ(request(alice, "ghost" + std::to_string(i)), RequestOutcome::requested);
    }
    auto over = store_->request_friend(alice, "ghostly", kT0);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, StoreErrorCode::limit_reached);
    EXPECT_EQ(list(alice).size(), proto::kMaxOutgoingRequests);
    ASSERT_TRUE(store_->remove_friend(alice, "ghost0"));
    EXPECT_EQ(request(alice, "ghostly"), RequestOutcome::requested);
}

TEST_P(FriendStoreTest, IncomingRequestsAreBoundedAndTheOldestStay) {
    auto bob = add("bob");
    std::vector<std::int64_t> senders;
    for (std::size_t i = 0; i <= proto::kMaxIncomingRequests; ++i) {
        senders.push_back(add("sender" + std::to_string(i)));
    }
    for (std::size_t i = 0; i < proto::kMaxIncomingRequests; ++i) {
        ASSERT_EQ(request(senders[i], "bob"), RequestOutcome::requested) << i;
    }
    auto flood = store_->request_friend(senders.back(), "bob", kT0);
    ASSERT_FALSE(flood);
    EXPECT_EQ(flood.error().code, StoreErrorCode::limit_reached);
    // The same answer for a name without an account, filled up the same way.
    for (std::size_t i = 0; i < proto::kMaxIncomingRequests; ++i) {
        ASSERT_EQ(request(senders[i], "nobody"), RequestOutcome::requested) << i;
    }
    auto ghost = store_->request_friend(senders.back(), "nobody", kT0);
    ASSERT_FALSE(ghost);
    EXPECT_EQ(ghost.error().code, StoreErrorCode::limit_reached);
    EXPECT_EQ(ghost.error().message, flood.error().message);
    auto incoming = list(bob);
    ASSERT_EQ(incoming.size(), proto::kMaxIncomingRequests);
    EXPECT_EQ(incoming.front().username, "sender0");
    ASSERT_TRUE(store_->decline_friend(bob, "sender0"));
    EXPECT_EQ(request(senders.back(), "bob"), RequestOutcome::requested);
}

TEST_P(FriendStoreTest, FriendsAreBounded) {
    auto alice = add("alice");
    for (std::size_t i = 0; i <= proto::kMaxFriends; ++i) {
        add("friend" + std::to_string(i));
    }
    // kMaxFriends friendships, written directly: the store's own path is tested above.
    ASSERT_EQ(exec_raw("INSERT INTO friendships (user_low, user_high, since) SELECT a.id, u.id, " +
                       now_sql() +
                       " FROM users a, users u WHERE a.username = 'alice' AND u.id > a.id"
                       " AND u.username <> 'friend" +
                       std::to_string(proto::kMaxFriends) + "'"),
              "");
    const std::string last = "friend" + std::to_string(proto::kMaxFriends);
    EXPECT_EQ(list(alice).size(), proto::kMaxFriends);
    auto mine = store_->request_friend(alice, last, kT0);
    ASSERT_FALSE(mine);
    EXPECT_EQ(mine.error().code, StoreErrorCode::limit_reached);
    // Their request reaches her, but she cannot accept it while she is full; it stays.
    auto last_id = store_->find_account(last);
    ASSERT_TRUE(last_id && last_id->has_value());
    EXPECT_EQ(request((*last_id)->id, "alice"), RequestOutcome::requested);
    auto accept = store_->accept_friend(alice, last, kT0);
    ASSERT_FALSE(accept);
    EXPECT_EQ(accept.error().code, StoreErrorCode::limit_reached);
    EXPECT_TRUE(has_entry(list((*last_id)->id), "alice", FriendState::outgoing));
    ASSERT_TRUE(store_->remove_friend(alice, "friend0"));
    auto now = store_->accept_friend(alice, last, kT0);
    ASSERT_TRUE(now);
    EXPECT_EQ(*now, AnswerOutcome::done);
}

// Two people ask each other at the same moment, each through their own connection (two
// servers, or two workers): they end as friends exactly once, with one request each answered.
TEST_P(FriendStoreTest, ConcurrentMutualRequestsMakeOneFriendship) {
    auto other = open_or_fail();
    ASSERT_TRUE(other);
    constexpr int kRounds = 20;
    for (int round = 0; round < kRounds; ++round) {
        const std::string a = "left" + std::to_string(round);
        const std::string b = "right" + std::to_string(round);
        auto a_id = add(a);
        auto b_id = add(b);
        std::latch start(2);
        StoreResult<RequestOutcome> from_a = RequestOutcome::to_self;
        StoreResult<RequestOutcome> from_b = RequestOutcome::to_self;
        {
            std::jthread left([&] {
                start.arrive_and_wait();
                from_a = store_->request_friend(a_id, b, kT0);
            });
            std::jthread right([&] {
                start.arrive_and_wait();
                from_b = other->request_friend(b_id, a, kT0);
            });
        }
        ASSERT_TRUE(from_a) << from_a.error().message;
        ASSERT_TRUE(from_b) << from_b.error().message;
        std::vector<RequestOutcome> outcomes{*from_a, *from_b};
        std::sort(outcomes.begin(), outcomes.end());
        EXPECT_EQ(outcomes,
                  (std::vector{RequestOutcome::requested, RequestOutcome::became_friends}))
            << "round " << round;
        EXPECT_TRUE(friends(a, b));
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friendships"), std::to_string(kRounds));
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friend_requests"), "0");
}

// One asks, the other accepts while asking back at the same moment: still one friendship.
TEST_P(FriendStoreTest, ConcurrentAcceptAndRequestMakeOneFriendship) {
    auto other = open_or_fail();
    ASSERT_TRUE(other);
    constexpr int kRounds = 10;
    for (int round = 0; round < kRounds; ++round) {
        const std::string a = "left" + std::to_string(round);
        const std::string b = "right" + std::to_string(round);
        auto a_id = add(a);
        auto b_id = add(b);
        ASSERT_EQ(request(a_id, b), RequestOutcome::requested);
        std::latch start(2);
        StoreResult<AnswerOutcome> accepted = AnswerOutcome::no_request;
        StoreResult<RequestOutcome> asked = RequestOutcome::to_self;
        {
            std::jthread left([&] {
                start.arrive_and_wait();
                accepted = store_->accept_friend(b_id, a, kT0);
            });
            std::jthread right([&] {
                start.arrive_and_wait();
                asked = other->request_friend(b_id, a, kT0);
            });
        }
        ASSERT_TRUE(accepted) << accepted.error().message;
        ASSERT_TRUE(asked) << asked.error().message;
        // Whichever ran first made them friends; the other found it done.
        const bool accept_first = *accepted == AnswerOutcome::done;
        EXPECT_EQ(*asked,
                  accept_first ? RequestOutcome::already_friends : RequestOutcome::became_friends);
        EXPECT_TRUE(friends(a, b));
    }
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friendships"), std::to_string(kRounds));
    EXPECT_EQ(scalar_raw("SELECT COUNT(*) FROM friend_requests"), "0");
}

}  // namespace
}  // namespace sc::store::test
