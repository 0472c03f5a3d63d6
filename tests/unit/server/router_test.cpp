// The LocalRouter without a server: sessions attach per user, a delivery is offered to every
// session of its recipient and no one else, notify counts the sinks that took it (the relay
// logs it: the envelope is already stored), sinks may detach while a delivery runs, and what
// travels is the shared opaque envelope.
#include "server/router.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

namespace sc::server {
namespace {

// The payload is an immutable shared byte envelope; routing hands back only how many sessions
// took it (a hint: the router decides nothing).
static_assert(std::is_same_v<decltype(Delivery::envelope), std::shared_ptr<const Bytes>>);
static_assert(
    std::is_same_v<decltype(std::declval<Router&>().notify("", Delivery{})), std::size_t>);

Delivery delivery(std::uint64_t id, std::string from = "alice", std::string to_device = "") {
    return {DeliveryId{id},  std::move(from),
            "laptop",        std::move(to_device),
            Bytes(16, 0x07), std::make_shared<const Bytes>(Bytes{0x01, 0x02, 0xff})};
}

// A session's sink: takes what is for its device ("" takes everything).
struct Received {
    std::string device;
    std::vector<Delivery> got;
    DeliverySink sink() {
        return [this](const Delivery& d) {
            if (!device.empty() && d.to_device != device) {
                return false;
            }
            got.push_back(d);
            return true;
        };
    }
};

TEST(LocalRouter, EverySessionOfTheRecipientAndNoOneElse) {
    LocalRouter router;
    Received phone, laptop, other;
    auto h1 = router.attach("bob", phone.sink());
    auto h2 = router.attach("bob", laptop.sink());
    auto h3 = router.attach("carol", other.sink());
    EXPECT_NE(h1, 0u);
    EXPECT_NE(h1, h2);
    EXPECT_NE(h2, h3);
    auto d = delivery(7);
    EXPECT_EQ(router.notify("bob", d), 2u);
    ASSERT_EQ(phone.got.size(), 1u);
    ASSERT_EQ(laptop.got.size(), 1u);
    EXPECT_TRUE(other.got.empty());
    EXPECT_EQ(phone.got[0].id, DeliveryId{7});
    EXPECT_EQ(phone.got[0].from_user, "alice");
    EXPECT_EQ(phone.got[0].from_device, "laptop");
    // The same envelope object for both sessions, byte for byte what was stored.
    EXPECT_EQ(phone.got[0].envelope, d.envelope);
    EXPECT_EQ(laptop.got[0].envelope, d.envelope);
    EXPECT_EQ(*phone.got[0].envelope, (Bytes{0x01, 0x02, 0xff}));
}

TEST(LocalRouter, NotifyCountsTheSessionsOfTheRecipientDeviceThatTookIt) {
    LocalRouter router;
    Received phone{"phone-fp", {}}, laptop{"laptop-fp", {}}, second_laptop{"laptop-fp", {}};
    router.attach("bob", phone.sink());
    router.attach("bob", laptop.sink());
    router.attach("Bob", second_laptop.sink());  // usernames compare case-insensitively
    EXPECT_EQ(router.notify("BOB", delivery(1, "alice", "laptop-fp")), 2u);
    EXPECT_TRUE(phone.got.empty());
    ASSERT_EQ(laptop.got.size(), 1u);
    EXPECT_EQ(laptop.got[0].to_device, "laptop-fp");
    EXPECT_EQ(laptop.got[0].mid, Bytes(16, 0x07));
    EXPECT_EQ(second_laptop.got.size(), 1u);
    EXPECT_EQ(router.notify("bob", delivery(2, "alice", "tablet-fp")), 0u);
    EXPECT_EQ(phone.got.size() + laptop.got.size() + second_laptop.got.size(), 2u);
}

TEST(LocalRouter, NoSessionIsNotAnError) {
    LocalRouter router;
    EXPECT_EQ(router.notify("nobody", delivery(1)), 0u);  // the envelope stays stored
    Received r;
    router.attach("nobody", r.sink());
    EXPECT_TRUE(r.got.empty());  // attaching does not replay: the store does
}

TEST(LocalRouter, DetachedSessionsGetNothing) {
    LocalRouter router;
    Received first, second;
    auto h1 = router.attach("bob", first.sink());
    router.attach("bob", second.sink());
    router.detach("bob", h1);
    router.detach("bob", h1);        // twice is harmless
    router.detach("nobody", 12345);  // so is an unknown user
    router.notify("bob", delivery(2));
    EXPECT_TRUE(first.got.empty());
    EXPECT_EQ(second.got.size(), 1u);
}

TEST(LocalRouter, SinksMayDetachAndAttachDuringADelivery) {
    LocalRouter router;
    Router::Handle self = 0;
    Router::Handle sibling = 0;
    int calls = 0;
    Received late;
    self = router.attach("bob", [&](const Delivery&) {
        ++calls;
        // A session ending while it is being notified: no deadlock.
        router.detach("bob", self);
        router.detach("bob", sibling);
        router.attach("bob", late.sink());
        return true;
    });
    sibling = router.attach("bob", [&](const Delivery&) {
        ++calls;
        return true;
    });
    router.notify("bob", delivery(3));
    // The sibling's sink was taken before it detached: it may see this one delivery (which is
    // why sinks hold their sessions weakly), but no later one.
    EXPECT_GE(calls, 1);
    EXPECT_LE(calls, 2);
    EXPECT_TRUE(late.got.empty());  // attached after the delivery began
    calls = 0;
    router.notify("bob", delivery(4));
    EXPECT_EQ(calls, 0);
    ASSERT_EQ(late.got.size(), 1u);
    EXPECT_EQ(late.got[0].id, DeliveryId{4});
}

TEST(LocalRouter, ConcurrentAttachDetachAndNotify) {
    LocalRouter router;
    std::atomic<int> seen{0};
    auto steady = router.attach("bob", [&](const Delivery&) {
        ++seen;
        return true;
    });
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        while (!stop) {
            auto h = router.attach("bob", [](const Delivery&) { return false; });
            router.detach("bob", h);
        }
    });
    for (std::uint64_t i = 0; i < 2000; ++i) {
        router.notify("bob", delivery(i));
    }
    stop = true;
    churn.join();
    EXPECT_EQ(seen.load(), 2000);
    router.detach("bob", steady);
}

}  // namespace
}  // namespace sc::server
