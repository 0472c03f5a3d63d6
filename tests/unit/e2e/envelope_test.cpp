#include "e2e/envelope.h"

#include <gtest/gtest.h>

#include "common/byte_writer.h"
#include "e2e/device_sessions.h"
#include "proto/limits.h"

namespace sc::e2e {
namespace {

template <class S>
S filled(std::uint8_t v) {
    typename S::Representation bytes{};
    bytes.fill(v);
    return S(bytes);
}

MessageHead sample_head(bool init) {
    MessageHead h;
    h.conv = Conversation::between("bob", "alice").value();
    h.from_fp = filled<Fingerprint>(0xaa);
    h.to_fp = filled<Fingerprint>(0xbb);
    h.mid = filled<MessageId>(0x4d);
    h.seq = 3;
    h.ts = 1798761600000;
    h.ratchet = RatchetHeader{Bytes(32, 0xdd), 2, 5};
    if (init) {
        h.init = InitFields{7, 9, Bytes(32, 0xee)};
    }
    return h;
}

Bytes sample_envelope(bool init) {
    auto head = encode_head(sample_head(init));
    return encode_message_envelope(head, Bytes(32, 0xcc), Bytes(300, 0x30), Bytes(40, 0xc7),
                                   Bytes(64, 0x51));
}

TEST(E2eEnvelope, AMessageParsesBackToItsFields) {
    for (bool init : {false, true}) {
        auto body = sample_envelope(init);
        auto env = parse_message_envelope(body);
        ASSERT_TRUE(env) << env.error().message;
        const auto& h = env->head;
        EXPECT_EQ(h.conv.first(), "alice");
        EXPECT_EQ(h.conv.second(), "bob");
        EXPECT_EQ(h.from_fp, filled<Fingerprint>(0xaa));
        EXPECT_EQ(h.to_fp, filled<Fingerprint>(0xbb));
        EXPECT_EQ(h.mid, filled<MessageId>(0x4d));
        EXPECT_EQ(h.seq, 3u);
        EXPECT_EQ(h.ts, 1798761600000u);
        EXPECT_EQ(h.ratchet.dh, Bytes(32, 0xdd));
        EXPECT_EQ(h.ratchet.pn, 2u);
        EXPECT_EQ(h.ratchet.n, 5u);
        ASSERT_EQ(h.init.has_value(), init);
        if (init) {
            EXPECT_EQ(h.init->spk_id, 7u);
            EXPECT_EQ(h.init->opk_id, 9u);
            EXPECT_EQ(h.init->ek, Bytes(32, 0xee));
        }
        EXPECT_EQ(env->head_bytes, encode_head(sample_head(init)));
        // 2 + conv (1+5+1+3) + 32 + 32 + 16 + 8 + 8 + 32 + 4 + 4 + 1 [+ 48]
        EXPECT_EQ(env->head_bytes.size(), (init ? 48u : 0u) + 149u);
        EXPECT_EQ(env->commit, Bytes(32, 0xcc));
        EXPECT_EQ(env->cert, Bytes(300, 0x30));
        EXPECT_EQ(env->ct, Bytes(40, 0xc7));
        EXPECT_EQ(env->sig, Bytes(64, 0x51));

        auto parsed = parse_envelope(body);
        ASSERT_TRUE(parsed);
        EXPECT_EQ(parsed->kind, ParsedEnvelope::Kind::message);
        EXPECT_EQ(parsed->from_fp, filled<Fingerprint>(0xaa));
        EXPECT_EQ(parsed->cert_der, Bytes(300, 0x30));
        EXPECT_EQ(parsed->body, body);
    }
}

TEST(E2eEnvelope, TrailingBytesAndEveryTruncationAreRefused) {
    for (bool init : {false, true}) {
        auto body = sample_envelope(init);
        auto longer = body;
        longer.push_back(0);
        EXPECT_FALSE(parse_envelope(longer));
        for (std::size_t n = 0; n < body.size(); ++n) {
            EXPECT_FALSE(parse_envelope(ByteView(body).first(n))) << n;
        }
    }
    Delivered d{Conversation::between("alice", "bob").value(),
                filled<Fingerprint>(1),
                filled<Fingerprint>(2),
                filled<MessageId>(3),
                4,
                Bytes(32, 5),
                6};
    auto body = encode_delivered_envelope(encode_delivered(d), Bytes(10, 7), Bytes(64, 8));
    ASSERT_TRUE(parse_envelope(body));
    auto longer = body;
    longer.push_back(0);
    EXPECT_FALSE(parse_envelope(longer));
    for (std::size_t n = 0; n < body.size(); ++n) {
        EXPECT_FALSE(parse_envelope(ByteView(body).first(n))) << n;
    }
}

TEST(E2eEnvelope, TheConversationMustBeCanonical) {
    auto body = sample_envelope(false);
    // "alice" and "bob" swapped: not in order.
    auto swapped = body;
    Bytes bob_alice = {3, 'b', 'o', 'b', 5, 'a', 'l', 'i', 'c', 'e'};
    std::copy(bob_alice.begin(), bob_alice.end(), swapped.begin() + 2);
    EXPECT_FALSE(parse_envelope(swapped));
    auto upper = body;
    upper[3] = 'A';
    EXPECT_FALSE(parse_envelope(upper));
    auto same = body;  // "bob" twice: not a conversation
    Bytes bob_bob = {3, 'b', 'o', 'b', 3, 'b', 'o', 'b'};
    std::copy(bob_bob.begin(), bob_bob.end(), same.begin() + 2);
    same.erase(same.begin() + 10, same.begin() + 12);
    EXPECT_FALSE(parse_envelope(same));
}

TEST(E2eEnvelope, VersionKindFlagAndBoundsAreChecked) {
    auto body = sample_envelope(false);
    auto version = body;
    version[0] = 2;
    EXPECT_FALSE(parse_envelope(version));
    auto kind = body;
    kind[1] = 3;
    EXPECT_FALSE(parse_envelope(kind));
    auto flag = body;
    flag[148] = 2;  // the init byte
    EXPECT_FALSE(parse_envelope(flag));

    auto head = encode_head(sample_head(false));
    auto with = [&](std::size_t cert, std::size_t ct, std::size_t sig) {
        return parse_envelope(encode_message_envelope(head, Bytes(32, 0), Bytes(cert, 1),
                                                      Bytes(ct, 2), Bytes(sig, 3)));
    };
    EXPECT_TRUE(with(1, 32, 1));
    EXPECT_FALSE(with(0, 32, 1));
    EXPECT_FALSE(with(proto::kMaxCertBytes + 1, 32, 1));
    EXPECT_FALSE(with(1, 31, 1));
    EXPECT_TRUE(with(1, proto::kMaxChatCt, 1));
    EXPECT_FALSE(with(1, proto::kMaxChatCt + 1, 1));
    EXPECT_FALSE(with(1, 32, 0));
    EXPECT_FALSE(with(1, 32, proto::kMaxSigBytes + 1));
    EXPECT_FALSE(parse_envelope(Bytes(proto::kMaxEnvelopeBytes + 1, 1)));
    EXPECT_FALSE(parse_envelope(Bytes()));
}

TEST(E2eEnvelope, ADeliveredStatementParsesBack) {
    Delivered d{Conversation::between("alice", "bob").value(),
                filled<Fingerprint>(1),
                filled<Fingerprint>(2),
                filled<MessageId>(3),
                4,
                Bytes(32, 5),
                6};
    auto delivered = encode_delivered(d);
    EXPECT_EQ(delivered.size(), 2u + 10 + 32 + 32 + 16 + 8 + 32 + 8);
    auto body = encode_delivered_envelope(delivered, Bytes(10, 7), Bytes(64, 8));
    auto env = parse_delivered_envelope(body);
    ASSERT_TRUE(env) << env.error().message;
    EXPECT_EQ(env->delivered_bytes, delivered);
    EXPECT_EQ(env->statement.fp_s, filled<Fingerprint>(1));
    EXPECT_EQ(env->statement.fp_r, filled<Fingerprint>(2));
    EXPECT_EQ(env->statement.seq, 4u);
    EXPECT_EQ(env->statement.ts, 6u);
    auto parsed = parse_envelope(body);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->kind, ParsedEnvelope::Kind::delivered);
    EXPECT_EQ(parsed->from_fp, filled<Fingerprint>(2));  // the signer: R
    EXPECT_EQ(parsed->to_fp, filled<Fingerprint>(1));
}

TEST(E2eEnvelope, TheSignedStringsHaveTheirContexts) {
    auto head = encode_head(sample_head(false));
    auto signed_bytes = message_signed(head, Bytes(40, 1), Bytes(32, 2));
    std::string context = "securechat/v1 e2e message";
    ASSERT_EQ(signed_bytes.size(), context.size() + 1 + head.size() + 32 + 32);
    EXPECT_TRUE(std::equal(context.begin(), context.end(), signed_bytes.begin()));
    EXPECT_EQ(signed_bytes[context.size()], 0);
    auto dsigned = delivered_signed(Bytes{1, 2});
    std::string dcontext = "securechat/v1 e2e delivered";
    EXPECT_EQ(dsigned.size(), dcontext.size() + 3);
    EXPECT_EQ(message_commitment(Bytes(16, 0), "hi").size(), 32u);
    EXPECT_NE(message_commitment(Bytes(16, 0), "hi"), message_commitment(Bytes(16, 1), "hi"));
}

}  // namespace
}  // namespace sc::e2e
