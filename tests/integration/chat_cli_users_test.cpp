// `securechat chat` line mode (--json and --plain) with the users commands, the real binary fed
// on stdin, against the scripted server (scripted_server.h): each command becomes its request,
// a bad username sends nothing, the /useradd password reaches the server and no output, and
// the server's names reach the output only with their escapes made inert.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "scripted_server.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using nlohmann::json;
namespace msg = proto::msg;

const std::string kEvil = "ev\x1b[2J\x1b]0;owned\x07il";

class ChatCliUsers : public ::testing::Test {
  protected:
    ChatCliUsers() : ca(tmp / "ca") {}

    CommandResult chat(unsigned short port, const std::string& mode, const std::string& input) {
        return run_command_with_input(
            {securechat_binary(), "chat", mode, "--server", "127.0.0.1:" + std::to_string(port),
             "--server-name", "server", "--ca", (ca.dir / "ca.crt").string(), "--cert",
             (ca.dir / "client.crt").string(), "--key", (ca.dir / "client.key").string(),
             "--data-dir", (tmp / "client-data").string(), "--timeout", "5"},
            input);
    }

    static std::vector<json> events(const std::string& output) {
        std::vector<json> out;
        std::istringstream lines(output);
        for (std::string line; std::getline(lines, line);) {
            auto parsed = json::parse(line, nullptr, false);
            EXPECT_TRUE(parsed.is_object()) << "not JSON: " << line;
            out.push_back(parsed);
        }
        return out;
    }
    static std::string names(const std::vector<json>& events) {
        std::string out;
        for (const auto& e : events) {
            out += (out.empty() ? "" : " ") + e.value("event", "?");
        }
        return out;
    }

    TempDir tmp;
    TestCa ca;
};

// Answers every request the way a working server would, with a pushed request along the
// friend list, and texts holding escapes where the protocol allows free text (a result's
// message; a name holding them is refused by the protocol core, see AServerNamingANonUser...).
proto::Output working_server(proto::ServerSession& s, const msg::Request& r) {
    auto id = msg::request_id(r);
    if (std::holds_alternative<msg::ListFriends>(r)) {
        auto out = s.push(msg::FriendEvent{msg::FriendEventKind::request, "dave"});
        out.append(s.answer(msg::FriendList{.id = id,
                                            .friends = {"carol"},
                                            .online = {"carol"},
                                            .incoming = {"dave"},
                                            .outgoing = {"bob"}}));
        return out;
    }
    if (std::holds_alternative<msg::Who>(r)) {
        return s.answer(
            msg::WhoList{.id = id,
                         .sessions = {{"client", std::string(64, 'a'), "default", 1764655200000}},
                         .truncated = false});
    }
    return answer_ok(s, r, kEvil);
}

const std::string kScript =
    "/login client any-password\n"
    "/friend request 1bad\n"
    "/friend request bob\n"
    "/friends\n"
    "/useradd carol@example.com carol secret horse battery\n"
    "/who\n"
    "/kick carol\n";

TEST_F(ChatCliUsers, JsonEventsForEachCommandAndNothingSentForABadUsername) {
    ScriptedServer server(ca, working_server, proto::Role::admin);
    auto run = chat(server.port(), "--json", kScript);
    auto all = events(run.output);
    EXPECT_EQ(names(all),
              "connected logged_in error done friend_request friends done who done receipt_saved "
              "closed")
        << run.output;
    EXPECT_EQ(run.exit_code, 1) << "a refused command fails the run: " << run.output;
    EXPECT_EQ(all[2]["code"], "bad_command");
    EXPECT_EQ(all[2]["message"],
              "'1bad' is not a username: username must start with a letter; nothing was sent");
    EXPECT_EQ(all[3], json::parse(R"({"event":"done","request":"friend","op":"request",
                  "user":"bob","message":")" +
                                  std::string("ev\\u001b[2J\\u001b]0;owned\\u0007il") + R"("})"));
    EXPECT_EQ(all[4]["from"], "dave");
    EXPECT_EQ(all[5], json::parse(R"({"event":"friends","friends":[{"user":"carol",
                  "online":true}],"incoming":["dave"],"outgoing":["bob"]})"));
    EXPECT_EQ(all[6]["request"], "user_add");
    EXPECT_EQ(all[6]["user"], "carol");
    EXPECT_EQ(all[7]["users"][0]["since"], "2025-12-02T06:00:00.000Z");
    EXPECT_EQ(all[8]["op"], "kick");
    EXPECT_EQ(run.output.find('\x1b'), std::string::npos) << "no raw escape in the output";
    EXPECT_EQ(run.output.find("secret horse"), std::string::npos) << "the password was shown";
    auto log = server.log();
    EXPECT_EQ(log.requests, (std::vector<std::string>{"friend request bob", "list_friends",
                                                      "user_add carol@example.com carol", "who",
                                                      "user_admin kick carol"}));
    EXPECT_EQ(log.user_add_password, "secret horse battery");
}

TEST_F(ChatCliUsers, PlainLinesForPeopleWithTheEscapesMadeVisible) {
    ScriptedServer server(ca, working_server, proto::Role::admin);
    auto run = chat(server.port(), "--plain", kScript);
    EXPECT_EQ(run.exit_code, 1) << run.output;
    for (const char* line :
         {"error: '1bad' is not a username", "friend request sent to bob",
          "dave wants to be your friend: /friend accept", "ev\\x1b[2J\\x1b]0;owned\\x07il",
          "friends: carol (online)", "waiting for an answer from: bob",
          "added the user carol (they need a certificate for that name)",
          "connected:\n  client since 2025-12-02T06:00:00.000Z on default (aaaaaaaaaaaaaaaa…)",
          "ended the sessions of carol"}) {
        EXPECT_NE(run.output.find(line), std::string::npos) << line << " in:\n" << run.output;
    }
    EXPECT_EQ(run.output.find('\x1b'), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("secret horse"), std::string::npos) << run.output;
}

// A hostile server puts a fake prompt where the client shows a user: the client refuses the
// message (malformed) and ends the session, so nothing of it reaches the screen.
TEST_F(ChatCliUsers, AServerNamingANonUserIsRefusedAndNothingOfItIsShown) {
    ScriptedServer server(ca, [](proto::ServerSession& s, const msg::Request& r) {
        auto out =
            s.push(msg::FriendEvent{msg::FriendEventKind::request, "x: /friend accept mallory"});
        out.append(answer_ok(s, r));
        return out;
    });
    auto run = chat(server.port(), "--json", "/login client any-password\n/friends\n");
    auto all = events(run.output);
    EXPECT_EQ(run.output.find("friend_request"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("mallory"), std::string::npos) << run.output;
    bool refused = false;
    for (const auto& e : all) {
        refused =
            refused || (e.value("event", "") == "error" && e.value("code", "") == "malformed");
    }
    EXPECT_TRUE(refused) << run.output;
    EXPECT_NE(run.exit_code, 0);
}

TEST_F(ChatCliUsers, ARequestBeforeLoginIsRefusedLocally) {
    ScriptedServer server(ca, working_server);
    auto run = chat(server.port(), "--json", "/friends\n");
    auto all = events(run.output);
    EXPECT_EQ(names(all), "connected error closed") << run.output;
    EXPECT_EQ(all[1]["code"], "not_logged_in");
    EXPECT_EQ(server.log().requests, std::vector<std::string>{});
}

}  // namespace
}  // namespace sc::test
