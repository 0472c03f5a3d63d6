#include "e2e/ratchet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/secret.h"
#include "proto/limits.h"
#include "testing/deterministic_entropy.h"

namespace sc::e2e {
namespace {

using crypto::SecretAccess;
using crypto::SecretBytes;
using crypto::X25519KeyPair;

X25519KeyPair pair(std::uint8_t fill) {
    return X25519KeyPair::from_private(SecretBytes(Bytes(32, fill))).value();
}

struct Message {
    RatchetHeader header;
    Bytes ad;
    Bytes ct;
};

// Two ratchets from one SK, as §10.4 initialises them; the AD stands in for the envelope head.
struct Pair {
    Pair()
        : b(Ratchet::responder(SecretBytes(Bytes(32, 0x5c)), pair(0x22))),
          a(Ratchet::initiator(SecretBytes(Bytes(32, 0x5c)), pair(0x22).public_key(), pair(0x44))
                .value()) {}
    sc::test::DeterministicEntropy entropy{"ratchet test"};
    Ratchet b;
    Ratchet a;
};

Message seal(Ratchet& r, const std::string& text) {
    auto sending = r.next_send();
    EXPECT_TRUE(sending) << sending.error().message;
    Message m{sending->header, Bytes(), {}};
    m.ad = {1, 2, 3, static_cast<std::uint8_t>(m.header.n)};
    m.ct = seal_with_message_key(sending->mk, SecretBytes(as_bytes(text)), m.ad).value();
    return m;
}

Result<std::string> open(Ratchet& r, const Message& m, proto::Entropy& entropy) {
    SC_TRY_ASSIGN(auto plain, r.decrypt(m.header, m.ct, m.ad, entropy));
    return std::string(plain.reveal_text(SecretAccess{}));
}

TEST(E2eRatchet, RoundTripsBothWaysOverSeveralDhSteps) {
    Pair p;
    EXPECT_FALSE(p.b.can_send());
    std::vector<Bytes> keys_a, keys_b;
    for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 3; ++i) {
            auto text = "a" + std::to_string(round) + "." + std::to_string(i);
            auto m = seal(p.a, text);
            EXPECT_EQ(m.header.n, static_cast<std::uint32_t>(i));
            auto got = open(p.b, m, p.entropy);
            ASSERT_TRUE(got) << got.error().message;
            EXPECT_EQ(*got, text);
        }
        keys_a.push_back(p.a.own_public());
        ASSERT_TRUE(p.b.can_send());
        for (int i = 0; i < 2; ++i) {
            auto text = "b" + std::to_string(round) + "." + std::to_string(i);
            auto m = seal(p.b, text);
            auto got = open(p.a, m, p.entropy);
            ASSERT_TRUE(got) << got.error().message;
            EXPECT_EQ(*got, text);
        }
        keys_b.push_back(p.b.own_public());
    }
    // Each round trip was a DH step on both sides: every ratchet key differs.
    for (std::size_t i = 1; i < keys_a.size(); ++i) {
        EXPECT_NE(keys_a[i], keys_a[i - 1]);
        EXPECT_NE(keys_b[i], keys_b[i - 1]);
    }
}

TEST(E2eRatchet, OutOfOrderDeliveryWithinTheBoundsDecrypts) {
    Pair p;
    std::vector<Message> first;
    for (int i = 0; i < 5; ++i) {
        first.push_back(seal(p.a, "m" + std::to_string(i)));
    }
    ASSERT_TRUE(open(p.b, first[4], p.entropy));
    auto reply = seal(p.b, "reply");
    ASSERT_TRUE(open(p.a, reply, p.entropy));
    auto later = seal(p.a, "later");  // a new chain, pn = 5
    EXPECT_EQ(later.header.pn, 5u);
    ASSERT_TRUE(open(p.b, later, p.entropy));
    EXPECT_EQ(p.b.skipped_count(), 4u);
    for (int i : {2, 0, 3, 1}) {
        auto got = open(p.b, first[static_cast<std::size_t>(i)], p.entropy);
        ASSERT_TRUE(got) << i << ": " << got.error().message;
        EXPECT_EQ(*got, "m" + std::to_string(i));
    }
    EXPECT_EQ(p.b.skipped_count(), 0u);
}

TEST(E2eRatchet, AHeaderSkippingMoreThanTheBoundIsRefused) {
    Pair p;
    Message m;
    for (std::size_t i = 0; i <= proto::kMaxSkippedPerChain + 1; ++i) {
        m = seal(p.a, "x");
        if (i == proto::kMaxSkippedPerChain) {
            Pair q = p;  // n = 1000: exactly the bound, accepted (on a copy)
            ASSERT_TRUE(open(q.b, m, q.entropy));
        }
    }
    EXPECT_EQ(m.header.n, proto::kMaxSkippedPerChain + 1);
    auto refused = open(p.b, m, p.entropy);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("skips more than"), std::string::npos);
}

TEST(E2eRatchet, SkippedKeysAreBoundedAndTheOldestGoFirst) {
    Pair p;
    auto oldest = seal(p.a, "oldest");
    // Three chains of A, each skipped as far as allowed: 3 × 1000 skipped keys in all.
    for (int chain = 0; chain < 3; ++chain) {
        Message last;
        for (std::size_t i = chain == 0 ? 1 : 0; i <= proto::kMaxSkippedPerChain; ++i) {
            last = seal(p.a, "m");
        }
        ASSERT_TRUE(open(p.b, last, p.entropy)) << chain;
        ASSERT_TRUE(open(p.a, seal(p.b, "r"), p.entropy));
    }
    EXPECT_EQ(p.b.skipped_count(), proto::kMaxSkippedKeys);
    EXPECT_FALSE(open(p.b, oldest, p.entropy));  // pushed out
}

TEST(E2eRatchet, AMessageKeyIsUsedOnce) {
    Pair p;
    auto m0 = seal(p.a, "zero");
    auto m1 = seal(p.a, "one");
    ASSERT_TRUE(open(p.b, m1, p.entropy));
    ASSERT_TRUE(open(p.b, m0, p.entropy));   // from the skipped keys
    EXPECT_FALSE(open(p.b, m0, p.entropy));  // deleted once used
    EXPECT_FALSE(open(p.b, m1, p.entropy));
}

TEST(E2eRatchet, AForgedMessageLeavesTheStateUnchanged) {
    Pair p;
    auto m = seal(p.a, "genuine");
    auto before = p.b.serialize();
    auto forged = m;
    forged.ct[3] ^= 1;
    EXPECT_FALSE(open(p.b, forged, p.entropy));
    auto wrong_ad = m;
    wrong_ad.ad.push_back(0);
    EXPECT_FALSE(open(p.b, wrong_ad, p.entropy));
    auto new_key = m;
    new_key.header.dh = pair(0x77).public_key();
    EXPECT_FALSE(open(p.b, new_key, p.entropy));
    EXPECT_TRUE(p.b.serialize() == before);
    EXPECT_TRUE(open(p.b, m, p.entropy));
}

TEST(E2eRatchet, SerializesAndContinues) {
    Pair p;
    auto m0 = seal(p.a, "zero");
    seal(p.a, "one");
    auto m2 = seal(p.a, "two");
    ASSERT_TRUE(open(p.b, m2, p.entropy));
    auto copy = Ratchet::deserialize(p.b.serialize().reveal(SecretAccess{}));
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_TRUE(copy->serialize() == p.b.serialize());
    auto got = open(*copy, m0, p.entropy);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "zero");
    auto bytes = p.b.serialize();
    auto view = bytes.reveal(SecretAccess{});
    EXPECT_FALSE(Ratchet::deserialize(view.first(view.size() - 1)));
    Bytes longer(view.begin(), view.end());
    longer.push_back(0);
    EXPECT_FALSE(Ratchet::deserialize(longer));
}

TEST(E2eRatchet, TheKdfsAreTheSpecs) {
    // KDF_CK: mk and ck' differ from each other and from ck; the message key has 32 + 12 bytes.
    SecretBytes ck(Bytes(32, 0x01));
    auto step = kdf_ck(ck).value();
    EXPECT_FALSE(step.mk == step.ck);
    EXPECT_FALSE(step.ck == ck);
    auto mk = message_key(step.mk).value();
    EXPECT_EQ(mk.key.size(), 32u);
    EXPECT_EQ(mk.nonce.size(), 12u);
    auto root = kdf_rk(SecretBytes(Bytes(32, 2)), SecretBytes(Bytes(32, 3))).value();
    EXPECT_EQ(root.rk.size(), 32u);
    EXPECT_EQ(root.ck.size(), 32u);
    EXPECT_FALSE(root.rk == root.ck);
}

}  // namespace
}  // namespace sc::e2e
