#include "crypto/secret.h"

#include <gtest/gtest.h>

namespace sc::crypto {
namespace {

TEST(SecretBytes, ComparesByContent) {
    Bytes a{1, 2, 3};
    Bytes b{1, 2, 4};
    EXPECT_TRUE(SecretBytes(a) == SecretBytes(a));
    EXPECT_FALSE(SecretBytes(a) == SecretBytes(b));
    EXPECT_FALSE(SecretBytes(a) == SecretBytes(Bytes{1, 2}));
}

TEST(CtEqual, HandlesEmptyAndDifferentLengths) {
    EXPECT_TRUE(ct_equal({}, {}));
    Bytes a{9};
    EXPECT_FALSE(ct_equal(a, {}));
}

TEST(SecureWipe, ZeroesMemory) {
    std::uint8_t buf[16];
    std::fill(std::begin(buf), std::end(buf), 0xAB);
    secure_wipe(buf, sizeof buf);
    for (auto b : buf) {
        EXPECT_EQ(b, 0);
    }
}

TEST(WipingAllocator, WipesOnDeallocate) {
    // Deallocation goes through secure_wipe; observe it on a buffer we keep alive ourselves.
    WipingAllocator<std::uint8_t> alloc;
    std::uint8_t* p = alloc.allocate(32);
    std::fill(p, p + 32, 0xCD);
    std::vector<std::uint8_t> seen(p, p + 32);
    EXPECT_EQ(seen[0], 0xCD);
    alloc.deallocate(p, 32);  // no read after free: the wipe itself is tested by SecureWipe
}

}  // namespace
}  // namespace sc::crypto

#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "support/temp_dir.h"

namespace sc::crypto {
namespace {

// Review I3: private keys are read with read(2) into wiped memory (SecretBytes), with bounds.
TEST(Hardening, I3_KeyFilesAreReadIntoSecretBytesWithBounds) {
    sc::test::TempDir dir;
    auto key = PrivateKey::generate(KeyType::ed25519);
    ASSERT_TRUE(key);
    auto pem = key->to_pem();
    ASSERT_TRUE(pem);
    const auto path = dir / "server.key";
    sc::test::write_text(path, std::string(pem->reveal_text(SecretAccess{})));

    auto read = read_secret_file(path);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(*read == *pem);
    auto loaded = load_private_key(path);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded->public_key().same_key_as(key->public_key()));

    auto too_big = read_secret_file(path, pem->size() - 1);
    ASSERT_FALSE(too_big);
    EXPECT_NE(too_big.error().message.find("larger than"), std::string::npos);
    auto directory = read_secret_file(dir.path());
    ASSERT_FALSE(directory);
    EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
    auto missing = load_private_key(dir / "nope.key");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nope.key"), std::string::npos);
    sc::test::write_text(dir / "junk.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n");
    auto junk = load_private_key(dir / "junk.key");
    ASSERT_FALSE(junk);
    EXPECT_NE(junk.error().message.find("junk.key: not an unencrypted PEM private key"),
              std::string::npos)
        << junk.error().message;
}

}  // namespace
}  // namespace sc::crypto
