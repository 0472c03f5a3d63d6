// Regression tests for the December 2026 security review findings of the protocol core
// (docs/SECURITY.md, "The protocol and the evidence"). Each test names its finding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/byte_writer.h"
#include "crypto/hkdf.h"
#include "crypto/internal/aead_raw.h"
#include "harness.h"
#include "proto/record_layer.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

using namespace test;
using namespace std::chrono_literals;
using crypto::SecretAccess;
using crypto::SecretBytes;

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        auto bar = line.find('|', pos);
        out.push_back(line.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
        if (bar == std::string::npos) {
            return out;
        }
        pos = bar + 1;
    }
}

// The ct of the last msg line (not an ack line) of `transcript`.
Bytes last_msg_ct(const std::string& transcript) {
    Bytes ct;
    std::size_t pos = 0;
    while (pos < transcript.size()) {
        auto end = transcript.find('\n', pos);
        auto f = fields_of(transcript.substr(pos, end - pos));
        if (f.size() == 7) {
            ct = *base64_decode(f[3]);
        }
        pos = end + 1;
    }
    return ct;
}

struct MsgKey {
    crypto::Aes256GcmKey key;
    std::array<std::uint8_t, 12> iv{};
};

// §4.2: msg_key_c2s,n and msg_iv_c2s,n from epoch_secret_n.
MsgKey msg_c2s_key(const SecretBytes& epoch_secret, const SessionId& hh, std::uint32_t n) {
    Bytes ctx = ByteWriter().raw(hh.view()).u32(n).bytes();
    auto key = crypto::hkdf_expand_label(epoch_secret, "msg c2s key", ctx, 32);
    auto iv = crypto::hkdf_expand_label(epoch_secret, "msg c2s iv", ctx, 12);
    EXPECT_TRUE(key && iv);
    MsgKey out{std::move(crypto::Aes256GcmKey::create(*key)).value(), {}};
    std::copy_n(iv->reveal(SecretAccess{}).begin(), 12, out.iv.begin());
    return out;
}

TEST(Hardening, M7_RekeyLeavesNothingOfThePreviousEpoch) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("in epoch 1"), Side::client);
    const auto& hh = pair.client->channel()->session_id();
    auto before =
        pair.client->channel()->key_schedule_for_test().held_secrets_for_test(SecretAccess{});
    ASSERT_EQ(before.size(), 1u);        // epoch_secret_1, and nothing else
    SecretBytes epoch1(before.front());  // our copy: the views end with the epoch
    auto old = epoch1.reveal(SecretAccess{});
    auto ct1 = last_msg_ct(pair.server_events.transcript());
    auto key1 = msg_c2s_key(epoch1, hh, 1);

    pair.deliver(pair.client->rekey(), Side::client);
    ASSERT_EQ(pair.client->channel()->epoch(), 2u);
    pair.deliver(pair.client->send_text("in epoch 2"), Side::client);
    ASSERT_EQ(pair.server_events.failure(), "");

    // Neither side's key schedule holds anything of epoch 1 any more.
    for (const SecureChannel* ch : {pair.client->channel(), pair.server->channel()}) {
        auto held = ch->key_schedule_for_test().held_secrets_for_test(SecretAccess{});
        for (ByteView secret : held) {
            EXPECT_FALSE(std::equal(secret.begin(), secret.end(), old.begin(), old.end()));
            EXPECT_EQ(std::search(secret.begin(), secret.end(), old.begin(), old.end()),
                      secret.end());
        }
    }
    // The msg key changed with the epoch: epoch 1's key opens the epoch-1 msg, not the
    // epoch-2 one, which opens with the key derived from epoch_secret_2.
    auto after =
        pair.client->channel()->key_schedule_for_test().held_secrets_for_test(SecretAccess{});
    SecretBytes epoch2(after.front());
    auto key2 = msg_c2s_key(epoch2, hh, 2);
    auto ct2 = last_msg_ct(pair.server_events.transcript());
    auto received = pair.server_events.of<event::MessageReceived>();
    ASSERT_EQ(received.size(), 2u);
    auto ad = [&](std::uint64_t seqno, std::uint64_t ts, std::uint32_t epoch) {
        return message_ad(hh, Direction::c2s, seqno, ts, epoch);
    };
    EXPECT_TRUE(
        crypto::internal::open(key1.key, nonce_for(key1.iv, 1), ct1, ad(1, received[0].ts, 1)));
    EXPECT_FALSE(
        crypto::internal::open(key1.key, nonce_for(key1.iv, 2), ct2, ad(2, received[1].ts, 2)));
    EXPECT_FALSE(
        crypto::internal::open(key1.key, nonce_for(key1.iv, 2), ct2, ad(2, received[1].ts, 1)));
    EXPECT_TRUE(
        crypto::internal::open(key2.key, nonce_for(key2.iv, 2), ct2, ad(2, received[1].ts, 2)));
}

TEST(Hardening, M4_RekeysAreRateLimitedPerSession) {
    TestPki pki;
    auto s = server_config(pki);
    s.rekey_burst = 2;
    s.rekey_token_interval = 10s;
    Pair pair(client_config(pki), std::move(s));
    pair.login_and_chat();
    for (int i = 0; i < 2; ++i) {
        pair.deliver(pair.client->rekey(), Side::client);
    }
    ASSERT_EQ(pair.server_events.failure(), "");
    pair.server_clock.advance(10s);  // one token back
    pair.deliver(pair.client->rekey(), Side::client);
    ASSERT_EQ(pair.server_events.failure(), "");
    pair.deliver(pair.client->rekey(), Side::client);
    EXPECT_EQ(pair.server_events.failure(),
              "unexpected_message: rekeys too frequent: at most 2 at once, then one per 10 s");
    EXPECT_EQ(pair.client_events.of<event::PeerError>().front().code, "unexpected_message");
}

TEST(Hardening, M4_ServerOffersOnlyX25519ByDefault) {
    TestPki pki;
    EXPECT_EQ(server_config(pki).groups, std::vector<crypto::DhGroup>{crypto::DhGroup::x25519});
    auto c = client_config(pki);
    c.groups = {crypto::DhGroup::ffdhe3072};
    Pair pair(std::move(c), server_config(pki));
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "no_common_group:"));
    // Configured explicitly, ffdhe3072 still works.
    auto c2 = client_config(pki);
    c2.groups = {crypto::DhGroup::ffdhe3072};
    auto s2 = server_config(pki);
    s2.groups = {crypto::DhGroup::x25519, crypto::DhGroup::ffdhe3072};
    Pair pair2(std::move(c2), std::move(s2));
    pair2.login_and_chat();
    EXPECT_EQ(pair2.server_events.failure(), "");
    EXPECT_EQ(pair2.client->phase(), ClientSession::Phase::chat);
}

TEST(Hardening, I1_RecordCapEndsTheSessionOnBothSides) {
    // The client ignores any rekey advice; the cap (6 here, 2^24 in production) is enforced by
    // its own Sealer: 5 ordinary records, then the reserved one carries key_exhausted.
    TestPki pki;
    auto c = client_config(pki);
    c.max_records_per_epoch = 6;
    c.rekey_after_records = 1000;
    auto s = server_config(pki);
    s.max_records_per_epoch = 6;
    s.rekey_after_records = 1000;
    Pair pair(std::move(c), std::move(s));
    pair.login_and_chat();
    for (int i = 0; i < 10 && !pair.client->finished(); ++i) {
        pair.deliver(pair.client->send_text("m" + std::to_string(i)), Side::client);
    }
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "key_exhausted:"))
        << pair.client_events.failure();
    ASSERT_TRUE(pair.server_events.has<event::PeerError>());
    EXPECT_EQ(pair.server_events.of<event::PeerError>().front().code, "key_exhausted");
    EXPECT_TRUE(pair.server->finished());
}

TEST(Hardening, I1_ReceiverEnforcesTheCapWhateverTheSenderDoes) {
    TestPki pki;
    auto c = client_config(pki);
    c.max_records_per_epoch = 1000;  // a client that does not keep the cap
    c.rekey_after_records = 1000;
    auto s = server_config(pki);
    s.max_records_per_epoch = 6;
    s.rekey_after_records = 1000;
    Pair pair(std::move(c), std::move(s));
    pair.login_and_chat();
    for (int i = 0; i < 10 && !pair.server->finished(); ++i) {
        pair.deliver(pair.client->send_text("m" + std::to_string(i)), Side::client);
    }
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "key_exhausted:"))
        << pair.server_events.failure();
    ASSERT_TRUE(pair.client_events.has<event::PeerError>());
    EXPECT_EQ(pair.client_events.of<event::PeerError>().front().code, "key_exhausted");
}

TEST(Hardening, I1_RekeyRequestIsSentOncePerEpoch) {
    TestPki pki;
    auto c = client_config(pki);
    c.rekey_after_records = 1000;
    auto s = server_config(pki);
    s.rekey_after_records = 1;  // due at once
    Pair pair(std::move(c), std::move(s));
    pair.login_and_chat();
    // Three messages reach the server before the client can react to any rekey_request.
    Output batch;
    for (int i = 0; i < 3; ++i) {
        batch.append(pair.client->send_text("m" + std::to_string(i)));
    }
    ASSERT_EQ(batch.send.size(), 3u);
    std::size_t server_frames = 0;
    Output replies;
    for (auto& frame : batch.send) {
        auto out = ::sc::test::receive_storing(*pair.server, frame);
        server_frames += out.send.size();
        replies.append(std::move(out));
    }
    EXPECT_EQ(server_frames, 4u) << "three acks and one rekey_request";
    pair.deliver(std::move(replies), Side::server);
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_EQ(pair.client->channel()->epoch(), 2u) << "the client rekeyed once";
}

TEST(Hardening, L8_ServerReceiptWhileTheClientAwaitsAnAck) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto msg = pair.client->send_text("crosses the server's receipt");  // not delivered yet
    pair.deliver(pair.client->close(), Side::client);                   // waits for the ack
    auto server_receipt = pair.server->close();
    pair.deliver(std::move(msg), Side::client);  // the server drops it (own receipt sent)
    pair.deliver(std::move(server_receipt), Side::server);
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
}

TEST(Hardening, L8_MessageCrossingTheClientsReceiptIsDropped) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto client_receipt = pair.client->close();
    ASSERT_EQ(client_receipt.send.size(), 1u);
    auto server_msg = pair.server->send_text("crosses the client's receipt");
    pair.deliver(std::move(server_msg), Side::server);  // the client has signed: dropped
    pair.deliver(std::move(client_receipt), Side::client);
    EXPECT_EQ(pair.client_events.failure(), "");
    EXPECT_EQ(pair.server_events.failure(), "");
    EXPECT_FALSE(pair.client_events.has<event::MessageReceived>());
    EXPECT_TRUE(pair.client_events.has<event::ReceiptsExchanged>());
    EXPECT_TRUE(pair.server_events.has<event::ReceiptsExchanged>());
    EXPECT_EQ(pair.client_events.transcript(), pair.server_events.transcript());
}

TEST(Hardening, L1_HostileTypeGetsAnErrorFrame) {
    TestPki pki;
    SystemEntropy entropy;
    FixedClock clock;
    ServerSession server(server_config(pki), clock, entropy);
    auto payload = R"({"type":")" + std::string(63, 'A') + "\xc3\xa9" + R"("})";
    Output out;
    ASSERT_NO_THROW(out = server.receive(make_frame(payload).wire()));
    ASSERT_EQ(out.send.size(), 1u);
    auto j = nlohmann::json::parse(out.send.front().begin() + 4, out.send.front().end());
    EXPECT_EQ(j["code"], "malformed");
    EXPECT_TRUE(out.close);
    // A control character in a field name the peer chose is quoted visibly in the error text,
    // never sent back raw.
    ServerSession server2(server_config(pki), clock, entropy);
    ASSERT_NO_THROW(out = server2.receive(make_frame(R"({"type":"hello","\u001b[2J":1})").wire()));
    ASSERT_EQ(out.send.size(), 1u);
    auto j2 = nlohmann::json::parse(out.send.front().begin() + 4, out.send.front().end());
    EXPECT_EQ(j2["code"], "malformed");
    auto message = j2["message"].get<std::string>();
    EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
    EXPECT_NE(message.find("\\x1b[2J"), std::string::npos) << message;
}

TEST(Hardening, I2_MsgWithTextThatIsNotUtf8IsRefused) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto refused = pair.client->send_text("\xff\xfe not UTF-8");
    EXPECT_TRUE(refused.send.empty());
    ASSERT_EQ(refused.events.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<event::Refused>(refused.events.front()));
    // A hostile client that makes one anyway: the server refuses it after decryption.
    auto* channel = const_cast<SecureChannel*>(pair.client->channel());
    auto chat =
        channel->make_chat("\xc0\xaf overlong", unix_millis(pair.client_clock.now()), Bytes(16, 7));
    ASSERT_TRUE(chat);
    pair.deliver(pair.client->send_inner_for_test(msg::Inner{*chat}), Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "bad_text:"))
        << pair.server_events.failure();
    EXPECT_FALSE(pair.server_events.has<event::MessageReceived>());
}

TEST(Hardening, M5_AckWithABadSignatureEndsTheSession) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto held = pair.client->send_text("needs a signed ack");  // never reaches the server
    ASSERT_EQ(held.send.size(), 1u);
    pair.deliver(pair.server->send_inner_for_test(
                     msg::Inner{msg::Ack{1, msg::DeliveryStatus::delivered, Bytes(64, 9)}}),
                 Side::server);
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "bad_message_signature:"))
        << pair.client_events.failure();
    EXPECT_FALSE(pair.client_events.has<event::Acknowledged>());
}

TEST(Hardening, M5_GapInMsgSeqnosIsOutOfOrder) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    // A hostile client numbers its messages 1 and 2 but sends only 2.
    auto* channel = const_cast<SecureChannel*>(pair.client->channel());
    auto now = unix_millis(pair.client_clock.now());
    ASSERT_TRUE(channel->make_chat("skipped", now, Bytes(16, 1)));
    auto second = channel->make_chat("second", now, Bytes(16, 2));
    ASSERT_TRUE(second);
    pair.deliver(pair.client->send_inner_for_test(msg::Inner{*second}), Side::client);
    EXPECT_EQ(pair.server_events.failure(),
              "out_of_order: msg 2 arrived, but msg 1 is the next one");
    EXPECT_FALSE(pair.server_events.has<event::MessageReceived>());
}

}  // namespace
}  // namespace sc::proto
