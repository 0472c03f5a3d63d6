#include "e2e/device_sessions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "e2e/envelope.h"
#include "proto/limits.h"
#include "support/file_mode.h"
#include "unit/e2e/fixture.h"

namespace sc::e2e::test {
namespace {

class E2eSessions : public ::testing::Test, public World {};

TEST_F(E2eSessions, AMessageOpensWithItsSenderAndDetails) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    ASSERT_NE(bundle.otk_id, 0u);
    auto sent = send(*a, bob, "hello, bob", &bundle);
    EXPECT_TRUE(a->sessions->has_session(bob.verified.fp));
    EXPECT_TRUE(sent.sealed.details.initial);
    EXPECT_EQ(sent.sealed.details.ratchet_n, 0u);
    EXPECT_EQ(sent.sealed.details.sender_fp, alice.verified.fp.hex());
    auto digest = crypto::sha256(sent.sealed.body);
    EXPECT_EQ(sent.sealed.envelope_sha256, Bytes(digest.begin(), digest.end()));

    auto opened = receive(*b, sent.sealed.body, alice);
    ASSERT_TRUE(opened) << opened.error().code << ": " << opened.error().message;
    EXPECT_EQ(opened->text, "hello, bob");
    EXPECT_EQ(opened->sender_user, "alice");
    EXPECT_EQ(opened->sender_device, "laptop");
    EXPECT_EQ(opened->sender_fp, alice.verified.fp);
    EXPECT_EQ(opened->mid, sent.message.mid);
    EXPECT_EQ(opened->seq, 1u);
    EXPECT_EQ(opened->sequence, Sequence::first);
    EXPECT_EQ(opened->envelope_sha256, sent.sealed.envelope_sha256);
    EXPECT_EQ(opened->details.ct_sha256, sent.sealed.details.ct_sha256);
    EXPECT_EQ(opened->details.signature_hex, sent.sealed.details.signature_hex);
    EXPECT_EQ(opened->details.commitment_hex, sent.sealed.details.commitment_hex);
    EXPECT_TRUE(opened->details.initial);
    EXPECT_TRUE(b->sessions->has_session(alice.verified.fp));
    EXPECT_EQ(opened->details.ciphertext_hex.size(), 64u + std::string("…").size());
    EXPECT_EQ(opened->details.ciphertext_bytes, 16u + 10u + 16u);
}

TEST_F(E2eSessions, TheInitFieldsAreRepeatedUntilTheFirstReply) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    auto m1 = send(*a, bob, "one", &bundle);
    auto m2 = send(*a, bob, "two", nullptr);
    EXPECT_TRUE(m2.sealed.details.initial);
    ASSERT_TRUE(receive(*b, m2.sealed.body, alice));  // the second first: it starts the session too
    ASSERT_TRUE(receive(*b, m1.sealed.body, alice));
    auto r1 = send(*b, alice, "reply", nullptr);
    EXPECT_FALSE(r1.sealed.details.initial);
    ASSERT_TRUE(receive(*a, r1.sealed.body, bob));
    auto m3 = send(*a, bob, "three", nullptr);
    EXPECT_FALSE(m3.sealed.details.initial);
    auto got = receive(*b, m3.sealed.body, alice);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->text, "three");
    EXPECT_EQ(got->sequence, Sequence::next);
}

TEST_F(E2eSessions, AConversationGoesOnBothWaysOverManyDhSteps) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    ASSERT_TRUE(receive(*b, send(*a, bob, "start", &bundle).sealed.body, alice));
    for (int i = 0; i < 5; ++i) {
        auto to_a = send(*b, alice, "b" + std::to_string(i), nullptr);
        auto got_a = receive(*a, to_a.sealed.body, bob);
        ASSERT_TRUE(got_a) << got_a.error().message;
        EXPECT_EQ(got_a->text, "b" + std::to_string(i));
        auto to_b = send(*a, bob, "a" + std::to_string(i), nullptr);
        auto got_b = receive(*b, to_b.sealed.body, alice);
        ASSERT_TRUE(got_b) << got_b.error().message;
        EXPECT_EQ(got_b->text, "a" + std::to_string(i));
        EXPECT_EQ(got_b->sequence, Sequence::next);
    }
}

TEST_F(E2eSessions, ASessionStartsWithoutAOneTimePrekey) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob, /*with_one_time=*/false);
    ASSERT_EQ(bundle.otk_id, 0u);
    auto got = receive(*b, send(*a, bob, "no otk", &bundle).sealed.body, alice);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->text, "no otk");
}

TEST_F(E2eSessions, AOneTimePrekeyServesOneSessionOnly) {
    auto a = party(alice, "alice");
    auto phone = party(alice_phone, "phone");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    ASSERT_TRUE(receive(*b, send(*a, bob, "first", &bundle).sealed.body, alice));
    // The same one-time prekey again (a server handing it out twice): its private key is gone.
    auto again = receive(*b, send(*phone, bob, "second", &bundle).sealed.body, alice_phone);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, "decrypt_failed");
}

TEST_F(E2eSessions, TheSameEnvelopeTwiceIsAReplay) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    auto sent = send(*a, bob, "once", &bundle);
    ASSERT_TRUE(receive(*b, sent.sealed.body, alice));
    auto twice = receive(*b, sent.sealed.body, alice);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, "replay");
}

TEST_F(E2eSessions, TamperingWithAnyByteIsRefused) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    auto sent = send(*a, bob, "do not touch", &bundle);
    const Bytes& body = sent.sealed.body;
    for (std::size_t i = 0; i < body.size(); ++i) {
        auto tampered = body;
        tampered[i] ^= 0x01;
        auto got = receive(*b, tampered, alice);
        EXPECT_FALSE(got) << "byte " << i << " of " << body.size();
    }
    auto genuine = receive(*b, body, alice);  // nothing above changed bob's state
    ASSERT_TRUE(genuine) << genuine.error().message;
}

TEST_F(E2eSessions, TheChecksComeInTheSpecsOrder) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto c = published(carol, "carol");
    auto bundle = server.bundle(bob);
    auto sent = send(*a, bob, "for bob", &bundle);
    // Not for this device: carol's.
    auto other = receive(*c, sent.sealed.body, alice);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, "malformed");
    // A sender whose certificate is not the envelope's.
    auto wrong_sender = receive(*b, sent.sealed.body, alice_phone);
    ASSERT_FALSE(wrong_sender);
    EXPECT_EQ(wrong_sender.error().code, "bad_certificate");
    // Hand-made envelopes from alice's device to bob's (no session needed: these checks come
    // before decryption).
    auto forge = [&](const Device& signer, const Device& claimed, const std::string& other_user) {
        MessageHead head;
        head.conv = Conversation::between(claimed.verified.user, other_user).value();
        head.from_fp = claimed.verified.fp;
        head.to_fp = bob.verified.fp;
        head.mid = next_mid();
        head.seq = 1;
        head.ts = kNow;
        head.ratchet = RatchetHeader{Bytes(32, 9), 0, 0};
        auto head_bytes = encode_head(head);
        Bytes commit(32, 1), ct(48, 2);
        auto sig = signer.leaf.key.sign(message_signed(head_bytes, ct, commit)).value();
        return encode_message_envelope(head_bytes, commit, claimed.verified.cert_der, ct, sig);
    };
    auto not_in_conv = receive(*b, forge(carol, carol, "alice"), carol);
    ASSERT_FALSE(not_in_conv);
    EXPECT_EQ(not_in_conv.error().code, "malformed");
    EXPECT_NE(not_in_conv.error().message.find("conversation"), std::string::npos);
    auto bad_sig = receive(*b, forge(carol, alice, "bob"), alice);
    ASSERT_FALSE(bad_sig);
    EXPECT_EQ(bad_sig.error().code, "bad_message_signature");
    auto no_session = receive(*b, forge(alice, alice, "bob"), alice);
    ASSERT_FALSE(no_session);
    EXPECT_EQ(no_session.error().code, "decrypt_failed");
    // And seal refuses a conversation without the peer's user.
    OutgoingMessage message{Conversation::between("alice", "carol").value(), next_mid(), 1, kNow,
                            "x"};
    auto carol_bundle = server.bundle(bob);
    EXPECT_FALSE(a->sessions->seal(bob.verified, &carol_bundle, message));
}

TEST_F(E2eSessions, StaleTimestampsAreRefused) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    ASSERT_TRUE(receive(*b, send(*a, bob, "now", &bundle).sealed.body, alice));
    auto future = send(*a, bob, "from the future", nullptr, kNow + proto::kE2eFutureSkewMs + 1);
    auto f = receive(*b, future.sealed.body, alice);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, "stale_timestamp");
    auto old = send(*a, bob, "from the past", nullptr, kNow - proto::kE2eMaxAgeMs - 1);
    auto o = receive(*b, old.sealed.body, alice);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code, "stale_timestamp");
    auto edge = send(*a, bob, "just in", nullptr, kNow + proto::kE2eFutureSkewMs);
    EXPECT_TRUE(receive(*b, edge.sealed.body, alice));
}

TEST_F(E2eSessions, SequenceNumbersAreNextFirstGapOrOutOfOrder) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    std::vector<Sent> sent;
    sent.push_back(send(*a, bob, "1", &bundle));
    for (int i = 2; i <= 5; ++i) {
        sent.push_back(send(*a, bob, std::to_string(i), nullptr));
    }
    auto first = receive(*b, sent[0].sealed.body, alice);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->sequence, Sequence::first);
    auto second = receive(*b, sent[1].sealed.body, alice);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->sequence, Sequence::next);
    auto fifth = receive(*b, sent[4].sealed.body, alice);
    ASSERT_TRUE(fifth);
    EXPECT_EQ(fifth->sequence, Sequence::gap);
    EXPECT_EQ(fifth->missing_from, 3u);
    EXPECT_EQ(fifth->missing_to, 4u);
    auto third = receive(*b, sent[2].sealed.body, alice);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(third->sequence, Sequence::out_of_order);
    EXPECT_EQ(third->text, "3");
}

TEST_F(E2eSessions, SaveAndReloadContinueAConversationInAPrivateFile) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    auto m1 = send(*a, bob, "before", &bundle);
    auto m2 = send(*a, bob, "skipped before the reload", nullptr);
    ASSERT_TRUE(receive(*b, m1.sealed.body, alice));
    a->reload();
    b->reload();
    EXPECT_EQ(sc::test::mode_of(a->file), 0600u);
    EXPECT_EQ(sc::test::mode_of(b->file), 0600u);
    auto reply = send(*b, alice, "after", nullptr);
    auto got = receive(*a, reply.sealed.body, bob);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->text, "after");
    auto m3 = send(*a, bob, "after too", nullptr);
    EXPECT_EQ(m3.message.seq, 3u);  // the counter survived
    ASSERT_TRUE(receive(*b, m3.sealed.body, alice));
    auto late = receive(*b, m2.sealed.body, alice);  // its skipped key survived too
    ASSERT_TRUE(late) << late.error().message;
    EXPECT_EQ(late->sequence, Sequence::out_of_order);
    // The replay memory survived: m1 again is a replay.
    b->reload();
    auto again = receive(*b, m1.sealed.body, alice);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, "replay");
}

TEST_F(E2eSessions, AStateFileOfAnotherDeviceOrDamagedIsRefused) {
    auto a = party(alice, "alice");
    ASSERT_TRUE(a->sessions->save());
    sc::test::DeterministicEntropy entropy;
    auto other = DeviceSessions::open(a->file, bob.verified, bob.leaf.key, entropy);
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find("another device"), std::string::npos);
    auto text = sc::test::read_text(a->file);
    sc::test::write_text(dir / "short.e2e", text.substr(0, text.size() - 1));
    EXPECT_FALSE(DeviceSessions::open(dir / "short.e2e", alice.verified, alice.leaf.key, entropy));
}

TEST_F(E2eSessions, OwnCopiesGoToTheUsersOtherDevices) {
    auto laptop = party(alice, "laptop");
    auto phone = published(alice_phone, "phone");
    auto bundle = server.bundle(alice_phone);
    auto copy = send(*laptop, alice_phone, "sent to bob, copied to my phone", &bundle, kNow, "bob");
    auto got = receive(*phone, copy.sealed.body, alice);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->conv.first(), "alice");
    EXPECT_EQ(got->conv.second(), "bob");
    EXPECT_EQ(got->sender_device, "laptop");
}

TEST_F(E2eSessions, BothStartingAtOnceConverge) {
    auto a = published(alice, "alice");
    auto b = published(bob, "bob");
    auto for_b = server.bundle(bob);
    auto for_a = server.bundle(alice);
    auto from_a = send(*a, bob, "hi from a", &for_b);
    auto from_b = send(*b, alice, "hi from b", &for_a);
    ASSERT_TRUE(receive(*b, from_a.sealed.body, alice));
    ASSERT_TRUE(receive(*a, from_b.sealed.body, bob));
    for (int i = 0; i < 3; ++i) {
        auto x = receive(*b, send(*a, bob, "a" + std::to_string(i), nullptr).sealed.body, alice);
        ASSERT_TRUE(x) << x.error().message;
        auto y = receive(*a, send(*b, alice, "b" + std::to_string(i), nullptr).sealed.body, bob);
        ASSERT_TRUE(y) << y.error().message;
    }
}

TEST_F(E2eSessions, AtMostFourSessionsAreKeptPerPeerDevice) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    std::vector<Bytes> late;  // one message per session, without init fields, not yet delivered
    for (int i = 0; i < 5; ++i) {
        a->sessions->drop_sessions(bob.verified.fp);  // alice starts over five times
        auto bundle = server.bundle(bob, false);
        auto sent = send(*a, bob, "s" + std::to_string(i), &bundle);
        ASSERT_TRUE(receive(*b, sent.sealed.body, alice));
        // The newest session is the one bob answers in.
        auto reply = receive(*a, send(*b, alice, "r", nullptr).sealed.body, bob);
        ASSERT_TRUE(reply) << i << ": " << reply.error().message;
        late.push_back(send(*a, bob, "late " + std::to_string(i), nullptr).sealed.body);
        b->reload();
    }
    // Bob kept the four newest sessions: the oldest one's message no longer opens.
    auto oldest = receive(*b, late[0], alice);
    ASSERT_FALSE(oldest);
    EXPECT_EQ(oldest.error().code, "decrypt_failed");
    for (std::size_t i = 1; i < late.size(); ++i) {
        auto kept = receive(*b, late[i], alice);
        EXPECT_TRUE(kept) << i << ": " << kept.error().message;
    }
}

// A message that decrypts but is refused afterwards (its time is outside the window) changes
// nothing: the same session still opens the next message, and a retry is refused the same way.
TEST_F(E2eSessions, AMessageRefusedAfterDecryptingLeavesTheSessionsAsTheyWere) {
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto bundle = server.bundle(bob);
    ASSERT_TRUE(receive(*b, send(*a, bob, "hello", &bundle).sealed.body, alice));
    ASSERT_TRUE(receive(*a, send(*b, alice, "hi", nullptr).sealed.body, bob));
    auto before = b->sessions->export_session_for_test(alice.verified.fp);
    ASSERT_TRUE(before) << before.error().message;
    auto stale = send(*a, bob, "from the future", nullptr).sealed.body;
    auto refused = receive(*b, stale, alice, kNow - 2 * proto::kE2eMaxAgeMs);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "stale_timestamp");
    auto after = b->sessions->export_session_for_test(alice.verified.fp);
    ASSERT_TRUE(after);
    EXPECT_TRUE(*before == *after) << "the refused message changed bob's ratchet";
    auto again = receive(*b, stale, alice);
    EXPECT_TRUE(again) << again.error().message;
}

TEST(E2eSignatures, EcdsaAndRsaDevicesSignAndVerify) {
    for (auto type : {crypto::KeyType::ecdsa_p256, crypto::KeyType::rsa_2048}) {
        World w(type);
        auto a = w.party(w.alice, "alice");
        auto b = w.published(w.bob, "bob");
        auto bundle = w.server.bundle(w.bob);
        auto sent =
            send(*a, w.bob, "signed by " + std::string(crypto::key_type_name(type)), &bundle);
        auto got = receive(*b, sent.sealed.body, w.alice);
        ASSERT_TRUE(got) << got.error().message;
        auto tampered = sent.sealed.body;
        tampered[tampered.size() - 3] ^= 1;  // inside the signature
        auto refused = receive(*b, tampered, w.alice);
        ASSERT_FALSE(refused);
        auto reply = receive(*a, send(*b, w.alice, "ok", nullptr).sealed.body, w.bob);
        ASSERT_TRUE(reply) << reply.error().message;
    }
}

}  // namespace
}  // namespace sc::e2e::test
