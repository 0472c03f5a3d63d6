// Administration over the network (issue 10), on SQLite and on the real MariaDB: the first
// admin is made on the host (the store's set_role, as `securechat server admin promote` does);
// who, user_add, disable, enable and kick; a regular user is refused each and chats on.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server_users_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;
using proto::ErrorCode;
using proto::msg::UserOp;

proto::msg::Request user_command(UserOp op, const std::string& user) {
    return proto::msg::UserCommand{0, op, user};
}

proto::msg::Request user_add(const std::string& email, const std::string& user,
                             const std::string& password) {
    return proto::msg::UserAdd{0, email, user, crypto::SecretBytes(as_bytes(password))};
}

std::uint64_t unix_ms_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

class ServerAdmin : public ServerUsers {
  protected:
    // alice is the admin (promoted on the host, then logged in again); bob a regular user.
    std::unique_ptr<NetClient> start_with_admin() {
        start();
        registered("alice")->close_with_receipts();
        make_admin("alice");
        return logged_in("alice");
    }
};

INSTANTIATE_TEST_SUITE_P(Backends, ServerAdmin, ::testing::ValuesIn(users_backends_under_test()),
                         users_backend_name);

TEST_P(ServerAdmin, RegularUserIsForbiddenEachAdminRequestAndChatsOn) {
    auto alice = start_with_admin();
    auto bob = registered("bob");
    std::vector<proto::msg::Request> requests{
        proto::msg::Who{}, user_add("e@example.com", "eve", kUserPassword),
        user_command(UserOp::disable, "alice"), user_command(UserOp::enable, "alice"),
        user_command(UserOp::kick, "alice")};
    for (auto& request : requests) {
        auto result = ask_result(*bob, std::move(request));
        EXPECT_EQ(result.code, ErrorCode::forbidden) << result.message;
    }
    EXPECT_TRUE(bob->chat("still in my session"));
    EXPECT_TRUE(alice->chat("and nothing happened to me"));
    EXPECT_FALSE(account("alice").disabled);
    EXPECT_FALSE(host_store().find_account("eve").value().has_value());
}

// The role is the store's word of now: an admin demoted (or disabled) on the host while logged
// in is refused every admin request from then on, in the session that is still open.
TEST_P(ServerAdmin, AnAdminDemotedOnTheHostIsRefusedInTheSessionStillOpen) {
    auto alice = start_with_admin();
    auto bob = registered("bob");
    ASSERT_EQ(ask_result(*alice, user_command(UserOp::kick, "carol")).code, ErrorCode::no_such_user)
        << "still an admin: the request reached the store";
    ASSERT_TRUE(host_store().set_role(account("alice").id, store::Role::user));
    std::vector<proto::msg::Request> requests{
        proto::msg::Who{}, user_add("e@example.com", "eve", kUserPassword),
        user_command(UserOp::disable, "bob"), user_command(UserOp::kick, "bob")};
    for (auto& request : requests) {
        auto result = ask_result(*alice, std::move(request));
        EXPECT_EQ(result.code, ErrorCode::forbidden) << result.message;
    }
    EXPECT_FALSE(account("bob").disabled);
    EXPECT_FALSE(host_store().find_account("eve").value().has_value());
    EXPECT_TRUE(bob->chat("nothing happened to me"));
    EXPECT_TRUE(alice->chat("and my session goes on"));
}

TEST_P(ServerAdmin, WhoListsEverySessionWithItsDeviceAndSince) {
    auto laptop = issue_device("bob", "laptop");
    auto before = unix_ms_now();
    auto alice = start_with_admin();
    auto bob = registered("bob");
    auto bob_laptop = logged_in("bob", laptop);
    auto carol = registered("carol");
    auto after = unix_ms_now();
    auto answer = ask(*alice, proto::msg::Who{});
    ASSERT_TRUE(answer);
    const auto* who = std::get_if<proto::msg::WhoList>(&*answer);
    ASSERT_NE(who, nullptr);
    EXPECT_FALSE(who->truncated);
    ASSERT_EQ(who->sessions.size(), 4u);
    // By user, then by login time.
    const auto& s = who->sessions;
    EXPECT_EQ(s[0].user, "alice");
    EXPECT_EQ(s[1].user, "bob");
    EXPECT_EQ(s[2].user, "bob");
    EXPECT_EQ(s[3].user, "carol");
    EXPECT_EQ(s[1].device, ca_.client("bob").chain.front().fingerprint().hex());
    EXPECT_EQ(s[1].name, "default");
    EXPECT_EQ(s[2].device, ca_.client(laptop).chain.front().fingerprint().hex());
    EXPECT_EQ(s[2].name, "laptop");
    for (const auto& entry : s) {
        EXPECT_EQ(entry.device.size(), 64u);
        EXPECT_GE(entry.since, before);
        EXPECT_LE(entry.since, after);
    }
    EXPECT_LE(s[1].since, s[2].since);

    // A session that ends leaves the list.
    ASSERT_TRUE(carol->close_with_receipts());
    answer = ask(*alice, proto::msg::Who{});
    ASSERT_TRUE(answer);
    who = std::get_if<proto::msg::WhoList>(&*answer);
    ASSERT_NE(who, nullptr);
    for (int i = 0; i < 200 && who->sessions.size() != 3u; ++i) {  // its close is on its strand
        std::this_thread::sleep_for(10ms);
        answer = ask(*alice, proto::msg::Who{});
        who = std::get_if<proto::msg::WhoList>(&*answer);
    }
    EXPECT_EQ(who->sessions.size(), 3u);
}

TEST_P(ServerAdmin, UserAddMakesAnAccountItsCertificateCanLogInTo) {
    auto alice = start_with_admin();
    auto added = ask_result(*alice, user_add("carol@example.com", "carol", kUserPassword));
    EXPECT_FALSE(added.code) << added.message;
    EXPECT_EQ(account("carol").role, store::Role::user);
    auto carol = logged_in("carol");
    EXPECT_TRUE(carol->chat("an admin made my account"));

    auto taken = ask_result(*alice, user_add("other@example.com", "carol", kUserPassword));
    EXPECT_EQ(taken.code, ErrorCode::registration_failed);
    EXPECT_NE(taken.message.find("taken"), std::string::npos) << taken.message;
    auto bad_email = ask_result(*alice, user_add("no-at-sign", "dave", kUserPassword));
    EXPECT_EQ(bad_email.code, ErrorCode::invalid_request);
    EXPECT_NE(bad_email.message.find("@"), std::string::npos) << bad_email.message;
    auto weak = ask_result(*alice, user_add("dave@example.com", "dave", "short"));
    EXPECT_EQ(weak.code, ErrorCode::invalid_request);
    EXPECT_NE(weak.message.find("at least"), std::string::npos) << weak.message;
    EXPECT_TRUE(alice->chat("my session goes on after refusals"));
}

TEST_P(ServerAdmin, DisableClosesTheLiveSessionsAndRefusesTheNextLogin) {
    auto laptop = issue_device("bob", "laptop");
    auto alice = start_with_admin();
    auto bob = registered("bob");
    auto bob_laptop = logged_in("bob", laptop);
    ASSERT_TRUE(bob->chat("before"));

    auto disabled = ask_result(*alice, user_command(UserOp::disable, "bob"));
    EXPECT_FALSE(disabled.code) << disabled.message;
    EXPECT_NE(disabled.message.find("2 sessions"), std::string::npos) << disabled.message;
    // Each of bob's sessions: session_end account_disabled, then the receipts.
    EXPECT_EQ(wait_ended_with_receipts(*bob), ErrorCode::account_disabled);
    EXPECT_EQ(wait_ended_with_receipts(*bob_laptop), ErrorCode::account_disabled);
    EXPECT_TRUE(bob->wait_closed(10s));
    EXPECT_TRUE(account("bob").disabled);

    auto again = connect("bob");
    EXPECT_FALSE(again->login("bob", kUserPassword));
    EXPECT_EQ(peer_code(*again), "account_disabled") << again->peer_error();
    EXPECT_NE(again->peer_error().find("this account is disabled; ask an administrator"),
              std::string::npos)
        << again->peer_error();
    // Without the password nobody learns that the account is disabled.
    auto guess = connect("bob");
    EXPECT_FALSE(guess->login("bob", "not the password"));
    EXPECT_EQ(peer_code(*guess), "auth_failed") << guess->peer_error();

    auto enabled = ask_result(*alice, user_command(UserOp::enable, "bob"));
    EXPECT_FALSE(enabled.code) << enabled.message;
    EXPECT_FALSE(account("bob").disabled);
    EXPECT_TRUE(logged_in("bob")->chat("back again"));
    EXPECT_TRUE(alice->chat("the admin's session went on throughout"));
}

TEST_P(ServerAdmin, AccountDisabledOnTheHostIsClosedAtTheReload) {
    auto alice = start_with_admin();
    auto bob = registered("bob");
    auto carol = registered("carol");
    auto disabled = host_store().set_disabled(account("bob").id, true);  // `server admin disable`
    ASSERT_TRUE(disabled && *disabled);
    server_->server().reload();  // SIGHUP
    EXPECT_EQ(wait_ended_with_receipts(*bob), ErrorCode::account_disabled);
    EXPECT_TRUE(carol->chat("still here"));
    EXPECT_TRUE(alice->chat("me too"));
}

TEST_P(ServerAdmin, KickEndsEverySessionOfTheUserWhoMayLogInAgain) {
    auto alice = start_with_admin();
    auto bob = registered("bob");
    auto carol = registered("carol");
    auto kicked = ask_result(*alice, user_command(UserOp::kick, "BOB"));
    EXPECT_FALSE(kicked.code) << kicked.message;
    EXPECT_NE(kicked.message.find("1 session"), std::string::npos) << kicked.message;
    EXPECT_EQ(wait_ended_with_receipts(*bob), ErrorCode::kicked);
    EXPECT_TRUE(carol->chat("not me"));
    EXPECT_FALSE(account("bob").disabled);  // a kick changes nothing in the store
    EXPECT_TRUE(logged_in("bob")->chat("logged in again"));
}

TEST_P(ServerAdmin, UserCommandsNameTheirRefusalsAndAnAdminMayKickButNotDisableThemself) {
    auto alice = start_with_admin();
    auto nobody = ask_result(*alice, user_command(UserOp::disable, "nobody"));
    EXPECT_EQ(nobody.code, ErrorCode::no_such_user) << nobody.message;
    EXPECT_EQ(ask_result(*alice, user_command(UserOp::kick, "nobody")).code,
              ErrorCode::no_such_user);
    auto malformed = ask_result(*alice, user_command(UserOp::kick, "1x"));
    EXPECT_EQ(malformed.code, ErrorCode::invalid_request) << malformed.message;
    // Decided: disabling oneself is refused (the account might be the last admin's) ...
    auto self_disable = ask_result(*alice, user_command(UserOp::disable, "alice"));
    EXPECT_EQ(self_disable.code, ErrorCode::invalid_request) << self_disable.message;
    EXPECT_FALSE(account("alice").disabled);
    // ... and kicking oneself ends one's sessions, after the answer.
    auto self_kick = ask_result(*alice, user_command(UserOp::kick, "alice"));
    EXPECT_FALSE(self_kick.code) << self_kick.message;
    EXPECT_EQ(wait_ended_with_receipts(*alice), ErrorCode::kicked);
}

}  // namespace
}  // namespace sc::test
