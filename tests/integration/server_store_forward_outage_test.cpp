// Store and forward while the database is down (MariaDB only: it stops and restarts the private
// server): a `send` during the outage is answered `unavailable` and nothing is stored, the
// sessions go on, and once the database is back the server has reconnected by itself: the next
// `send` is stored and delivered.
#include "server_e2e_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

std::string run_script(const std::string& verb) {
    auto r = run_command(
        {"bash", std::string(SECURECHAT_SOURCE_DIR) + "/scripts/mariadb-test-server.sh", verb});
    return r.exit_code == 0 ? "" : r.output;
}

class StoreForwardOutage : public E2eServerTest {};
INSTANTIATE_TEST_SUITE_P(Backends, StoreForwardOutage,
                         testing::ValuesIn(friends_backends_under_test()), friends_backend_name);

TEST_P(StoreForwardOutage, ASendWhileTheDatabaseIsDownIsUnavailableAndLaterOnesAreStored) {
    start();
    auto alice = registered("alice");
    auto bob = registered("bob");
    ASSERT_TRUE(alice && bob);
    befriend(*alice, *bob);
    publish(*alice, prekeys("alice", 1, {}));
    const Bytes first_mid(kMessageIdBytes, 1);
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice"), Bytes{1}, first_mid), "stored");
    auto got = next_envelope(*alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->mid, first_mid);
    {
        struct Restart {
            ~Restart() { (void)run_script("start"); }
        } restart;
        ASSERT_EQ(run_script("stop"), "");
        auto down =
            send(*bob, user("alice"), device_id("alice"), Bytes{2}, Bytes(kMessageIdBytes, 2));
        EXPECT_TRUE(down.starts_with("unavailable: ")) << down;
        // `received` is refused the same way, and the envelope stays stored.
        auto not_now = received(*alice, {got->held});
        EXPECT_EQ(not_now, "unavailable");
        EXPECT_TRUE(bob->net().chat("the database is down but the session is not"));
        ASSERT_EQ(run_script("start"), "");
    }
    // The server reconnects by itself: the same requests now succeed.
    EXPECT_EQ(received(*alice, {got->held}), "ok");
    const Bytes third_mid(kMessageIdBytes, 3);
    EXPECT_EQ(send(*bob, user("alice"), device_id("alice"), Bytes{3}, third_mid), "stored");
    auto later = next_envelope(*alice);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->mid, third_mid);
}

}  // namespace
}  // namespace sc::test
