#include "e2e/x3dh.h"

#include <gtest/gtest.h>

#include "crypto/secret.h"
#include "support/hex.h"

namespace sc::e2e {
namespace {

using crypto::SecretAccess;
using crypto::SecretBytes;
using crypto::X25519KeyPair;

X25519KeyPair pair(std::uint8_t fill) {
    return X25519KeyPair::from_private(SecretBytes(Bytes(32, fill))).value();
}

Fingerprint fp(std::uint8_t fill) {
    std::array<std::uint8_t, 32> bytes{};
    bytes.fill(fill);
    return Fingerprint(bytes);
}

struct Keys {
    X25519KeyPair ek = pair(0x11), spk = pair(0x22), opk = pair(0x33);
};

TEST(E2eX3dh, BothSidesDeriveTheSameSecretWithAOneTimePrekey) {
    Keys k;
    X3dhContext ctx{fp(0xa1), fp(0xb2), 7, 9, k.ek.public_key()};
    auto a = x3dh_initiator(ctx, k.ek, k.spk.public_key(), k.opk.public_key());
    auto b = x3dh_responder(ctx, k.spk, &k.opk);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(a->size(), 32u);
    EXPECT_TRUE(*a == *b);
}

TEST(E2eX3dh, BothSidesDeriveTheSameSecretWithoutAOneTimePrekey) {
    Keys k;
    X3dhContext ctx{fp(0xa1), fp(0xb2), 7, 0, k.ek.public_key()};
    auto a = x3dh_initiator(ctx, k.ek, k.spk.public_key(), {});
    auto b = x3dh_responder(ctx, k.spk, nullptr);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(*a == *b);
    // And it is not the secret with the one-time prekey.
    X3dhContext with{fp(0xa1), fp(0xb2), 7, 9, k.ek.public_key()};
    auto c = x3dh_initiator(with, k.ek, k.spk.public_key(), k.opk.public_key());
    ASSERT_TRUE(c);
    EXPECT_FALSE(*a == *c);
}

TEST(E2eX3dh, TheSecretBindsBothDevicesAndThePrekeyIds) {
    Keys k;
    X3dhContext base{fp(0xa1), fp(0xb2), 7, 9, k.ek.public_key()};
    auto sk = x3dh_responder(base, k.spk, &k.opk).value();
    for (auto change : {0, 1, 2, 3}) {
        auto ctx = base;
        if (change == 0)
            ctx.fp_a = fp(0xa2);
        if (change == 1)
            ctx.fp_b = fp(0xb3);
        if (change == 2)
            ctx.spk_id = 8;
        if (change == 3)
            ctx.opk_id = 10;
        auto other = x3dh_responder(ctx, k.spk, &k.opk);
        ASSERT_TRUE(other);
        EXPECT_FALSE(*other == sk) << "change " << change;
    }
}

TEST(E2eX3dh, RefusesALowOrderEphemeralKeyAndAMissingOneTimeKey) {
    Keys k;
    X3dhContext zero{fp(0xa1), fp(0xb2), 7, 0, Bytes(32, 0)};
    EXPECT_FALSE(x3dh_responder(zero, k.spk, nullptr));
    X3dhContext missing{fp(0xa1), fp(0xb2), 7, 9, k.ek.public_key()};
    EXPECT_FALSE(x3dh_responder(missing, k.spk, nullptr));
}

}  // namespace
}  // namespace sc::e2e
