#include "common/check.h"

#include <gtest/gtest.h>

#include "common/result.h"
#include "crypto/sha256.h"
#include "proto/limits.h"
#include "proto/wire/framer.h"

namespace sc {
namespace {

// The CI and release builds are RelWithDebInfo, which defines NDEBUG and so compiles assert() out.
// These death tests run in that build and in the Debug sanitizer build alike.
TEST(Check, FiresWithFileLineAndConditionInEveryBuildType) {
#ifdef NDEBUG
    SUCCEED() << "NDEBUG is defined: this is the release-style build";
#endif
    int answer = 41;
    EXPECT_DEATH(SC_CHECK(answer == 42),
                 "internal check failed at .*check_test\\.cpp:[0-9]+: "
                 "answer == 42");
}

TEST(Check, PassingCheckEvaluatesItsConditionOnce) {
    int calls = 0;
    SC_CHECK(++calls == 1);
    EXPECT_EQ(calls, 1);
}

TEST(Check, ValueOfAFailedResultAborts) {
    Result<int> failed = fail("no value here");
    EXPECT_DEATH((void)failed.value(), "internal check failed at .*result\\.h:[0-9]+: ok\\(\\)");
}

TEST(Check, ErrorOfASuccessfulResultAborts) {
    Result<int> good = 7;
    EXPECT_DEATH((void)good.error(), "internal check failed .*!ok\\(\\)");
    Status fine;
    EXPECT_DEATH((void)fine.error(), "internal check failed .*failed_");
}

TEST(Check, FramingAnOversizedPayloadAborts) {
    std::string too_big(proto::kMaxFramePayload + 1, 'x');
    EXPECT_DEATH((void)proto::make_frame(too_big), "internal check failed at .*framer\\.cpp");
    EXPECT_DEATH((void)proto::make_frame(""), "internal check failed at .*framer\\.cpp");
}

TEST(Check, UsingAMovedFromHashAborts) {
    crypto::Sha256 hash;
    crypto::Sha256 taken = std::move(hash);
    taken.update(as_bytes("fine"));
    EXPECT_DEATH(hash.update(as_bytes("moved away")),  // NOLINT(bugprone-use-after-move)
                 "internal check failed .*state_ != nullptr");
}

}  // namespace
}  // namespace sc
