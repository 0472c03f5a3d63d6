// The answers and pushes of issue 10 as the client shows them: the notes made from the wire
// messages, their JSON events and plain lines, the error words for the new codes, and the
// server's strings made inert (a username holding ESC cannot reach the terminal raw).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/errors_text.h"
#include "client/event_format.h"
#include "client/user_notes.h"
#include "common/display_text.h"

namespace sc::client {
namespace {

namespace msg = proto::msg;
using nlohmann::json;
using proto::ErrorCode;

const std::string kEvil = "ev\x1b]0;owned\x07il\xc2\x9b";  // OSC title, BEL, C1 CSI

json as_json(const Notification& n) {
    return json::parse(json_line(n, FormatContext{}));
}
std::string human(const Notification& n) {
    return human_text(n, FormatContext{});
}

TEST(UserNotes, AFriendListMarksWhoIsOnline) {
    msg::FriendList list{.id = 4,
                         .friends = {"bob", "carol"},
                         .online = {"carol", "stranger"},
                         .incoming = {"dave"},
                         .outgoing = {"erin"}};
    auto n = friends_note(list);
    ASSERT_EQ(n.friends.size(), 2U);
    EXPECT_EQ(n.friends[0].user, "bob");
    EXPECT_FALSE(n.friends[0].online);
    EXPECT_TRUE(n.friends[1].online);
    EXPECT_EQ(n.incoming, std::vector<std::string>{"dave"});
    EXPECT_EQ(n.outgoing, std::vector<std::string>{"erin"});
}

TEST(UserNotes, WhoGroupsSessionsByUserWithTheEarliestLogin) {
    msg::WhoList list{.id = 2,
                      .sessions = {{"bob", "bb", "phone", 3000},
                                   {"alice", "aa", "laptop", 2000},
                                   {"bob", "cc", "desk", 1000}},
                      .truncated = true};
    auto n = who_note(list);
    ASSERT_EQ(n.users.size(), 2U);
    EXPECT_EQ(n.users[0].user, "alice");
    EXPECT_EQ(n.users[1].user, "bob");
    EXPECT_EQ(n.users[1].since, 1000U);
    ASSERT_EQ(n.users[1].devices.size(), 2U);
    EXPECT_EQ(n.users[1].devices[0].name, "phone");
    EXPECT_EQ(n.users[1].devices[1].id, "cc");
    EXPECT_TRUE(n.truncated);
}

TEST(UserNotes, PushesAndResults) {
    EXPECT_EQ(notification_name(push_note(msg::Presence{"bob", true})), std::string("presence"));
    EXPECT_EQ(notification_name(push_note(msg::FriendEvent{msg::FriendEventKind::request, "b"})),
              std::string("friend_request"));
    EXPECT_EQ(notification_name(push_note(msg::FriendEvent{msg::FriendEventKind::added, "b"})),
              std::string("friend_added"));
    EXPECT_EQ(notification_name(push_note(msg::FriendEvent{msg::FriendEventKind::removed, "b"})),
              std::string("friend_removed"));
    auto summary = summarize(msg::FriendCommand{.id = 1, .op = msg::FriendOp::accept, .user = "b"});
    EXPECT_EQ(summary.request, "friend");
    EXPECT_EQ(summary.op, "accept");
    EXPECT_EQ(summary.user, "b");
    auto add = summarize(msg::UserAdd{.id = 1, .email = "e", .username = "carol", .password = {}});
    EXPECT_EQ(add.op, "add");
    EXPECT_EQ(add.user, "carol");
    auto done = result_note(msg::Result{.id = 1, .code = std::nullopt, .message = ""}, summary);
    EXPECT_TRUE(std::holds_alternative<note::Done>(done));
    auto refused =
        result_note(msg::Result{.id = 1, .code = ErrorCode::not_pending, .message = ""}, summary);
    ASSERT_TRUE(std::holds_alternative<note::Error>(refused));
    EXPECT_EQ(std::get<note::Error>(refused).code, "not_pending");
    EXPECT_EQ(std::get<note::Error>(refused).message,
              "there is no friend request from b to answer");
}

TEST(UserEventFormat, JsonShapes) {
    EXPECT_EQ(as_json(note::FriendRequest{"bob"}),
              json::parse(R"({"event":"friend_request","from":"bob"})"));
    EXPECT_EQ(as_json(note::FriendAdded{"bob"}),
              json::parse(R"({"event":"friend_added","user":"bob"})"));
    EXPECT_EQ(as_json(note::FriendRemoved{"bob"}),
              json::parse(R"({"event":"friend_removed","user":"bob"})"));
    EXPECT_EQ(as_json(note::Presence{"bob", false}),
              json::parse(R"({"event":"presence","user":"bob","online":false})"));
    EXPECT_EQ(as_json(note::Friends{{{"bob", true}, {"carol", false}}, {"dave"}, {}}),
              json::parse(R"({"event":"friends","friends":[{"user":"bob","online":true},
                  {"user":"carol","online":false}],"incoming":["dave"],"outgoing":[]})"));
    EXPECT_EQ(
        as_json(note::Who{{{"alice", {{"ab12", "laptop", 1764655200123}}, 1764655200123}}, false}),
        json::parse(R"({"event":"who","users":[{"user":"alice",
                  "devices":[{"id":"ab12","name":"laptop","since":"2025-12-02T06:00:00.123Z"}],
                  "since":"2025-12-02T06:00:00.123Z","since_ms":1764655200123}],
                  "truncated":false})"));
    EXPECT_EQ(as_json(note::Kicked{"kicked", "an administrator ended this session"}),
              json::parse(R"({"event":"kicked","code":"kicked",
                  "message":"an administrator ended this session"})"));
    EXPECT_EQ(as_json(note::Done{"friend", "request", "bob", ""}),
              json::parse(R"({"event":"done","request":"friend","op":"request","user":"bob",
                  "message":""})"));
    EXPECT_EQ(as_json(note::Done{"list_friends", "", "", "ok"}),
              json::parse(R"({"event":"done","request":"list_friends","message":"ok"})"));
    EXPECT_EQ(as_json(note::Error{"forbidden", "only administrators can do that"}),
              json::parse(R"({"event":"error","code":"forbidden",
                  "message":"only administrators can do that"})"));
}

TEST(UserEventFormat, PlainLinesForPeople) {
    EXPECT_EQ(human(note::FriendRequest{"bob"}),
              "bob wants to be your friend: /friend accept bob or /friend decline bob");
    EXPECT_EQ(human(note::FriendAdded{"bob"}), "bob is now your friend");
    EXPECT_EQ(human(note::FriendRemoved{"bob"}), "bob is no longer your friend");
    EXPECT_EQ(human(note::Presence{"bob", true}), "bob is online");
    EXPECT_EQ(human(note::Presence{"bob", false}), "bob went offline");
    EXPECT_EQ(human(note::Friends{{{"bob", true}, {"carol", false}}, {"dave"}, {"erin"}}),
              "friends: bob (online), carol (offline)\n"
              "dave wants to be your friend: /friend accept dave or /friend decline dave\n"
              "waiting for an answer from: erin");
    EXPECT_EQ(human(note::Friends{}), "no friends yet (/friend request USER asks someone)");
    EXPECT_EQ(human(note::Who{}), "nobody is connected");
    EXPECT_EQ(
        human(note::Who{
            {{"alice",
              {{"ab12ab12ab12ab12ffff", "laptop", 1764655200123}, {"cd34", "phone", 1764655300000}},
              1764655200123}},
            false}),
        "connected:\n  alice since 2025-12-02T06:00:00.123Z on laptop (ab12ab12ab12ab12…), "
        "phone (cd34…)");
    EXPECT_EQ(human(note::Done{"friend", "request", "bob", ""}), "friend request sent to bob");
    EXPECT_EQ(human(note::Done{"friend", "accept", "bob", ""}), "accepted bob's friend request");
    EXPECT_EQ(human(note::Done{"friend", "decline", "bob", ""}), "declined bob's friend request");
    EXPECT_EQ(human(note::Done{"friend", "remove", "bob", ""}), "removed bob from your friends");
    EXPECT_EQ(human(note::Done{"user_admin", "kick", "bob", "2 sessions"}),
              "ended the sessions of bob (2 sessions)");
    EXPECT_EQ(human(note::Done{"user_admin", "disable", "bob", ""}),
              "disabled bob; their sessions are closed");
    EXPECT_EQ(human(note::Done{"user_admin", "enable", "bob", ""}), "enabled bob");
    EXPECT_EQ(human(note::Done{"user_add", "add", "carol", ""}),
              "added the user carol (they need a certificate for that name)");
    EXPECT_EQ(human(note::Kicked{"kicked", "an administrator ended this session"}),
              "the server ended this session (kicked): an administrator ended this session");
}

TEST(UserEventFormat, EscapesFromTheServerAreNeutralisedInEveryEvent) {
    std::vector<Notification> notes{
        note::FriendRequest{kEvil},
        note::FriendAdded{kEvil},
        note::FriendRemoved{kEvil},
        note::Presence{kEvil, true},
        note::Friends{{{kEvil, true}}, {kEvil}, {kEvil}},
        note::Who{{{kEvil, {{kEvil, kEvil, 0}}, 0}}, false},
        note::Kicked{"kicked", kEvil},
        note::Done{"friend", "request", kEvil, kEvil},
    };
    for (const auto& n : notes) {
        auto line = json_line(n, FormatContext{});
        EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
        EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
        EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << line;
        // A JSON reader still gets the exact name.
        EXPECT_NE(json::parse(line).dump().find("\\u001b"), std::string::npos) << line;
        auto text = human(n);
        // Nothing left to render: multi-line text is built from safe parts and line feeds.
        EXPECT_TRUE(display_text_multiline(text) == text &&
                    text.find('\x1b') == std::string::npos &&
                    text.find("\xc2\x9b") == std::string::npos)
            << text;
    }
}

TEST(UserErrorsText, EachNewCodeInPlainWords) {
    EXPECT_EQ(request_error(ErrorCode::forbidden, "", "").message,
              "only administrators can do that");
    EXPECT_EQ(request_error(ErrorCode::identity_mismatch, "", "").message,
              "this certificate belongs to another user: log in with the username it names, or "
              "use your own certificate");
    EXPECT_EQ(request_error(ErrorCode::no_such_user, "", "bob").message, "there is no user bob");
    EXPECT_EQ(request_error(ErrorCode::not_friends, "", "bob").message, "bob is not your friend");
    EXPECT_EQ(request_error(ErrorCode::not_pending, "", "bob").message,
              "there is no friend request from bob to answer");
    EXPECT_EQ(request_error(ErrorCode::limit_reached, "at most 256 friends", "").message,
              "a limit was reached (friends, requests or devices) (the server says: at most 256 "
              "friends)");
    EXPECT_EQ(request_error(ErrorCode::account_disabled, "", "").message,
              "this account is disabled: an administrator can enable it again");
    EXPECT_EQ(request_error(ErrorCode::invalid_request, "bad user", "").message,
              "the server refused the request as malformed (the server says: bad user)");
    EXPECT_EQ(request_error(ErrorCode::unavailable, "", "").message,
              "the server cannot do that now; try again later");
    EXPECT_EQ(request_error(ErrorCode::internal, "not served yet", "").message,
              "the server could not do that (the server says: not served yet)");
    EXPECT_EQ(request_error(ErrorCode::forbidden, "", "").code, "forbidden");
    // At login, the session ends with them as `error`.
    EXPECT_EQ(peer_error("identity_mismatch", "x").message,
              request_error(ErrorCode::identity_mismatch, "", "").message);
    EXPECT_EQ(peer_error("account_disabled", "").message,
              "this account is disabled: an administrator can enable it again");
    EXPECT_EQ(session_end_text(ErrorCode::kicked, ""), "an administrator ended this session");
    EXPECT_EQ(session_end_text(ErrorCode::bad_certificate, "revoked"),
              "the server ended this session (bad_certificate): revoked");
    auto evil = request_error(ErrorCode::invalid_request, kEvil, kEvil);
    EXPECT_TRUE(is_display_safe(evil.message)) << evil.message;
}

}  // namespace
}  // namespace sc::client
