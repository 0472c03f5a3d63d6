// Store and forward on a real server (issue 12, docs/PROTOCOL.md §2.4 and §10.6), on SQLite and
// on the real MariaDB: `send` is answered by the server's signed `stored` statement once the
// envelope is committed; each device gets its envelopes in order at its next session, again
// after a connection that died before `received`, never more than kMaxHeldInFlight unanswered;
// `received` deletes them; the quota and the expiry hold and the sender is told.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "crypto/sha256.h"
#include "e2e/envelope.h"
#include "pki/ca_directory.h"
#include "server_e2e_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class StoreForward : public E2eServerTest {
  protected:
    // alice's phone and laptop and bob, friends, each device with a signed prekey; alice's
    // devices then log out (her first session stays: the device "alice" has no prekeys).
    void two_offline_devices() {
        alice_ = registered("alice");
        bob_ = registered("bob");
        ASSERT_TRUE(alice_ && bob_);
        befriend(*alice_, *bob_);
        for (const char* device : {"phone", "laptop"}) {
            auto session = logged_in_on("alice", device);
            ASSERT_TRUE(session);
            publish(*session, prekeys(std::string("alice/") + device, 1, {}));
            EXPECT_TRUE(session->net().close_with_receipts());
        }
        ASSERT_TRUE(wait_connections(2));
    }
    Bytes mid(std::size_t n) const { return Bytes(kMessageIdBytes, static_cast<std::uint8_t>(n)); }
    Bytes body(std::size_t n) const { return Bytes(40 + n, static_cast<std::uint8_t>(n)); }
    // The next `count` envelopes pushed to `c`; fewer if they do not come within 10 s each.
    std::vector<msg::Envelope> envelopes(FriendClient& c, std::size_t count) {
        std::vector<msg::Envelope> got;
        while (got.size() < count) {
            auto e = next_envelope(c);
            if (!e) {
                break;
            }
            got.push_back(std::move(*e));
        }
        return got;
    }
    store::EnvelopeStore::HeldCounts held_counts(const std::string& device) {
        auto store = open_store();
        if (!store) {
            return {};
        }
        auto account = store->find_account(user("alice"));
        if (!account || !account->has_value()) {
            ADD_FAILURE() << "alice has no account";
            return {};
        }
        auto counts = store->held_counts((*account)->id, device_id(device));
        EXPECT_TRUE(counts) << counts.error().message;
        return counts ? *counts : store::EnvelopeStore::HeldCounts{};
    }

    std::unique_ptr<FriendClient> alice_;
    std::unique_ptr<FriendClient> bob_;
};
INSTANTIATE_TEST_SUITE_P(Backends, StoreForward, testing::ValuesIn(friends_backends_under_test()),
                         friends_backend_name);

TEST_P(StoreForward, TwoOfflineDevicesGetEveryEnvelopeInOrderAtTheirNextLogin) {
    start();
    two_offline_devices();
    std::map<std::string, std::vector<msg::Stored>> stored;
    for (std::size_t n = 1; n <= 6; ++n) {
        for (const char* device : {"alice/phone", "alice/laptop"}) {
            auto sent = send_for(*bob_, user("alice"), device_id(device), body(n), mid(n));
            ASSERT_TRUE(std::holds_alternative<msg::Stored>(sent)) << device << " " << n;
            stored[device].push_back(std::get<msg::Stored>(sent));
        }
    }
    for (const char* name : {"laptop", "phone"}) {
        const std::string device = std::string("alice/") + name;
        auto session = logged_in_on("alice", name);
        ASSERT_TRUE(session);
        auto got = envelopes(*session, 6);
        ASSERT_EQ(got.size(), 6u) << device;
        for (std::size_t n = 1; n <= 6; ++n) {
            const auto& e = got[n - 1];
            EXPECT_EQ(e.from, user("bob"));
            EXPECT_EQ(e.device, device_id("bob"));
            EXPECT_EQ(e.mid, mid(n)) << device << " out of order at " << n;
            EXPECT_EQ(e.body, body(n));
            EXPECT_EQ(e.held, stored[device][n - 1].held);
            EXPECT_EQ(e.ts, stored[device][n - 1].ts);
        }
        std::vector<std::uint64_t> held;
        for (const auto& e : got) {
            held.push_back(e.held);
        }
        EXPECT_EQ(received(*session, held), "ok");
        EXPECT_EQ(held_counts(device), (store::EnvelopeStore::HeldCounts{0, 0}));
    }
}

TEST_P(StoreForward, AConnectionThatDiesBeforeReceivedGetsThemAgainAndReceivedDeletes) {
    start();
    two_offline_devices();
    for (std::size_t n = 1; n <= 3; ++n) {
        EXPECT_EQ(send(*bob_, user("alice"), device_id("alice/phone"), body(n), mid(n)), "stored");
    }
    {
        auto phone = logged_in_on("alice", "phone");
        ASSERT_TRUE(phone);
        ASSERT_EQ(envelopes(*phone, 3).size(), 3u);
        phone->net().close_socket();  // dies without a word, nothing received
    }
    ASSERT_TRUE(wait_connections(2));
    EXPECT_EQ(held_counts("alice/phone").envelopes, 3u);
    auto phone = logged_in_on("alice", "phone");
    ASSERT_TRUE(phone);
    auto again = envelopes(*phone, 3);
    ASSERT_EQ(again.size(), 3u);
    for (std::size_t n = 1; n <= 3; ++n) {
        EXPECT_EQ(again[n - 1].mid, mid(n));
    }
    // Received for the first only: the others stay; another device's ids are not ours.
    EXPECT_EQ(received(*phone, {again[0].held}), "ok");
    EXPECT_EQ(held_counts("alice/phone").envelopes, 2u);
    EXPECT_EQ(received(*alice_, {again[1].held}), "ok");  // the device "alice" has none of them
    EXPECT_EQ(held_counts("alice/phone").envelopes, 2u);
    EXPECT_EQ(received(*phone, {again[1].held, again[2].held}), "ok");
    EXPECT_EQ(held_counts("alice/phone"), (store::EnvelopeStore::HeldCounts{0, 0}));
}

TEST_P(StoreForward, ABacklogBeyondTheWindowIsAllDeliveredNeverMoreThanTheWindowUnanswered) {
    start();
    two_offline_devices();
    constexpr std::size_t kBacklog = proto::kMaxHeldInFlight * 2 + 7;
    for (std::size_t n = 1; n <= kBacklog; ++n) {
        ASSERT_EQ(send(*bob_, user("alice"), device_id("alice/phone"), body(n), mid(n)), "stored");
    }
    auto phone = logged_in_on("alice", "phone");
    ASSERT_TRUE(phone);
    std::vector<msg::Envelope> got;
    std::size_t answered = 0;  // envelopes whose `received` was answered ok
    while (got.size() < kBacklog) {
        auto e = next_envelope(*phone);
        ASSERT_TRUE(e) << "stopped after " << got.size();
        got.push_back(std::move(*e));
        EXPECT_LE(got.size(), answered + proto::kMaxHeldInFlight);
        if (got.size() - answered == proto::kMaxHeldInFlight || got.size() == kBacklog) {
            // The window is full: a round trip shows no more came; then say received for 10.
            publish(*phone, msg::PublishPrekeys{});
            EXPECT_EQ(envelopes_now(*phone), 0u);
            std::vector<std::uint64_t> held;
            for (std::size_t i = answered; i < std::min(answered + 10, got.size()); ++i) {
                held.push_back(got[i].held);
            }
            ASSERT_EQ(received(*phone, held), "ok");
            answered += held.size();
        }
    }
    for (std::size_t n = 1; n <= kBacklog; ++n) {
        EXPECT_EQ(got[n - 1].mid, mid(n)) << "out of order at " << n;
    }
    std::set<std::uint64_t> distinct;
    for (const auto& e : got) {
        distinct.insert(e.held);
    }
    EXPECT_EQ(distinct.size(), got.size()) << "an envelope was pushed twice in one session";
}

// A window of the largest envelopes would not fit the connection's outbox (1 MiB): the window
// is also bounded in bytes, so a backlog of them drains instead of ending the session.
TEST_P(StoreForward, ABacklogOfTheLargestEnvelopesDrainsWithoutOverflowingTheOutbox) {
    start();
    two_offline_devices();
    constexpr std::size_t kBacklog = proto::kMaxHeldInFlight + 4;
    for (std::size_t n = 1; n <= kBacklog; ++n) {
        ASSERT_EQ(send(*bob_, user("alice"), device_id("alice/phone"),
                       Bytes(proto::kMaxEnvelopeBytes, static_cast<std::uint8_t>(n)), mid(n)),
                  "stored");
    }
    auto phone = logged_in_on("alice", "phone");
    ASSERT_TRUE(phone);
    for (std::size_t n = 1; n <= kBacklog; ++n) {
        auto e = next_envelope(*phone);
        ASSERT_TRUE(e) << "stopped after " << n - 1 << ": " << phone->net().peer_error();
        EXPECT_EQ(e->mid, mid(n));
        ASSERT_EQ(received(*phone, {e->held}), "ok");
    }
    EXPECT_EQ(held_counts("alice/phone"), (store::EnvelopeStore::HeldCounts{0, 0}));
}

TEST_P(StoreForward, TheStoredStatementVerifiesWithTheServerCertificateAndNamesWhatWasSent) {
    start();
    two_offline_devices();
    const Bytes sent_body = random_bytes(500);
    const Bytes sent_mid = random_bytes(kMessageIdBytes);
    auto answer = send_for(*bob_, user("alice"), device_id("alice/laptop"), sent_body, sent_mid);
    ASSERT_TRUE(std::holds_alternative<msg::Stored>(answer));
    const auto stored = std::get<msg::Stored>(answer);
    EXPECT_GT(stored.held, 0u);
    EXPECT_EQ(stored.expires - stored.ts, proto::kE2eMaxAgeMs);  // the default: 14 days
    const auto digest = crypto::sha256(sent_body);
    e2e::StoredStatement statement{*Fingerprint::from_hex(device_id("bob")),
                                   *Fingerprint::from_hex(device_id("alice/laptop")),
                                   *MessageId::from_view(sent_mid),
                                   Bytes(digest.begin(), digest.end()),
                                   stored.held,
                                   stored.ts,
                                   stored.expires};
    auto server_cert = pki::load_certificate_chain(settings_.cert);
    ASSERT_TRUE(server_cert);
    const auto key = server_cert->front().public_key();
    EXPECT_TRUE(key.verify(e2e::stored_signed(e2e::encode_stored(statement)), stored.sig));
    // It names exactly that: another device, mid, body or time does not verify.
    auto other = statement;
    other.fp_r = *Fingerprint::from_hex(device_id("alice/phone"));
    EXPECT_FALSE(key.verify(e2e::stored_signed(e2e::encode_stored(other)), stored.sig));
    other = statement;
    other.envelope_sha256[0] ^= 1;
    EXPECT_FALSE(key.verify(e2e::stored_signed(e2e::encode_stored(other)), stored.sig));
    other = statement;
    other.expires += 1;
    EXPECT_FALSE(key.verify(e2e::stored_signed(e2e::encode_stored(other)), stored.sig));
    // A retry (the answer was lost) is stored once and answered with the first statement.
    auto retry = send_for(*bob_, user("alice"), device_id("alice/laptop"), sent_body, sent_mid);
    ASSERT_TRUE(std::holds_alternative<msg::Stored>(retry));
    const auto& again = std::get<msg::Stored>(retry);
    EXPECT_EQ(again.held, stored.held);
    EXPECT_EQ(again.ts, stored.ts);
    EXPECT_EQ(again.expires, stored.expires);
    EXPECT_TRUE(key.verify(e2e::stored_signed(e2e::encode_stored(statement)), again.sig));
    EXPECT_EQ(held_counts("alice/laptop").envelopes, 1u);
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(laptop);
    auto got = envelopes(*laptop, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body, sent_body);
    EXPECT_EQ(got[0].held, stored.held);
    publish(*laptop, msg::PublishPrekeys{});
    EXPECT_EQ(envelopes_now(*laptop), 0u);  // the retry is not a second copy
}

TEST_P(StoreForward, PastTheQuotaTheSenderIsToldQuotaExceededAndNothingIsStored) {
    start([](server::Settings& s) {
        s.limits.held_per_device = 3;
        s.limits.held_bytes_per_device = 250;
    });
    two_offline_devices();
    const std::string phone = device_id("alice/phone");
    EXPECT_EQ(send(*bob_, user("alice"), phone, Bytes(100, 1), mid(1)), "stored");
    EXPECT_EQ(send(*bob_, user("alice"), phone, Bytes(100, 2), mid(2)), "stored");
    auto bytes = send(*bob_, user("alice"), phone, Bytes(100, 3), mid(3));  // 300 > 250
    EXPECT_TRUE(bytes.starts_with("quota_exceeded: ")) << bytes;
    EXPECT_NE(bytes.find("nothing was stored"), std::string::npos) << bytes;
    EXPECT_EQ(send(*bob_, user("alice"), phone, Bytes(50, 4), mid(4)), "stored");  // 250
    auto count = send(*bob_, user("alice"), phone, Bytes(1, 5), mid(5));           // a fourth
    EXPECT_TRUE(count.starts_with("quota_exceeded: ")) << count;
    EXPECT_EQ(held_counts("alice/phone"), (store::EnvelopeStore::HeldCounts{3, 250}));
    // The quota is per device; and once the device has received them there is room again.
    EXPECT_EQ(send(*bob_, user("alice"), device_id("alice/laptop"), Bytes(100, 6), mid(6)),
              "stored");
    auto session = logged_in_on("alice", "phone");
    ASSERT_TRUE(session);
    auto got = envelopes(*session, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(received(*session, {got[0].held, got[1].held, got[2].held}), "ok");
    EXPECT_EQ(send(*bob_, user("alice"), phone, Bytes(100, 3), mid(3)), "stored");
}

TEST_P(StoreForward, AnEnvelopeNotReceivedByItsExpiryIsDeletedAndNeverDelivered) {
    start([](server::Settings& s) {
        s.limits.held_expiry = std::chrono::seconds(1);
        s.limits.held_sweep_interval = std::chrono::seconds(1);
    });
    two_offline_devices();
    auto sent = send_for(*bob_, user("alice"), device_id("alice/phone"), body(1), mid(1));
    ASSERT_TRUE(std::holds_alternative<msg::Stored>(sent));
    EXPECT_EQ(std::get<msg::Stored>(sent).expires - std::get<msg::Stored>(sent).ts, 1000u);
    EXPECT_EQ(held_counts("alice/phone").envelopes, 1u);
    // The sweep deletes it once expired (polling the store, with a deadline).
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (held_counts("alice/phone").envelopes != 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);  // polling a state, not timing it
    }
    EXPECT_EQ(held_counts("alice/phone"), (store::EnvelopeStore::HeldCounts{0, 0}));
    // The device's next session gets nothing (the store's held_for never returns an expired
    // one either: EnvelopeStoreTest.AnExpiredEnvelopeIsNeverReturnedAndTheSweepDeletesIt).
    auto phone = logged_in_on("alice", "phone");
    ASSERT_TRUE(phone);
    publish(*phone, msg::PublishPrekeys{});
    EXPECT_EQ(envelopes_now(*phone), 0u);
}

}  // namespace
}  // namespace sc::test
