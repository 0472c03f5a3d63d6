#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace sc {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) {
        return fail("not positive: " + std::to_string(v));
    }
    return v;
}

Result<int> doubled(int v) {
    SC_TRY_ASSIGN(int x, parse_positive(v));
    return 2 * x;
}

Status check(int v) {
    SC_TRY(parse_positive(v));
    return {};
}

TEST(Result, CarriesValueOrError) {
    auto good = parse_positive(3);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 3);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "not positive: -1");
}

TEST(Result, TryPropagatesTheFirstError) {
    EXPECT_EQ(*doubled(4), 8);
    EXPECT_EQ(doubled(0).error().message, "not positive: 0");
    EXPECT_TRUE(check(1).ok());
    EXPECT_EQ(check(-2).error().message, "not positive: -2");
}

TEST(Result, HoldsMoveOnlyValues) {
    Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
    ASSERT_TRUE(r);
    auto p = std::move(r).value();
    EXPECT_EQ(*p, 7);
}

struct CustomError {
    int code;
};

TEST(Result, CustomErrorTypes) {
    Result<int, CustomError> r = fail(CustomError{42});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, 42);
}

}  // namespace
}  // namespace sc
