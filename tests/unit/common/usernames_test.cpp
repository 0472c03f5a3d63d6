#include "common/usernames.h"

#include <gtest/gtest.h>

#include <string>

#include "proto/limits.h"

namespace sc {
namespace {

TEST(Usernames, AcceptTheAccountRules) {
    for (const char* good : {"alice", "bob", "a.b", "Z_9-x", "abc"}) {
        EXPECT_TRUE(is_valid_username(good)) << good;
        EXPECT_FALSE(username_problem(good)) << good;
    }
    EXPECT_TRUE(is_valid_username(std::string(proto::kMaxUsernameBytes, 'a')));
}

TEST(Usernames, RefuseEachBrokenRuleInWords) {
    EXPECT_EQ(username_problem("ab").value(), "username must be 3-32 characters");
    EXPECT_EQ(username_problem(std::string(proto::kMaxUsernameBytes + 1, 'a')).value(),
              "username must be 3-32 characters");
    EXPECT_EQ(username_problem("a b").value(),
              "username may only contain letters, digits, '_', '.', '-'");
    EXPECT_EQ(username_problem("1abc").value(), "username must start with a letter");
    for (const char* bad : {"", "a/bc", "al@ce", "_abc", "alice\n", "\xc3\xa9t\xc3\xa9"}) {
        EXPECT_FALSE(is_valid_username(bad)) << bad;
    }
}

TEST(DeviceNames, AllowOneTo64NameCharactersAndNothingElse) {
    for (const char* good : {"laptop", "a", "phone-2", "x.y_z", "0"}) {
        EXPECT_TRUE(is_valid_device_name(good)) << good;
    }
    EXPECT_TRUE(is_valid_device_name(std::string(proto::kMaxDeviceNameBytes, 'd')));
    EXPECT_FALSE(is_valid_device_name(std::string(proto::kMaxDeviceNameBytes + 1, 'd')));
    for (const char* bad : {"", "a/b", "a b", "lap@top", "a:b", "t\x1b"}) {
        EXPECT_FALSE(is_valid_device_name(bad)) << bad;
        EXPECT_TRUE(device_name_problem(bad)) << bad;
    }
}

}  // namespace
}  // namespace sc
