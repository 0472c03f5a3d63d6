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
