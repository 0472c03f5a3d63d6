// The LocalRouter's presence and pushes (issue 10): a user is online from the first announcement
// of one of its sessions until its last joined session leaves, each change reaches exactly the
// audience its caller names, pushes reach every joined session of a user and no one else, and
// names compare case-insensitively.
#include <gtest/gtest.h>

#include <vector>

#include "server/router.h"

namespace sc::server {
namespace {

using proto::msg::FriendEvent;
using proto::msg::FriendEventKind;
using proto::msg::Presence;
using proto::msg::Push;

struct Pushes {
    std::vector<Push> got;
    PushSink sink() {
        return [this](const Push& p) { got.push_back(p); };
    }
    std::vector<std::pair<std::string, bool>> presence() const {
        std::vector<std::pair<std::string, bool>> out;
        for (const auto& p : got) {
            if (auto* presence = std::get_if<Presence>(&p)) {
                out.emplace_back(presence->user, presence->online);
            }
        }
        return out;
    }
};

DeliverySink no_deliveries() {
    return [](const Delivery&) { return false; };
}

// A session as a connection makes it: attached at login, joined at chat-ready, announced once
// its friends are read.
Router::Handle online_session(LocalRouter& router, const std::string& user, Pushes& pushes,
                              const std::vector<std::string>& audience = {}) {
    auto h = router.attach(user, no_deliveries());
    router.join(user, h, pushes.sink());
    router.announce(user, h, audience);
    return h;
}

TEST(LocalRouterPresence, FirstAnnouncementAndLastLeaveTellTheAudienceOnly) {
    LocalRouter router;
    Pushes bob, carol, alice_phone, alice_laptop;
    online_session(router, "bob", bob);
    online_session(router, "carol", carol);

    auto a1 = router.attach("alice", no_deliveries());
    router.join("alice", a1, alice_phone.sink());
    EXPECT_FALSE(router.online("alice"));  // joined, its friends not read yet
    EXPECT_TRUE(router.announce("alice", a1, {"bob"}));
    EXPECT_TRUE(router.online("alice"));
    EXPECT_FALSE(router.announce("alice", a1, {"bob"}));  // once
    auto a2 = router.attach("alice", no_deliveries());
    router.join("alice", a2, alice_laptop.sink());
    EXPECT_FALSE(router.announce("alice", a2, {"bob"}));  // online already
    ASSERT_EQ(bob.presence(), (std::vector<std::pair<std::string, bool>>{{"alice", true}}));
    EXPECT_TRUE(carol.got.empty());  // not in the audience: not a friend

    EXPECT_FALSE(router.leave("alice", a1, {"bob"}));  // the laptop is still online
    EXPECT_FALSE(router.leave("alice", a1, {"bob"}));  // a second leave does nothing
    EXPECT_TRUE(router.online("alice"));
    EXPECT_TRUE(router.leave("alice", a2, {"bob"}));
    EXPECT_FALSE(router.online("alice"));
    EXPECT_EQ(bob.presence(),
              (std::vector<std::pair<std::string, bool>>{{"alice", true}, {"alice", false}}));
    EXPECT_TRUE(carol.got.empty());
}

TEST(LocalRouterPresence, ASessionThatLeavesBeforeAnnouncingTellsNobody) {
    LocalRouter router;
    Pushes bob, alice;
    online_session(router, "bob", bob);
    auto a = router.attach("alice", no_deliveries());
    router.join("alice", a, alice.sink());
    router.notify_user("alice", FriendEvent{FriendEventKind::added, "bob"});  // reaches it
    EXPECT_EQ(alice.got.size(), 1u);
    EXPECT_FALSE(router.leave("alice", a, {"bob"}));
    EXPECT_FALSE(router.announce("alice", a, {"bob"}));  // gone: too late
    EXPECT_TRUE(bob.got.empty());
}

TEST(LocalRouterPresence, PushesReachEveryJoinedSessionOfTheUserWhateverTheCase) {
    LocalRouter router;
    Pushes phone, laptop, other;
    online_session(router, "Bob", phone);
    online_session(router, "bob", laptop);
    online_session(router, "carol", other);
    router.notify_user("BOB", FriendEvent{FriendEventKind::request, "alice"});
    router.notify_user("nobody", FriendEvent{FriendEventKind::request, "alice"});  // no error
    ASSERT_EQ(phone.got.size(), 1u);
    ASSERT_EQ(laptop.got.size(), 1u);
    EXPECT_TRUE(other.got.empty());
    auto* event = std::get_if<FriendEvent>(&phone.got[0]);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->event, FriendEventKind::request);
    EXPECT_EQ(event->user, "alice");
    EXPECT_TRUE(router.online("BOB"));
}

TEST(LocalRouterPresence, NotifyPresenceTellsOnlyWhileTheUserIsOnline) {
    LocalRouter router;
    Pushes alice, bob;
    online_session(router, "alice", alice);
    router.notify_presence("bob", "alice");  // bob is offline: nothing
    EXPECT_TRUE(alice.got.empty());
    auto b = online_session(router, "bob", bob);
    router.notify_presence("bob", "alice");
    EXPECT_EQ(alice.presence(), (std::vector<std::pair<std::string, bool>>{{"bob", true}}));
    router.leave("bob", b, {});
    router.notify_presence("bob", "alice");
    EXPECT_EQ(alice.got.size(), 1u);
}

TEST(LocalRouterPresence, LeftSessionsGetNoPushes) {
    LocalRouter router;
    Pushes gone;
    auto h = online_session(router, "bob", gone);
    router.leave("bob", h, {});
    router.detach("bob", h);
    router.notify_user("bob", FriendEvent{FriendEventKind::added, "alice"});
    EXPECT_TRUE(gone.got.empty());
    EXPECT_FALSE(router.leave("nobody", 999, {"bob"}));  // never joined: nothing to tell
}

}  // namespace
}  // namespace sc::server
