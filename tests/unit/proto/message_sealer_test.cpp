#include "proto/message_sealer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/internal/aead_raw.h"
#include "proto/record_layer.h"

namespace sc::proto {
namespace {

using crypto::SecretAccess;
using crypto::SecretBytes;

TrafficKey key_of(std::uint8_t seed) {
    auto key = crypto::Aes256GcmKey::create(SecretBytes(Bytes(32, seed)));
    EXPECT_TRUE(key);
    TrafficKey out{std::move(key).value(), {}};
    std::fill(out.iv.begin(), out.iv.end(), static_cast<std::uint8_t>(seed + 1));
    return out;
}

SessionId session(std::uint8_t b) {
    std::array<std::uint8_t, kSessionIdBytes> id{};
    id.fill(b);
    return SessionId(id);
}

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

std::string as_text(const SecretBytes& b) {
    return std::string(b.reveal_text(SecretAccess{}));
}

TEST(MessageSealer, NumbersMsgsFromOneAndNeverRepeats) {
    MessageSealer sealer(session(7), Direction::c2s, 1, key_of(1));
    EXPECT_EQ(sealer.next_seqno(), 1u);
    auto a = sealer.seal(1000, text("same"));
    auto b = sealer.seal(1000, text("same"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->seqno, 1u);
    EXPECT_EQ(b->seqno, 2u);
    EXPECT_NE(a->ct, b->ct);  // same text, same ts: a different nonce
    sealer.rekey(2, key_of(3));
    auto c = sealer.seal(1000, text("same"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->seqno, 3u);  // the count goes on across epochs
    EXPECT_EQ(sealer.epoch(), 2u);
}

// The bytes are those of PROTOCOL.md §6, made with the raw primitive: nonce from the seqno,
// AD = message_ad(session, dir, seqno, ts, epoch).
TEST(MessageSealer, SealsExactlyAsTheSpecSays) {
    MessageSealer sealer(session(7), Direction::s2c, 4, key_of(1));
    (void)sealer.seal(5, text("first"));
    auto sealed = sealer.seal(99, text("salt-and-text"));
    ASSERT_TRUE(sealed);
    auto k = key_of(1);
    auto expected = crypto::internal::seal(k.key, nonce_for(k.iv, 2), text("salt-and-text"),
                                           message_ad(session(7), Direction::s2c, 2, 99, 4));
    ASSERT_TRUE(expected);
    EXPECT_EQ(sealed->ct, *expected);
}

TEST(MessageOpener, OpensWhatTheSealerSealedWithTheSameValuesOnly) {
    MessageSealer sealer(session(7), Direction::c2s, 1, key_of(1));
    MessageOpener opener(session(7), Direction::c2s, 1, key_of(1));
    auto sealed = sealer.seal(1234, text("hello"));
    ASSERT_TRUE(sealed);
    auto opened = opener.open(sealed->seqno, 1234, sealed->ct);
    ASSERT_TRUE(opened);
    EXPECT_EQ(as_text(*opened), "hello");
    EXPECT_TRUE(opener.open(sealed->seqno, 1234, sealed->ct));  // opening twice is harmless

    EXPECT_FALSE(opener.open(sealed->seqno + 1, 1234, sealed->ct));  // another seqno
    EXPECT_FALSE(opener.open(sealed->seqno, 1235, sealed->ct));      // another ts
    MessageOpener other_dir(session(7), Direction::s2c, 1, key_of(1));
    EXPECT_FALSE(other_dir.open(sealed->seqno, 1234, sealed->ct));
    MessageOpener other_session(session(8), Direction::c2s, 1, key_of(1));
    EXPECT_FALSE(other_session.open(sealed->seqno, 1234, sealed->ct));
    MessageOpener other_epoch(session(7), Direction::c2s, 2, key_of(1));
    EXPECT_FALSE(other_epoch.open(sealed->seqno, 1234, sealed->ct));
    Bytes flipped = sealed->ct;
    flipped[0] ^= 1;
    EXPECT_FALSE(opener.open(sealed->seqno, 1234, flipped));
}

TEST(MessageOpener, ARekeyedOpenerTakesOnlyTheNewEpoch) {
    MessageSealer sealer(session(7), Direction::c2s, 1, key_of(1));
    MessageOpener opener(session(7), Direction::c2s, 1, key_of(1));
    auto old = sealer.seal(1, text("epoch 1"));
    sealer.rekey(2, key_of(5));
    opener.rekey(2, key_of(5));
    auto now = sealer.seal(1, text("epoch 2"));
    ASSERT_TRUE(old && now);
    EXPECT_FALSE(opener.open(old->seqno, 1, old->ct));
    auto opened = opener.open(now->seqno, 1, now->ct);
    ASSERT_TRUE(opened);
    EXPECT_EQ(as_text(*opened), "epoch 2");
}

}  // namespace
}  // namespace sc::proto
