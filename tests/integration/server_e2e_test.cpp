// The end-to-end requests on a real server (issue 11, docs/PROTOCOL.md §2.4), on SQLite and on
// the real MariaDB: devices publish signed prekeys, others list devices and take bundles, and
// `send` stores opaque envelopes for one device and pushes them to its sessions (the store and
// forward cases are in server_store_forward_test.cpp). The same cases run on both
// backends: server_e2e_tests links friends_sqlite_backend.cpp, server_e2e_mariadb_tests
// friends_mariadb_backend.cpp (Backends/ServerE2e.*/{SQLite,MariaDB}).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "common/base64.h"
#include "e2e/prekeys.h"
#include "proto/limits.h"
#include "server_e2e_fixture.h"

namespace sc::test {
namespace {

class ServerE2e : public E2eServerTest {};
INSTANTIATE_TEST_SUITE_P(Backends, ServerE2e, testing::ValuesIn(friends_backends_under_test()),
                         friends_backend_name);

TEST_P(ServerE2e, PublishThenStatus) {
    start();
    auto alice = registered("alice");
    ASSERT_TRUE(alice);
    auto empty = publish(*alice, msg::PublishPrekeys{});
    EXPECT_EQ(empty.spk_id, 0u);
    EXPECT_EQ(empty.one_time_left, 0u);
    auto first = publish(*alice, prekeys("alice", 1, {1, 2, 3}));
    EXPECT_EQ(first.spk_id, 1u);
    EXPECT_EQ(first.spk_ts, 1'700'000'000'001u);
    EXPECT_EQ(first.one_time_left, 3u);
    auto status = publish(*alice, msg::PublishPrekeys{});
    EXPECT_EQ(status.spk_id, 1u);
    EXPECT_EQ(status.one_time_left, 3u);
    auto rotated = publish(*alice, prekeys("alice", 2, {4}));
    EXPECT_EQ(rotated.spk_id, 2u);
    EXPECT_EQ(rotated.one_time_left, 4u);
    // A key id the device already holds is refused whole.
    auto reused = alice->result_of(prekeys("alice", 0, {5, 3}));
    EXPECT_EQ(code_of(reused), "invalid_request") << reused.message;
    EXPECT_EQ(publish(*alice, msg::PublishPrekeys{}).one_time_left, 4u);
}

TEST_P(ServerE2e, APrekeyWithABadSignatureIsBadPrekeyAndNothingIsStored) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    // Signed by another key, signed over another device's fingerprint, or a changed key.
    auto by_bob = alice->result_of(prekeys("alice", 1, {1}, "bob"));
    EXPECT_EQ(code_of(by_bob), "bad_prekey") << by_bob.message;
    auto for_bob = alice->result_of(prekeys("alice", 1, {1}, "", "bob"));
    EXPECT_EQ(code_of(for_bob), "bad_prekey") << for_bob.message;
    auto changed = prekeys("alice", 1, {1, 2});
    changed.one_time[1].key[0] ^= 1;
    auto tampered = alice->result_of(changed);
    EXPECT_EQ(code_of(tampered), "bad_prekey") << tampered.message;
    auto status = publish(*alice, msg::PublishPrekeys{});
    EXPECT_EQ(status.spk_id, 0u);
    EXPECT_EQ(status.one_time_left, 0u);
    // The session goes on.
    EXPECT_EQ(publish(*alice, prekeys("alice", 1, {1})).one_time_left, 1u);
}

TEST_P(ServerE2e, DevicesListsOnlyDevicesWithASignedPrekey) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    auto phone = logged_in_on("alice", "phone");
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(phone && laptop);
    publish(*phone, prekeys("alice/phone", 1, {1}));
    publish(*laptop, prekeys("alice/laptop", 0, {1, 2}));  // one-time prekeys only
    for (auto* asker : {bob.get(), alice.get()}) {
        auto listed = devices(*asker, user("alice"));
        ASSERT_TRUE(std::holds_alternative<msg::DeviceList>(listed))
            << std::get<msg::Result>(listed).message;
        const auto& list = std::get<msg::DeviceList>(listed);
        EXPECT_EQ(list.user, user("alice"));
        ASSERT_EQ(list.devices.size(), 1u);
        EXPECT_EQ(list.devices[0].device, device_id("alice/phone"));
        EXPECT_EQ(list.devices[0].name, "phone");
    }
    publish(*alice, prekeys("alice", 1, {}));  // the first device ("default") is listed first
    auto listed = std::get<msg::DeviceList>(devices(*bob, user("alice")));
    ASSERT_EQ(listed.devices.size(), 2u);
    EXPECT_EQ(listed.devices[0].device, device_id("alice"));
    EXPECT_EQ(listed.devices[1].device, device_id("alice/phone"));
}

TEST_P(ServerE2e, ABundleHandsOutAOneTimePrekeyOnceThenNone) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    publish(*alice, prekeys("alice", 3, {7}));
    auto first = bundle(*bob, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::KeyBundle>(first))
        << std::get<msg::Result>(first).message;
    const auto& b = std::get<msg::KeyBundle>(first);
    EXPECT_EQ(b.user, user("alice"));
    EXPECT_EQ(b.device, device_id("alice"));
    EXPECT_EQ(b.cert, identity_of("alice").chain.front().to_der());
    EXPECT_EQ(b.spk_id, 3u);
    EXPECT_EQ(b.otk_id, 7u);
    // What bob gets verifies with the certificate in the bundle (§10.2).
    auto cert = pki::Certificate::from_der(b.cert);
    ASSERT_TRUE(cert);
    EXPECT_TRUE(e2e::verify_prekey(cert->public_key(), e2e::PrekeyKind::signed_prekey,
                                   cert->fingerprint(), b.spk_id, b.spk, b.spk_ts, b.spk_sig));
    EXPECT_TRUE(e2e::verify_prekey(cert->public_key(), e2e::PrekeyKind::one_time,
                                   cert->fingerprint(), b.otk_id, b.otk, b.otk_ts, b.otk_sig));
    auto second = bundle(*bob, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::KeyBundle>(second));
    EXPECT_EQ(std::get<msg::KeyBundle>(second).otk_id, 0u);
    EXPECT_EQ(std::get<msg::KeyBundle>(second).spk_id, 3u);
    EXPECT_TRUE(std::get<msg::KeyBundle>(second).otk.empty());
    EXPECT_EQ(publish(*alice, msg::PublishPrekeys{}).one_time_left, 0u);
    // A device the user does not have (with prekeys) is no_such_device.
    auto unknown = bundle(*bob, user("alice"), device_id("bob"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(unknown));
    EXPECT_EQ(code_of(std::get<msg::Result>(unknown)), "no_such_device");
}

TEST_P(ServerE2e, SendReachesTheSessionOfThatDeviceOnly) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    auto phone = logged_in_on("alice", "phone");
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(phone && laptop);
    publish(*phone, prekeys("alice/phone", 1, {}));
    publish(*laptop, prekeys("alice/laptop", 1, {}));
    const Bytes body = random_bytes(300);
    const Bytes mid(kMessageIdBytes, 0x42);
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice/laptop"), body, mid), "stored");
    auto got = next_envelope(*laptop);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->from, user("bob"));
    EXPECT_EQ(got->device, device_id("bob"));
    EXPECT_EQ(got->mid, mid);
    EXPECT_EQ(got->body, body);
    // The phone and alice's first session got nothing (asked after a round trip of theirs).
    for (auto* other : {phone.get(), alice.get()}) {
        publish(*other, msg::PublishPrekeys{});
        EXPECT_EQ(envelopes_now(*other), 0u) << other->name();
    }
    EXPECT_EQ(envelopes_now(*bob), 0u);
}

TEST_P(ServerE2e, SendToADeviceWithoutASessionIsStoredAndUnknownDevicesAreNoSuchDevice) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    {
        auto phone = logged_in_on("alice", "phone");
        ASSERT_TRUE(phone);
        publish(*phone, prekeys("alice/phone", 1, {}));
        EXPECT_TRUE(phone->net().close_with_receipts());
    }
    ASSERT_TRUE(wait_connections(2));
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice/phone")), "stored");
    // A device without a signed prekey, or one alice does not have, is no_such_device.
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(laptop);
    EXPECT_TRUE(send(*bob, user("alice"), device_id("alice/laptop")).starts_with("no_such_device"));
    EXPECT_TRUE(send(*bob, user("alice"), device_id("bob")).starts_with("no_such_device"));
    EXPECT_EQ(envelopes_now(*laptop), 0u);
}

TEST_P(ServerE2e, StrangersAndNamesWithoutAnAccountGetTheSameNotFriends) {
    start();
    auto alice = registered("alice");
    auto carol = registered("carol");
    ASSERT_TRUE(alice && carol);
    publish(*alice, prekeys("alice", 1, {1}));
    const std::string nobody = user("nobody");
    std::vector<std::string> answers;
    for (const auto& target : {user("alice"), nobody}) {
        auto listed = devices(*carol, target);
        ASSERT_TRUE(std::holds_alternative<msg::Result>(listed));
        auto fetched = bundle(*carol, target, device_id("alice"));
        ASSERT_TRUE(std::holds_alternative<msg::Result>(fetched));
        auto sent = send_for(*carol, target, device_id("alice"));
        ASSERT_TRUE(std::holds_alternative<msg::Result>(sent));
        for (const msg::Result& r :
             std::vector<msg::Result>{std::get<msg::Result>(listed), std::get<msg::Result>(fetched),
                                      std::get<msg::Result>(sent)}) {
            EXPECT_EQ(code_of(r), "not_friends") << target;
            answers.push_back(code_of(r) + ": " + r.message);
        }
    }
    // Word for word the same for an account and for a name nobody has.
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(answers[i], answers[i + 3]);
    }
    EXPECT_EQ(publish(*alice, msg::PublishPrekeys{}).one_time_left, 1u);  // nothing handed out
    EXPECT_EQ(envelopes_now(*alice), 0u);
    // An invalid name is invalid_request.
    EXPECT_TRUE(send(*carol, "no such name!", device_id("alice")).starts_with("invalid_request"));
}

TEST_P(ServerE2e, WithMessagesFromAnyoneStrangersMayAndNonAccountsAreNoSuchUser) {
    start([](server::Settings& s) { s.users.messages_from = server::MessagesFrom::anyone; });
    auto alice = registered("alice");
    auto carol = registered("carol");
    ASSERT_TRUE(alice && carol);
    publish(*alice, prekeys("alice", 1, {1}));
    auto listed = devices(*carol, user("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::DeviceList>(listed));
    EXPECT_EQ(std::get<msg::DeviceList>(listed).devices.size(), 1u);
    auto fetched = bundle(*carol, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::KeyBundle>(fetched));
    EXPECT_EQ(std::get<msg::KeyBundle>(fetched).otk_id, 1u);
    EXPECT_EQ(send(*carol, user("alice"), device_id("alice")), "stored");
    auto got = next_envelope(*alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->from, user("carol"));
    auto nobody = devices(*carol, user("nobody"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(nobody));
    EXPECT_EQ(code_of(std::get<msg::Result>(nobody)), "no_such_user");
}

TEST_P(ServerE2e, ADisabledRecipientIsAccountDisabled) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    publish(*alice, prekeys("alice", 1, {1}));
    {
        auto host = open_store();  // `server admin disable`, without a reload
        ASSERT_TRUE(host);
        auto account = host->find_account(user("alice"));
        ASSERT_TRUE(account && account->has_value());
        ASSERT_TRUE(host->set_disabled((*account)->id, true));
    }
    auto listed = devices(*bob, user("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(listed));
    EXPECT_EQ(code_of(std::get<msg::Result>(listed)), "account_disabled");
    auto fetched = bundle(*bob, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(fetched));
    EXPECT_EQ(code_of(std::get<msg::Result>(fetched)), "account_disabled");
    EXPECT_TRUE(send(*bob, user("alice"), device_id("alice")).starts_with("account_disabled"));
}

TEST_P(ServerE2e, OwnCopiesGoToOnesOtherDevice) {
    start();
    auto alice = registered("alice");
    ASSERT_TRUE(alice);
    auto phone = logged_in_on("alice", "phone");
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(phone && laptop);
    publish(*laptop, prekeys("alice/laptop", 1, {1}));
    // No friendship needed with oneself: devices, bundle and send about alice herself.
    auto listed = devices(*phone, user("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::DeviceList>(listed));
    auto fetched = bundle(*phone, user("alice"), device_id("alice/laptop"));
    ASSERT_TRUE(std::holds_alternative<msg::KeyBundle>(fetched));
    EXPECT_EQ(std::get<msg::KeyBundle>(fetched).otk_id, 1u);
    const Bytes body = random_bytes(64);
    EXPECT_EQ(send(*phone, user("alice"), device_id("alice/laptop"), body), "stored");
    auto got = next_envelope(*laptop);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->from, user("alice"));
    EXPECT_EQ(got->device, device_id("alice/phone"));
    EXPECT_EQ(got->body, body);
    publish(*alice, msg::PublishPrekeys{});
    EXPECT_EQ(envelopes_now(*alice), 0u);
}

TEST_P(ServerE2e, SendAndBundlePastTheRelayBudgetAreThrottledAndTheSessionGoesOn) {
    start([](server::Settings& s) {
        s.limits.relay_burst = 3;
        s.limits.relay_per_minute = 1;
    });
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    publish(*alice, prekeys("alice", 1, {}));
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice"), Bytes{1}, Bytes(kMessageIdBytes, 1)),
              "stored");
    EXPECT_TRUE(
        std::holds_alternative<msg::KeyBundle>(bundle(*bob, user("alice"), device_id("alice"))));
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice"), Bytes{2}, Bytes(kMessageIdBytes, 2)),
              "stored");
    auto throttled = send(*bob, user("alice"), device_id("alice"));
    EXPECT_TRUE(throttled.starts_with("throttled")) << throttled;
    EXPECT_NE(throttled.find("try again in"), std::string::npos) << throttled;
    auto fetched = bundle(*bob, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(fetched));
    EXPECT_EQ(code_of(std::get<msg::Result>(fetched)), "throttled");
    // Not counted: devices and prekeys; and the budget is the account's, not the session's.
    EXPECT_TRUE(std::holds_alternative<msg::DeviceList>(devices(*bob, user("alice"))));
    auto second = logged_in_on("bob", "phone");
    ASSERT_TRUE(second);
    EXPECT_TRUE(send(*second, user("alice"), device_id("alice")).starts_with("throttled"));
}

TEST_P(ServerE2e, TheLargestBodyIsRelayedNeverLoggedAndGoneOnceReceived) {
    start([](server::Settings& s) { s.log_level = "debug"; });
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    publish(*alice, prekeys("alice", 1, {}));
    const Bytes body = random_bytes(proto::kMaxEnvelopeBytes);
    const Bytes mid = random_bytes(kMessageIdBytes);
    testing::internal::CaptureStderr();
    auto sent = send(*bob, user("alice"), device_id("alice"), body, mid);
    auto got = next_envelope(*alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(received(*alice, {got->held}), "ok");  // the delivery's log lines are written by now
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(sent, "stored");
    EXPECT_EQ(got->body, body);
    EXPECT_EQ(got->mid, mid);
    EXPECT_NE(log.find("event=e2e_request"), std::string::npos) << log;
    EXPECT_NE(log.find("op=send"), std::string::npos) << log;
    // No piece of the body or the message id, in base64 or in hex, raw or in the database.
    const std::string b64_mid = base64_encode(mid);
    EXPECT_EQ(log.find(b64_mid), std::string::npos);
    EXPECT_EQ(log.find(to_hex(mid)), std::string::npos);
    for (std::size_t at = 0; at + 24 <= body.size(); at += 3 * 1024) {
        ByteView piece(body.data() + at, 24);
        EXPECT_EQ(log.find(base64_encode(piece)), std::string::npos) << at;
        EXPECT_EQ(log.find(to_hex(piece)), std::string::npos) << at;
    }
    // Received, it is deleted, and SQLite (secure_delete) leaves none of it in its files.
    // MariaDB's redo and undo logs keep deleted rows' bytes until they are overwritten, so its
    // files are not checked: what it holds is the end-to-end envelope, never plaintext.
    const std::string raw(reinterpret_cast<const char*>(body.data() + 1000), 64);
    server_.reset();  // the store closes: SQLite checkpoints and removes its WAL
    if (!is_mariadb()) {
        EXPECT_FALSE(found_below(tmp_ / "data", raw));
    }
    EXPECT_FALSE(found_below(tmp_ / "data", base64_encode(ByteView(body.data() + 999, 48))));
}

}  // namespace
}  // namespace sc::test
