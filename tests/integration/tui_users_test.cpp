// The full-screen client's friend pane and users commands, driven in tmux against a scripted
// server (scripted_server.h) that answers with the friends, pushes and session ends the test
// chooses: a friend request shown so it can be answered, presence in the pane, and a kick
// shown as the reason the session ended.
#include <gtest/gtest.h>

#include "chat_e2e_fixture.h"
#include "scripted_server.h"
#include "support/run_command.h"
#include "tmux.h"

namespace sc::test {
namespace {

namespace msg = proto::msg;
using proto::ErrorCode;

class TerminalUiUsers : public ::testing::Test {
  protected:
    TerminalUiUsers() : ca_(tmp_ / "ca") {}
    void SetUp() override {
        if (run_command({"tmux", "-V"}).exit_code != 0) {
            FAIL() << "tmux is missing (scripts/setup.sh installs it)";
        }
    }
    std::string chat_command(unsigned short port) const {
        return securechat_binary() + " chat --server 127.0.0.1:" + std::to_string(port) + " --ca " +
               (ca_.dir / "ca.crt").string() + " --cert " + (ca_.dir / "client.crt").string() +
               " --key " + (ca_.dir / "client.key").string() + " --server-name server --data-dir " +
               (tmp_ / "client").string();
    }
    void log_in(Tmux& tmux, unsigned short port) {
        tmux.line(chat_command(port));
        ASSERT_TRUE(tmux.wait_for("connected to 127.0.0.1")) << tmux.screen();
        tmux.line("/login client");
        ASSERT_TRUE(tmux.wait_for("password for client:")) << tmux.screen();
        tmux.line("any password");
        ASSERT_TRUE(tmux.wait_for("logged in as client")) << tmux.screen();
    }
    TempDir tmp_;
    TestCa ca_;
};

const std::string kEvil = "ev\x1b]2;owned\x07il";

TEST_F(TerminalUiUsers, AFriendRequestIsShownToAnswerAndThePaneFollowsPresence) {
    ScriptedServer server(ca_, [](proto::ServerSession& s, const msg::Request& r) {
        proto::Output out;
        if (std::holds_alternative<msg::ListFriends>(r)) {  // sent by the UI at login
            out.append(s.push(msg::FriendEvent{msg::FriendEventKind::request, "bob"}));
            out.append(s.answer(msg::FriendList{.id = msg::request_id(r),
                                                .friends = {"carol", "dave"},
                                                .online = {"carol"},
                                                .incoming = {"bob"},
                                                .outgoing = {"erin"}}));
        } else {
            // Names must be usernames (the protocol core refuses others); free text may hold
            // anything, and is drawn with its escapes made visible.
            out.append(answer_ok(s, r, kEvil));
            out.append(s.push(msg::FriendEvent{msg::FriendEventKind::added, "bob"}));
            out.append(s.push(msg::Presence{"bob", true}));
            out.append(s.push(msg::Presence{"carol", false}));
        }
        return out;
    });
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    ASSERT_TRUE(tmux.wait_for("bob wants to be your friend: /friend accept bob or"))
        << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("│… erin")) << tmux.screen();  // the list arrived
    auto screen = tmux.screen();
    EXPECT_NE(screen.find("│? bob asks"), std::string::npos) << screen;
    EXPECT_NE(screen.find("│friends (1 online)"), std::string::npos) << screen;
    EXPECT_NE(screen.find("│● carol"), std::string::npos) << screen;
    EXPECT_NE(screen.find("│○ dave"), std::string::npos) << screen;
    EXPECT_NE(screen.find("│… erin"), std::string::npos) << screen;
    tmux.line("/friend accept bob");
    ASSERT_TRUE(tmux.wait_for("accepted bob's friend request")) << tmux.screen();
    // The server's hostile text is drawn with its escapes made visible; the title is untouched.
    ASSERT_TRUE(tmux.wait_for("ev\\x1b]2;owned\\x07il")) << tmux.screen();
    auto title = tmux.tmux({"display-message", "-p", "-t", "t", "#{pane_title}"}).output;
    EXPECT_EQ(title.find("owned"), std::string::npos) << title;
    ASSERT_TRUE(tmux.wait_for("│○ carol")) << tmux.screen();
    screen = tmux.screen();
    EXPECT_NE(screen.find("│● bob"), std::string::npos) << screen;
    EXPECT_EQ(screen.find("? bob asks"), std::string::npos) << screen;
    EXPECT_NE(screen.find("bob is now your friend"), std::string::npos) << screen;

    tmux.line("/friend accept 1bob");
    ASSERT_TRUE(tmux.wait_for("'1bob' is not a username")) << tmux.screen();

    tmux.line("/quit");
    ASSERT_TRUE(tmux.wait_for("Session ended properly")) << tmux.screen();
    EXPECT_EQ(server.log().requests,
              (std::vector<std::string>{"list_friends", "friend accept bob"}));
}

TEST_F(TerminalUiUsers, AKickIsShownAsTheReasonTheSessionEnded) {
    ScriptedServer server(
        ca_,
        [](proto::ServerSession& s, const msg::Request& r) {
            if (std::holds_alternative<msg::ListFriends>(r)) {
                return s.answer(msg::FriendList{.id = msg::request_id(r),
                                                .friends = {},
                                                .online = {},
                                                .incoming = {},
                                                .outgoing = {}});
            }
            auto out = answer_ok(s, r);
            out.append(s.end_session(ErrorCode::kicked, "bye"));
            return out;
        },
        proto::Role::admin);
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    ASSERT_TRUE(tmux.wait_for("no friends yet")) << tmux.screen();
    tmux.line("/kick client");
    ASSERT_TRUE(tmux.wait_for("the server ended this session (kicked)")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("session closed (kicked)")) << tmux.screen();
    tmux.line("/quit");
    ASSERT_TRUE(tmux.wait_for("The server ended the session: an administrator ended this"))
        << tmux.scrollback();
    EXPECT_EQ(server.log().requests,
              (std::vector<std::string>{"list_friends", "user_admin kick client"}));
}

// The friend list the UI asks for at login is never answered, and the server hangs up when the
// message arrives: the message's own failure marks it, whatever request is still in flight.
TEST_F(TerminalUiUsers, AMessageThatFailsIsMarkedWhileTheFriendListIsOutstanding) {
    ScriptedServer server(
        ca_, [](proto::ServerSession&, const msg::Request&) { return proto::Output{}; },
        proto::Role::user, {.held_input = HeldInput::hang_up, .held_records_allowed = 1});
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    tmux.line("hello while the list is awaited");
    ASSERT_TRUE(tmux.wait_for("hello while the list is awaited ✗")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("session closed")) << tmux.screen();
    tmux.line("/quit");
    auto log = server.log();
    EXPECT_TRUE(log.hung_up) << log.error;
    EXPECT_EQ(log.requests, (std::vector<std::string>{"list_friends"}));
}

// An error that is not the message's (here a second /login, refused locally) leaves the
// message in flight unmarked: no request is outstanding, and the message is never acknowledged.
TEST_F(TerminalUiUsers, AnErrorAboutSomethingElseDoesNotMarkAMessageInFlight) {
    ScriptedServer server(ca_,
                          [](proto::ServerSession& s, const msg::Request& r) {
                              return s.answer(msg::FriendList{.id = msg::request_id(r),
                                                              .friends = {},
                                                              .online = {},
                                                              .incoming = {},
                                                              .outgoing = {}});
                          },
                          proto::Role::user, {.acknowledge_messages = false});
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    ASSERT_TRUE(tmux.wait_for("no friends yet")) << tmux.screen();
    tmux.line("still in flight");
    ASSERT_TRUE(tmux.wait_for("still in flight →")) << tmux.screen();
    tmux.line("/login client");
    ASSERT_TRUE(tmux.wait_for("password for client:")) << tmux.screen();
    tmux.line("any password");
    ASSERT_TRUE(tmux.wait_for("error: already logged in as client")) << tmux.screen();
    auto screen = tmux.screen();
    EXPECT_NE(screen.find("still in flight →"), std::string::npos) << screen;
    EXPECT_EQ(screen.find("still in flight ✗"), std::string::npos) << screen;
}

TEST_F(TerminalUiUsers, UserAddAsksForThePasswordWithoutShowingIt) {
    ScriptedServer server(
        ca_,
        [](proto::ServerSession& s, const msg::Request& r) {
            if (std::holds_alternative<msg::ListFriends>(r)) {
                return s.answer(msg::FriendList{.id = msg::request_id(r),
                                                .friends = {},
                                                .online = {},
                                                .incoming = {},
                                                .outgoing = {}});
            }
            return answer_ok(s, r);
        },
        proto::Role::admin);
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    tmux.line("/useradd carol@example.com carol");
    ASSERT_TRUE(tmux.wait_for("password for the new user:")) << tmux.screen();
    tmux.line("secret horse battery");
    ASSERT_TRUE(tmux.wait_for("added the user carol")) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("secret horse"), std::string::npos) << tmux.screen();
    tmux.line("/quit");
    ASSERT_TRUE(tmux.wait_for("Session ended properly")) << tmux.screen();
    auto log = server.log();
    EXPECT_EQ(log.requests,
              (std::vector<std::string>{"list_friends", "user_add carol@example.com carol"}));
    EXPECT_EQ(log.user_add_password, "secret horse battery");
}

// Typed out of order, the password stands where the username belongs: the error names the rule
// but no word of the line, no password is asked for, and the history keeps neither line.
TEST_F(TerminalUiUsers, UserAddTypedOutOfOrderNeverShowsThePassword) {
    ScriptedServer server(
        ca_,
        [](proto::ServerSession& s, const msg::Request& r) {
            return s.answer(msg::FriendList{.id = msg::request_id(r),
                                            .friends = {},
                                            .online = {},
                                            .incoming = {},
                                            .outgoing = {}});
        },
        proto::Role::admin);
    Tmux tmux(tmp_.path());
    log_in(tmux, server.port());
    ASSERT_TRUE(tmux.wait_for("no friends yet")) << tmux.screen();
    tmux.line("/useradd a@b.c S3cret!pw alice");
    ASSERT_TRUE(tmux.wait_for("second word of /useradd")) << tmux.screen();
    // The username is checked before a password is asked for: /help is a command, not one.
    tmux.line("/useradd a@b.c S3cret!");
    tmux.line("/help");
    ASSERT_TRUE(tmux.wait_for("friend pane (wide terminals)")) << tmux.screen();
    auto screen = tmux.screen();
    EXPECT_EQ(screen.find("S3cret"), std::string::npos) << screen;
    EXPECT_EQ(screen.find("password for the new user"), std::string::npos) << screen;
    // The history goes /help, then /login client: neither /useradd line is in between.
    tmux.tmux({"send-keys", "-t", "t", "Up"});
    ASSERT_TRUE(tmux.wait_for("> /help")) << tmux.screen();
    tmux.tmux({"send-keys", "-t", "t", "Up"});
    ASSERT_TRUE(tmux.wait_for("> /login client")) << tmux.screen();
    EXPECT_EQ(tmux.screen().find("S3cret"), std::string::npos) << tmux.screen();
    tmux.tmux({"send-keys", "-t", "t", "C-u"});
    tmux.line("/quit");
    ASSERT_TRUE(tmux.wait_for("Session ended properly")) << tmux.screen();
    EXPECT_EQ(server.log().requests, (std::vector<std::string>{"list_friends"}));
}

// Issue 12: a message to bob is marked stored once the server's signed statement checks, and
// after a restart, opening bob's conversation shows it again from the history, with its mark.
TEST_F(TerminalUiUsers, AStoredMarkAndTheHistoryShownWhenAConversationOpensAfterARestart) {
    auto authority = pki::load_ca(pki::CaLayout(ca_.dir));
    ASSERT_TRUE(authority) << authority.error().message;
    LeafSpec spec;
    spec.profile = pki::Profile::client;
    spec.name = "bob";
    spec.sans = {"URI:urn:securechat:device:laptop"};
    PeerDevice laptop(issue(*authority, spec), tmp_ / "bob-laptop.state", ca_.trust());
    const auto own_fp = ca_.client("client").chain.front().fingerprint().hex();
    std::size_t bundles = 0;
    Script script = [&](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
        auto id = msg::request_id(r);
        if (std::holds_alternative<msg::ListFriends>(r)) {
            return s.answer(msg::FriendList{
                .id = id, .friends = {"bob"}, .online = {}, .incoming = {}, .outgoing = {}});
        }
        if (const auto* d = std::get_if<msg::ListDevices>(&r); d && d->user == "client") {
            return s.answer(device_list(id, "client", {{own_fp, "default"}}));
        }
        if (std::holds_alternative<msg::ListDevices>(r)) {
            return s.answer(device_list(id, "bob", {{laptop.fp(), "laptop"}}));
        }
        if (std::holds_alternative<msg::FetchBundle>(r)) {
            return s.answer(laptop.bundle(id, bundles++));
        }
        if (const auto* relay = std::get_if<msg::Relay>(&r)) {
            auto ts = now_ms();
            return answer_stored(s, ca_, *relay, own_fp, 11, ts, ts + 3'600'000);
        }
        return answer_ok(s, r);
    };
    {
        ScriptedServer server(ca_, script);
        Tmux tmux(tmp_.path());
        log_in(tmux, server.port());
        tmux.line("/open bob");
        tmux.line("kept on the server");
        ASSERT_TRUE(tmux.wait_for("kept on the server ✓ stored 1/1")) << tmux.screen();
        tmux.line("/quit");
        server.log();
    }
    ScriptedServer again(ca_, script);
    Tmux tmux(tmp_.path());
    log_in(tmux, again.port());
    tmux.line("/open bob");
    ASSERT_TRUE(tmux.wait_for("earlier messages, from this device's history")) << tmux.screen();
    ASSERT_TRUE(tmux.wait_for("kept on the server ✓ stored 1/1")) << tmux.screen();
    tmux.line("/quit");
    again.log();
}

}  // namespace
}  // namespace sc::test
