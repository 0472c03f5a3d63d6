// Friends while the database is down (MariaDB only: it stops and restarts the private server):
// requests are answered `unavailable`, the session goes on, and once the database is back the
// same request succeeds and reaches the other side.
#include "server_friends_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using proto::msg::FriendOp;

std::string run_script(const std::string& verb) {
    auto r = run_command(
        {"bash", std::string(SECURECHAT_SOURCE_DIR) + "/scripts/mariadb-test-server.sh", verb});
    return r.exit_code == 0 ? "" : r.output;
}

TEST_P(FriendsTest, StoreDownIsAnsweredUnavailableAndTheSessionGoesOn) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    struct Restart {
        ~Restart() { (void)run_script("start"); }
    } restart;
    ASSERT_EQ(run_script("stop"), "");
    auto down = alice->command(FriendOp::request, user("bob"));
    ASSERT_TRUE(down.code);
    EXPECT_EQ(*down.code, proto::ErrorCode::unavailable) << down.message;
    EXPECT_TRUE(alice->net().chat("the database is down but I am not"));

    ASSERT_EQ(run_script("start"), "");
    auto up = alice->command(FriendOp::request, user("bob"));
    EXPECT_FALSE(up.code) << up.message;
    EXPECT_EQ(describe(bob->next_push()), "friend_event request " + user("alice"));
}

}  // namespace
}  // namespace sc::test
