// The end-to-end requests on a real server (issue 11, docs/PROTOCOL.md §2.4), on SQLite and on
// the real MariaDB: devices publish signed prekeys, others list devices and take bundles, and
// `send` relays opaque envelopes to one device's live sessions. The same cases run on both
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
#include "server_friends_fixture.h"

namespace sc::test {
namespace {

using proto::ErrorCode;
namespace msg = proto::msg;

std::string code_of(const msg::Result& r) {
    return r.code ? std::string(proto::error_code_name(*r.code)) : std::string("ok");
}

Bytes prekey_bytes(std::uint64_t id) {
    return Bytes(proto::kPrekeyBytes, static_cast<std::uint8_t>(id * 7 + 1));
}

Bytes random_bytes(std::size_t n) {
    std::mt19937 rng(std::random_device{}());
    Bytes out(n);
    for (auto& b : out) {
        b = static_cast<std::uint8_t>(rng());
    }
    return out;
}

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Whether `needle` occurs in any regular file below `dir`.
bool found_below(const std::filesystem::path& dir, const std::string& needle) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(
             dir, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && file_text(it->path()).find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

class ServerE2e : public FriendsTest {
  protected:
    std::string device_id(const std::string& identity) const {
        return identity_of(identity).chain.front().fingerprint().hex();
    }
    // A prekeys request of `identity`'s device, signed with `signer`'s key (its own by default)
    // over `owner`'s fingerprint (its own by default).
    msg::PublishPrekeys prekeys(const std::string& identity, std::uint64_t spk_id,
                                const std::vector<std::uint64_t>& one_time,
                                const std::string& signer = "", const std::string& owner = "") {
        const auto& key = *identity_of(signer.empty() ? identity : signer).key;
        const auto fp = identity_of(owner.empty() ? identity : owner).chain.front().fingerprint();
        msg::PublishPrekeys m;
        if (spk_id != 0) {
            m.spk_id = spk_id;
            m.spk = prekey_bytes(spk_id + 100);
            m.spk_ts = 1'700'000'000'000 + spk_id;
            m.spk_sig =
                e2e::sign_prekey(key, e2e::PrekeyKind::signed_prekey, fp, m.spk_id, m.spk, m.spk_ts)
                    .value();
        }
        for (auto id : one_time) {
            msg::OneTimePrekey k{id, prekey_bytes(id), 1'700'000'000'000 + id, {}};
            k.sig =
                e2e::sign_prekey(key, e2e::PrekeyKind::one_time, fp, k.key_id, k.key, k.ts).value();
            m.one_time.push_back(std::move(k));
        }
        return m;
    }
    // Publishes and expects a prekey_status.
    msg::PrekeyStatus publish(FriendClient& c, msg::PublishPrekeys m) {
        auto answer = c.request(std::move(m));
        if (!answer || !std::holds_alternative<msg::PrekeyStatus>(*answer)) {
            ADD_FAILURE() << c.name() << ": prekeys got no prekey_status"
                          << (answer && std::holds_alternative<msg::Result>(*answer)
                                  ? ": " + std::get<msg::Result>(*answer).message
                                  : std::string());
            return {};
        }
        return std::get<msg::PrekeyStatus>(*answer);
    }
    std::variant<msg::DeviceList, msg::Result> devices(FriendClient& c, const std::string& of) {
        auto answer = c.request(msg::ListDevices{0, of});
        if (answer && std::holds_alternative<msg::DeviceList>(*answer)) {
            return std::get<msg::DeviceList>(*answer);
        }
        if (answer && std::holds_alternative<msg::Result>(*answer)) {
            return std::get<msg::Result>(*answer);
        }
        ADD_FAILURE() << c.name() << ": devices got neither device_list nor result";
        return msg::Result{0, ErrorCode::internal, "no answer"};
    }
    std::variant<msg::KeyBundle, msg::Result> bundle(FriendClient& c, const std::string& of,
                                                     const std::string& device) {
        auto answer = c.request(msg::FetchBundle{0, of, device});
        if (answer && std::holds_alternative<msg::KeyBundle>(*answer)) {
            return std::get<msg::KeyBundle>(*answer);
        }
        if (answer && std::holds_alternative<msg::Result>(*answer)) {
            return std::get<msg::Result>(*answer);
        }
        ADD_FAILURE() << c.name() << ": bundle got neither key_bundle nor result";
        return msg::Result{0, ErrorCode::internal, "no answer"};
    }
    msg::Result send(FriendClient& c, const std::string& to, const std::string& device,
                     Bytes body = Bytes{1, 2, 3}, Bytes mid = Bytes(kMessageIdBytes, 9)) {
        return c.result_of(msg::Relay{0, to, device, std::move(mid), std::move(body)});
    }
    // The next envelope pushed to `c` (skipping presence and friend events), within 10 s.
    std::optional<msg::Envelope> next_envelope(FriendClient& c) {
        while (auto push = c.next_push()) {
            if (auto* e = std::get_if<msg::Envelope>(&*push)) {
                return *e;
            }
        }
        return std::nullopt;
    }
    // Envelopes pushed to `c` so far. Ask after a request of `c` was answered: anything the
    // server had posted to its session before that answer has arrived by then.
    std::size_t envelopes_now(FriendClient& c) {
        auto pushes = c.untaken_pushes();
        return static_cast<std::size_t>(std::count_if(pushes.begin(), pushes.end(), [](auto& p) {
            return std::holds_alternative<msg::Envelope>(p);
        }));
    }
    void befriend(FriendClient& a, FriendClient& b) {
        EXPECT_EQ(code_of(a.command(msg::FriendOp::request, b.name())), "ok");
        EXPECT_EQ(code_of(b.command(msg::FriendOp::accept, a.name())), "ok");
    }
};
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
    auto sent = send(*bob, user("alice"), device_id("alice/laptop"), body, mid);
    EXPECT_EQ(code_of(sent), "ok") << sent.message;
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

TEST_P(ServerE2e, SendToADeviceWithoutASessionIsDeviceOffline) {
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
    auto offline = send(*bob, user("alice"), device_id("alice/phone"));
    EXPECT_EQ(code_of(offline), "device_offline") << offline.message;
    // A device without a signed prekey, or one alice does not have, is no_such_device.
    auto laptop = logged_in_on("alice", "laptop");
    ASSERT_TRUE(laptop);
    EXPECT_EQ(code_of(send(*bob, user("alice"), device_id("alice/laptop"))), "no_such_device");
    EXPECT_EQ(code_of(send(*bob, user("alice"), device_id("bob"))), "no_such_device");
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
        auto sent = send(*carol, target, device_id("alice"));
        for (const msg::Result& r : std::vector<msg::Result>{
                 std::get<msg::Result>(listed), std::get<msg::Result>(fetched), sent}) {
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
    EXPECT_EQ(code_of(send(*carol, "no such name!", device_id("alice"))), "invalid_request");
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
    EXPECT_EQ(code_of(send(*carol, user("alice"), device_id("alice"))), "ok");
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
    EXPECT_EQ(code_of(send(*bob, user("alice"), device_id("alice"))), "account_disabled");
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
    EXPECT_EQ(code_of(send(*phone, user("alice"), device_id("alice/laptop"), body)), "ok");
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
    EXPECT_EQ(code_of(send(*bob, user("alice"), device_id("alice"))), "ok");
    EXPECT_TRUE(
        std::holds_alternative<msg::KeyBundle>(bundle(*bob, user("alice"), device_id("alice"))));
    EXPECT_EQ(code_of(send(*bob, user("alice"), device_id("alice"))), "ok");
    auto throttled = send(*bob, user("alice"), device_id("alice"));
    EXPECT_EQ(code_of(throttled), "throttled");
    EXPECT_NE(throttled.message.find("try again in"), std::string::npos) << throttled.message;
    auto fetched = bundle(*bob, user("alice"), device_id("alice"));
    ASSERT_TRUE(std::holds_alternative<msg::Result>(fetched));
    EXPECT_EQ(code_of(std::get<msg::Result>(fetched)), "throttled");
    // Not counted: devices and prekeys; and the budget is the account's, not the session's.
    EXPECT_TRUE(std::holds_alternative<msg::DeviceList>(devices(*bob, user("alice"))));
    auto second = logged_in_on("bob", "phone");
    ASSERT_TRUE(second);
    EXPECT_EQ(code_of(send(*second, user("alice"), device_id("alice"))), "throttled");
}

TEST_P(ServerE2e, TheLargestBodyIsRelayedAndNeverLoggedOrStored) {
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
    publish(*alice, msg::PublishPrekeys{});  // the delivery's log line is written by now
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(code_of(sent), "ok") << sent.message;
    ASSERT_TRUE(got);
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
    const std::string raw(reinterpret_cast<const char*>(body.data() + 1000), 64);
    server_->stop();
    EXPECT_FALSE(found_below(tmp_ / "data", raw));
    EXPECT_FALSE(found_below(tmp_ / "data", base64_encode(ByteView(body.data() + 999, 48))));
    if (is_mariadb()) {
        const char* dir = std::getenv("SECURECHAT_MARIADB_DIR");
        ASSERT_NE(dir, nullptr) << "the MariaDB's directory is needed to look at its files";
        EXPECT_FALSE(found_below(std::filesystem::path(dir) / "data", raw));
    }
}

}  // namespace
}  // namespace sc::test
