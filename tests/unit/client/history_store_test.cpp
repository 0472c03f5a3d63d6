// The client's history (client/history_store.h) on a real SQLite file: what is kept survives
// reopening, copies move forward only, expiry is found from the signed `expires`, and the
// message marks the interfaces show.
#include "client/history_store.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "support/temp_dir.h"

namespace sc::client {
namespace {

const std::string kBobLaptop(64, 'b'), kBobPhone(64, 'c'), kOwnOther(64, 'd'), kAlice(64, 'a');

HistoryCopy copy_to(const std::string& user, const std::string& fp, Bytes sha) {
    HistoryCopy c;
    c.to = user;
    c.device = fp == kBobPhone ? "phone" : "laptop";
    c.fingerprint = fp;
    c.envelope_sha256 = std::move(sha);
    return c;
}

HistoryMessage sent(const std::string& mid, std::uint64_t seq, std::string text) {
    HistoryMessage m;
    m.peer = "bob";
    m.outgoing = true;
    m.from = "alice";
    m.device = "desk";
    m.fingerprint = kAlice;
    m.mid = mid;
    m.seq = seq;
    m.ts = 1000 + seq;
    m.recorded_ts = 2000 + seq;
    m.text = std::move(text);
    m.salt = Bytes(16, static_cast<std::uint8_t>(seq));
    m.copies = {copy_to("bob", kBobLaptop, Bytes(32, 1)), copy_to("bob", kBobPhone, Bytes(32, 2)),
                copy_to("alice", kOwnOther, Bytes(32, 3))};
    return m;
}

TEST(HistoryStore, MessagesAndTheirCopiesSurviveReopeningInAPrivateFile) {
    test::TempDir dir;
    auto path = dir.path() / "history.db";
    {
        auto store = HistoryStore::open(path);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(store.value()->record(sent(std::string(32, '1'), 1, "hello bob")));
        HistoryMessage in;
        in.peer = "bob";
        in.outgoing = false;
        in.from = "bob";
        in.device = "laptop";
        in.fingerprint = kBobLaptop;
        in.mid = std::string(32, '2');
        in.seq = 1;
        in.ts = 1500;
        in.text = "hi alice";
        in.salt = Bytes(16, 9);
        ASSERT_TRUE(store.value()->record(in));
        // The same message from the same device is kept once.
        EXPECT_FALSE(store.value()->record(in));
    }
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    auto store = HistoryStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    auto& h = *store.value();
    EXPECT_TRUE(h.has(std::string(32, '2'), kBobLaptop).value());
    EXPECT_FALSE(h.has(std::string(32, '2'), kBobPhone).value());
    auto recent = h.recent("bob", 20).value();
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[0].text, "hello bob");  // oldest first
    EXPECT_EQ(recent[0].salt, Bytes(16, 1));
    ASSERT_EQ(recent[0].copies.size(), 3u);
    EXPECT_EQ(recent[0].copies[1].fingerprint, kBobPhone);
    EXPECT_EQ(recent[0].copies[1].envelope_sha256, Bytes(32, 2));
    EXPECT_EQ(recent[1].text, "hi alice");
    EXPECT_FALSE(recent[1].outgoing);
    EXPECT_EQ(message_mark(recent[1]), "received");
    EXPECT_TRUE(h.recent("carol", 20).value().empty());
    // The last N only.
    auto last = h.recent("bob", 1).value();
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0].text, "hi alice");
    auto found = h.find("bob", std::string(32, '1')).value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->text, "hello bob");
    EXPECT_FALSE(h.find("carol", std::string(32, '1')).value());
}

TEST(HistoryStore, ACopyMovesFromSentToStoredToDeliveredAndNeverBack) {
    test::TempDir dir;
    auto h = std::move(HistoryStore::open(dir.path() / "history.db")).value();
    const std::string mid(32, '1');
    ASSERT_TRUE(h->record(sent(mid, 4, "x")));
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "sent");
    ASSERT_TRUE(h->mark_stored(mid, kBobLaptop, 7, 100, 900));
    auto laptop = h->copy(mid, kBobLaptop).value();
    ASSERT_TRUE(laptop);
    EXPECT_EQ(laptop->state, CopyState::stored);
    EXPECT_EQ(laptop->held, 7u);
    EXPECT_EQ(laptop->expires, 900u);
    EXPECT_EQ(h->seq_of(mid).value(), 4u);
    EXPECT_FALSE(h->copy(mid, std::string(64, 'e')).value());  // not sent to that device
    // One of bob's two devices stored: the message is not "stored" yet.
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "sent");
    ASSERT_TRUE(h->mark_stored(mid, kBobPhone, 8, 100, 950));
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "stored");
    ASSERT_TRUE(h->mark_delivered(mid, kBobLaptop, 120));
    // A late stored answer does not take "delivered" back.
    ASSERT_TRUE(h->mark_stored(mid, kBobLaptop, 7, 100, 900));
    EXPECT_EQ(h->copy(mid, kBobLaptop).value()->state, CopyState::delivered);
    EXPECT_EQ(h->copy(mid, kBobLaptop).value()->delivered_ts, 120u);
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "stored");
    ASSERT_TRUE(h->mark_delivered(mid, kBobPhone, 130));
    // Our own other device's copy does not count for the recipient's mark.
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "delivered");
}

TEST(HistoryStore, StoredCopiesPastTheirExpiryUndeliveredExpireOnce) {
    test::TempDir dir;
    auto h = std::move(HistoryStore::open(dir.path() / "history.db")).value();
    const std::string mid(32, '1');
    ASSERT_TRUE(h->record(sent(mid, 1, "x")));
    EXPECT_FALSE(h->next_expiry().value());  // nothing stored yet
    ASSERT_TRUE(h->mark_stored(mid, kBobLaptop, 1, 100, 500));
    ASSERT_TRUE(h->mark_stored(mid, kBobPhone, 2, 100, 800));
    ASSERT_TRUE(h->mark_delivered(mid, kBobPhone, 150));  // delivered: never expires
    EXPECT_EQ(h->next_expiry().value(), std::optional<std::uint64_t>(500));
    EXPECT_TRUE(h->expire_due(499, 64).value().empty());
    auto due = h->expire_due(500, 64).value();
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].peer, "bob");
    EXPECT_EQ(due[0].mid, mid);
    EXPECT_EQ(due[0].seq, 1u);
    EXPECT_EQ(due[0].copy.fingerprint, kBobLaptop);
    EXPECT_TRUE(h->expire_due(10'000, 64).value().empty());  // reported once
    EXPECT_FALSE(h->next_expiry().value());
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "expired");
}

TEST(HistoryStore, RefusedCopiesMarkTheMessageRefusedWhenNoneWent) {
    test::TempDir dir;
    auto h = std::move(HistoryStore::open(dir.path() / "history.db")).value();
    const std::string mid(32, '1');
    ASSERT_TRUE(h->record(sent(mid, 1, "x")));
    ASSERT_TRUE(h->mark_refused(mid, kBobLaptop, "quota_exceeded"));
    EXPECT_EQ(h->copy(mid, kBobLaptop).value()->refused_code, "quota_exceeded");
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "sent");
    ASSERT_TRUE(h->mark_refused(mid, kBobPhone, "quota_exceeded"));
    EXPECT_EQ(message_mark(h->find("bob", mid).value().value()), "refused");
}

TEST(HistoryStore, AFileReadableByOthersIsRefused) {
    test::TempDir dir;
    auto path = dir.path() / "history.db";
    ASSERT_TRUE(HistoryStore::open(path));
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto again = HistoryStore::open(path);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("0600"), std::string::npos);
}

TEST(HistoryStore, ADeliveredStatementIsKeptWithItsMessageUntilForgotten) {
    test::TempDir dir;
    auto path = dir.path() / "history.db";
    auto message = sent(std::string(32, '5'), 5, "from bob");
    message.outgoing = false;
    message.copies.clear();
    PendingDelivered statement{message.mid, kBobLaptop, "bob", Bytes{1, 2, 3}, 7000};
    {
        auto store = HistoryStore::open(path);
        ASSERT_TRUE(store.value()->record(message, &statement));
        // A second message whose record fails (the same mid from the same device) keeps no
        // statement either: both go in one transaction.
        PendingDelivered other{message.mid, kBobPhone, "bob", Bytes{4}, 7001};
        EXPECT_FALSE(store.value()->record(message, &other));
    }
    auto store = HistoryStore::open(path);
    auto owed = store.value()->pending_delivered(10);
    ASSERT_TRUE(owed);
    ASSERT_EQ(owed->size(), 1u);
    EXPECT_EQ(owed->at(0).fp, kBobLaptop);
    EXPECT_EQ(owed->at(0).body, (Bytes{1, 2, 3}));
    EXPECT_EQ(owed->at(0).created_ts, 7000u);
    ASSERT_TRUE(store.value()->forget_delivered(message.mid, kBobLaptop));
    EXPECT_TRUE(store.value()->pending_delivered(10).value().empty());

    auto later = sent(std::string(32, '6'), 6, "later");
    later.outgoing = false;
    later.copies.clear();
    PendingDelivered old{later.mid, kBobLaptop, "bob", Bytes{9}, 100};
    ASSERT_TRUE(store.value()->record(later, &old));
    EXPECT_EQ(store.value()->drop_pending_before(101).value(), 1u);
    EXPECT_TRUE(store.value()->pending_delivered(10).value().empty());
}

}  // namespace
}  // namespace sc::client
