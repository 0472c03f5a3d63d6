// The [users] table (issue 10): messages_from is "friends" by default, "anyone" on request, and
// anything else, or an unknown key, is refused with the reason.
#include <gtest/gtest.h>

#include "server/settings.h"

namespace sc::server {
namespace {

std::string refusal(std::string_view text) {
    Settings s;
    auto status = load_toml_text(text, "test.toml", s);
    return status ? std::string() : status.error().message;
}

TEST(UsersSettings, MessagesFromFriendsByDefaultAndAnyoneOnRequest) {
    Settings s;
    EXPECT_EQ(s.users.messages_from, MessagesFrom::friends);
    ASSERT_TRUE(load_toml_text("[users]\nmessages_from = \"anyone\"\n", "test.toml", s));
    EXPECT_EQ(s.users.messages_from, MessagesFrom::anyone);
    ASSERT_TRUE(load_toml_text("[users]\nmessages_from = \"friends\"\n", "test.toml", s));
    EXPECT_EQ(s.users.messages_from, MessagesFrom::friends);
}

TEST(UsersSettings, OtherValuesAndKeysAreRefused) {
    EXPECT_NE(refusal("[users]\nmessages_from = \"everyone\"\n").find("\"friends\" or \"anyone\""),
              std::string::npos);
    EXPECT_NE(refusal("[users]\nmessages_from = 1\n").find("must be a string"), std::string::npos);
    EXPECT_NE(refusal("[users]\nmesages_from = \"anyone\"\n").find("mesages_from"),
              std::string::npos);
}

}  // namespace
}  // namespace sc::server
