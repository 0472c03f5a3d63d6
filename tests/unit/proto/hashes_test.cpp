#include "proto/hashes.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "pki/certificate.h"
#include "proto/key_schedule.h"
#include "proto/signed_strings.h"
#include "proto/transcript.h"

namespace sc::proto {
namespace {

// Each 32-byte role is its own type: none converts to another, nor from a plain digest.
template <typename A, typename B>
constexpr bool kInterchangeable = std::is_convertible_v<A, B> || std::is_constructible_v<B, A>;

static_assert(!kInterchangeable<HandshakeHash, TranscriptHash>);
static_assert(!kInterchangeable<TranscriptHash, HandshakeHash>);
static_assert(!kInterchangeable<HandshakeHash, SessionId>);
static_assert(!kInterchangeable<SessionId, HandshakeHash>);
static_assert(!kInterchangeable<SessionId, Fingerprint>);
static_assert(!kInterchangeable<TranscriptHash, Fingerprint>);
static_assert(!std::is_convertible_v<crypto::Sha256Digest, SessionId>);
static_assert(!std::is_convertible_v<Bytes, SessionId>);
static_assert(
    std::is_same_v<decltype(std::declval<pki::Certificate>().fingerprint()), Fingerprint>);
static_assert(std::is_same_v<decltype(std::declval<TranscriptHasher>().digest()), TranscriptHash>);
// The key schedule takes the handshake hash, not any byte string.
static_assert(!std::is_invocable_v<decltype(&KeySchedule::start), const crypto::SecretBytes&,
                                   ByteView, ByteView, ByteView>);

TEST(Hashes, TheSessionIdIsTheHandshakeHash) {
    crypto::Sha256Digest digest{};
    digest[0] = 0xab;
    digest[31] = 0xcd;
    HandshakeHash hh(digest);
    auto id = session_id_of(hh);
    EXPECT_EQ(id.hex(), hh.hex());
    EXPECT_EQ(id.hex(), to_hex(digest));
}

TEST(Hashes, TheHasherDigestIsTheSpecsTranscriptDigest) {
    TranscriptHasher hasher("header\n");
    hasher.append(Direction::c2s, "line 1\n");
    hasher.append(Direction::s2c, "line 2\n");
    auto expected = transcript_digest(crypto::sha256(as_bytes("header\n")),
                                      crypto::sha256(as_bytes("line 1\n")),
                                      crypto::sha256(as_bytes("line 2\n")));
    EXPECT_EQ(hasher.digest(), expected);
}

}  // namespace
}  // namespace sc::proto
