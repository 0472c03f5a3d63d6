#include "common/strong.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

#include "common/ids.h"

namespace sc {
namespace {

struct ATag;
struct BTag;
using A = StrongArray<ATag, 4>;
using B = StrongArray<BTag, 4>;
struct VarTag;
using Var = Strong<Bytes, VarTag>;

// Roles differ, so types differ: no conversion from the representation, nor between tags.
static_assert(!std::is_convertible_v<std::array<std::uint8_t, 4>, A>);
static_assert(std::is_constructible_v<A, std::array<std::uint8_t, 4>>);
static_assert(!std::is_convertible_v<A, B> && !std::is_constructible_v<B, A>);
static_assert(!std::is_convertible_v<A, ByteView>);
static_assert(!std::is_convertible_v<Bytes, Var>);
static_assert(!std::is_same_v<SessionId, Fingerprint>);
static_assert(!std::is_constructible_v<SessionId, Fingerprint>);
static_assert(!std::is_constructible_v<MessageId, SessionId>);
static_assert(SessionId::kSize == 32 && Fingerprint::kSize == 32 && MessageId::kSize == 16);

TEST(Strong, ReadsBackWhatItWasMadeOf) {
    A a(std::array<std::uint8_t, 4>{0xde, 0xad, 0xbe, 0xef});
    EXPECT_EQ(a.hex(), "deadbeef");
    EXPECT_EQ(to_hex(a), "deadbeef");
    EXPECT_EQ(a.size(), 4u);
    EXPECT_EQ(a.view().size(), 4u);
    EXPECT_EQ(a.bytes()[0], 0xde);
    EXPECT_EQ(A().hex(), "00000000");  // default: all zero
}

TEST(Strong, FromViewAndHexWantTheExactLength) {
    EXPECT_EQ(A::from_hex("DEADbeef")->hex(), "deadbeef");
    EXPECT_FALSE(A::from_hex("deadbe"));
    EXPECT_FALSE(A::from_hex("deadbeef00"));
    EXPECT_FALSE(A::from_hex("deadbeeg"));
    Bytes three{1, 2, 3};
    EXPECT_FALSE(A::from_view(three));
    EXPECT_EQ(Var::from_view(three)->bytes(), three);
    EXPECT_EQ(Var::from_hex("")->size(), 0u);
}

TEST(Strong, EqualityComparesEveryByte) {
    auto a = *A::from_hex("00112233");
    EXPECT_EQ(a, *A::from_hex("00112233"));
    EXPECT_NE(a, *A::from_hex("80112233"));
    EXPECT_NE(a, *A::from_hex("00112232"));
    EXPECT_NE(Var(Bytes{1, 2}), Var(Bytes{1, 2, 0}));
    EXPECT_EQ(Var(Bytes{}), Var());
}

TEST(Strong, KeysAnUnorderedSet) {
    std::unordered_set<A> set;
    set.insert(*A::from_hex("00112233"));
    set.insert(*A::from_hex("00112233"));
    set.insert(*A::from_hex("00112234"));
    EXPECT_EQ(set.size(), 2u);
    EXPECT_EQ(set.count(*A::from_hex("00112234")), 1u);
}

TEST(EqualConstantTime, MatchesOrdinaryEquality) {
    Bytes x{1, 2, 3}, y{1, 2, 3}, z{1, 2, 4};
    EXPECT_TRUE(equal_constant_time(x, y));
    EXPECT_FALSE(equal_constant_time(x, z));
    EXPECT_FALSE(equal_constant_time(x, ByteView(x).first(2)));
    EXPECT_TRUE(equal_constant_time({}, {}));
}

}  // namespace
}  // namespace sc
