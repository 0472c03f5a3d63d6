// The client controller's users commands (friends, who, admin) against a server whose part the
// test plays: a real ServerSession on a loopback socket in a thread, every login accepted, and
// each request handed to the test's script, which answers, pushes or ends the session with
// the messages it chooses. The test checks the JSON events line mode would print.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <stdexcept>

#include "client/chat_controller.h"
#include "client/errors_text.h"
#include "client/event_format.h"
#include "scripted_server.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;
using client::ChatController;
using client::Outcome;
using nlohmann::json;
using proto::ErrorCode;
namespace msg = proto::msg;

struct JsonRecorder : client::ChatListener {
    void notify(const client::Notification& n) override {
        lines.push_back(client::json_line(n, client::FormatContext{}));
        events.push_back(json::parse(lines.back()));
    }
    std::string names() const {
        std::string out;
        for (const auto& e : events) {
            out += (out.empty() ? "" : " ") + e["event"].get<std::string>();
        }
        return out;
    }
    const json* first(const std::string& name) const {
        for (const auto& e : events) {
            if (e["event"] == name) {
                return &e;
            }
        }
        return nullptr;
    }
    std::vector<std::string> lines;
    std::vector<json> events;
};

class ChatControllerUsersTest : public ::testing::Test {
  protected:
    ChatControllerUsersTest() : ca(tmp / "ca") {}

    // Starts the scripted server and a controller connected to it.
    void start(Script script, proto::Role role = proto::Role::user) {
        server.emplace(ca, std::move(script), role);
        client::ClientSettings s;
        s.server = {"127.0.0.1", server->port()};
        s.server_name = "server";
        s.ca = ca.dir / "ca.crt";
        s.cert = ca.dir / "client.crt";
        s.key = ca.dir / "client.key";
        s.data_dir = tmp / "client-data";
        s.timeout = 5s;
        auto credentials = client::load_credentials(s);
        ASSERT_TRUE(credentials) << credentials.error().message;
        controller = std::make_unique<ChatController>(io, s, *credentials, recorder);
    }
    ~ChatControllerUsersTest() override { controller.reset(); }

    // Logs in, runs `requests` one after another (each after the previous answer), then quits;
    // returns each request's outcome code ("" for ok).
    std::vector<std::string> run(std::vector<msg::Request> requests) {
        bool finished = false;
        std::vector<std::string> outcomes;
        auto queue = std::make_shared<std::deque<msg::Request>>();
        for (auto& r : requests) {
            queue->push_back(std::move(r));
        }
        auto quit = [&] { controller->quit([&](const Outcome&) { finished = true; }); };
        std::function<void()> next = [&, queue] {
            if (queue->empty() || controller->state() != ChatController::State::chatting) {
                quit();
                return;
            }
            auto r = std::move(queue->front());
            queue->pop_front();
            controller->request(std::move(r), [&](const Outcome& outcome) {
                outcomes.push_back(outcome ? "" : outcome.error().code);
                next();
            });
        };
        controller->login("client", crypto::SecretBytes(as_bytes("a password")),
                          [&](const Outcome& login) {
                              EXPECT_TRUE(login);
                              if (login) {
                                  next();
                              } else {
                                  finished = true;
                              }
                          });
        asio::steady_timer limit(io, 20s);
        limit.async_wait([&](const asio::error_code& ec) {
            if (!ec) {
                ADD_FAILURE() << "timed out; events: " << recorder.names();
                io.stop();
            }
        });
        while (!finished && !io.stopped()) {
            io.run_one();
        }
        return outcomes;
    }

    ServerLog log() { return server->log(); }

    TempDir tmp;
    TestCa ca;
    std::optional<ScriptedServer> server;
    asio::io_context io;
    JsonRecorder recorder;
    std::unique_ptr<ChatController> controller;
};

TEST_F(ChatControllerUsersTest, FriendFlowBecomesFriendsPresenceDoneAndErrorEvents) {
    start([](proto::ServerSession& s, const msg::Request& r) {
        proto::Output out;
        auto id = msg::request_id(r);
        if (std::holds_alternative<msg::ListFriends>(r)) {
            out.append(s.push(msg::Presence{"bob", true}));
            out.append(s.answer(msg::FriendList{.id = id,
                                                .friends = {"bob", "carol"},
                                                .online = {"bob"},
                                                .incoming = {"dave"},
                                                .outgoing = {}}));
        } else if (std::get<msg::FriendCommand>(r).op == msg::FriendOp::request) {
            out.append(answer_ok(s, r));
            out.append(s.push(msg::FriendEvent{msg::FriendEventKind::request, "frank"}));
            out.append(s.push(msg::FriendEvent{msg::FriendEventKind::added, "erin"}));
            out.append(s.push(msg::Presence{"erin", false}));
        } else {
            out.append(
                s.answer(msg::Result{.id = id, .code = ErrorCode::not_pending, .message = ""}));
        }
        return out;
    });
    auto outcomes =
        run({msg::ListFriends{}, msg::FriendCommand{.op = msg::FriendOp::request, .user = "erin"},
             msg::FriendCommand{.op = msg::FriendOp::accept, .user = "dave"}});
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", "", "not_pending"}));
    EXPECT_EQ(recorder.names(),
              "connected logged_in presence friends done friend_request friend_added presence "
              "error receipt_saved closed");
    EXPECT_EQ(*recorder.first("friends"),
              json::parse(R"({"event":"friends","friends":[{"user":"bob","online":true},
                  {"user":"carol","online":false}],"incoming":["dave"],"outgoing":[]})"));
    EXPECT_EQ(*recorder.first("presence"),
              json::parse(R"({"event":"presence","user":"bob","online":true})"));
    EXPECT_EQ(*recorder.first("done"),
              json::parse(R"({"event":"done","request":"friend","op":"request","user":"erin",
                  "message":""})"));
    EXPECT_EQ(*recorder.first("friend_request"),
              json::parse(R"({"event":"friend_request","from":"frank"})"));
    EXPECT_EQ(*recorder.first("friend_added"),
              json::parse(R"({"event":"friend_added","user":"erin"})"));
    EXPECT_EQ(*recorder.first("error"), json::parse(R"({"event":"error","code":"not_pending",
                  "message":"there is no friend request from dave to answer"})"));
    auto server_log = log();
    EXPECT_EQ(server_log.error, "");
    EXPECT_EQ(server_log.requests, (std::vector<std::string>{"list_friends", "friend request erin",
                                                             "friend accept dave"}));
}

TEST_F(ChatControllerUsersTest, AdminWhoIsGroupedByUserAndUserAddCarriesThePassword) {
    start(
        [](proto::ServerSession& s, const msg::Request& r) {
            if (std::holds_alternative<msg::Who>(r)) {
                return s.answer(msg::WhoList{
                    .id = msg::request_id(r),
                    .sessions = {{"client", std::string(64, 'a'), "laptop", 1764655200000},
                                 {"bob", std::string(64, 'b'), "phone", 1764655300000},
                                 {"client", std::string(64, 'c'), "desk", 1764655100000}},
                    .truncated = false});
            }
            return answer_ok(s, r, "created");
        },
        proto::Role::admin);
    auto outcomes =
        run({msg::Who{},
             msg::UserAdd{.email = "carol@example.com",
                          .username = "carol",
                          .password = crypto::SecretBytes(as_bytes("correct horse battery"))},
             msg::UserCommand{.op = msg::UserOp::disable, .user = "mallory"}});
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", "", ""}));
    EXPECT_EQ(recorder.names(), "connected logged_in who done done receipt_saved closed");
    const json& who = *recorder.first("who");
    ASSERT_EQ(who["users"].size(), 2U);
    EXPECT_EQ(who["users"][0]["user"], "bob");
    EXPECT_EQ(who["users"][1]["user"], "client");
    EXPECT_EQ(who["users"][1]["since"], "2025-12-02T05:58:20.000Z") << "the earliest device";
    EXPECT_EQ(who["users"][1]["devices"].size(), 2U);
    EXPECT_EQ(who["users"][1]["devices"][1]["name"], "desk");
    EXPECT_EQ(who["users"][1]["devices"][1]["id"], std::string(64, 'c'));
    for (const auto& line : recorder.lines) {
        EXPECT_EQ(line.find("correct horse"), std::string::npos) << "no event shows a password";
    }
    auto server_log = log();
    EXPECT_EQ(server_log.requests,
              (std::vector<std::string>{"who", "user_add carol@example.com carol",
                                        "user_admin disable mallory"}));
    EXPECT_EQ(server_log.user_add_password, "correct horse battery");
}

TEST_F(ChatControllerUsersTest, ARegularUserIsRefusedAdminRequestsByTheSession) {
    // The script is never asked: the server session answers `forbidden` by its dispatch table.
    start([](proto::ServerSession&, const msg::Request&) -> proto::Output {
        throw std::runtime_error("a forbidden request reached the owner");
    });
    auto outcomes = run({msg::Who{}, msg::UserCommand{.op = msg::UserOp::kick, .user = "bob"}});
    EXPECT_EQ(outcomes, (std::vector<std::string>{"forbidden", "forbidden"}));
    EXPECT_EQ(recorder.names(), "connected logged_in error error receipt_saved closed");
    EXPECT_EQ(*recorder.first("error"), json::parse(R"({"event":"error","code":"forbidden",
                  "message":"only administrators can do that"})"));
    EXPECT_EQ(log().requests, std::vector<std::string>{});
}

TEST_F(ChatControllerUsersTest, KickedIsTheReasonTheSessionEndsAndItsReceiptsAreStillKept) {
    start(
        [](proto::ServerSession& s, const msg::Request& r) {
            auto out = answer_ok(s, r);
            out.append(s.end_session(ErrorCode::kicked, "admin kicked every session of client"));
            return out;
        },
        proto::Role::admin);
    auto outcomes = run({msg::UserCommand{.op = msg::UserOp::kick, .user = "client"}});
    EXPECT_EQ(outcomes, std::vector<std::string>{""});
    EXPECT_EQ(recorder.names(), "connected logged_in done kicked receipt_saved closed");
    const json& kicked = *recorder.first("kicked");
    EXPECT_EQ(kicked["code"], "kicked");
    EXPECT_EQ(kicked["message"],
              "an administrator ended this session (the server says: admin kicked every session "
              "of client)");
    EXPECT_EQ((*recorder.first("closed"))["reason"], "kicked");
    EXPECT_EQ(controller->state(), ChatController::State::disconnected);
    EXPECT_EQ(log().error, "");
}

// Names from the server must be usernames (the protocol core refuses anything else), so the
// texts that can carry escapes are the free ones: a result's message and session_end's.
TEST_F(ChatControllerUsersTest, TextsWithEscapesFromTheServerReachNoOutputRaw) {
    const std::string evil = "ev\x1b[2J\x1b]0;owned\x07il";
    start([&](proto::ServerSession& s, const msg::Request& r) {
        auto out = s.push(msg::FriendEvent{msg::FriendEventKind::request, "dave"});
        out.append(s.answer(msg::Result{
            .id = msg::request_id(r), .code = proto::ErrorCode::limit_reached, .message = evil}));
        return out;
    });
    run({msg::FriendCommand{0, msg::FriendOp::request, "bob"}});
    EXPECT_EQ(recorder.names(), "connected logged_in friend_request error receipt_saved closed");
    for (const auto& line : recorder.lines) {
        EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
        EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
    }
}

TEST_F(ChatControllerUsersTest, ANameThatIsNotAUsernameEndsTheSessionAsMalformed) {
    const std::string evil = "ev\x1b[2J\x1b]0;owned\x07il";
    start([&](proto::ServerSession& s, const msg::Request& r) {
        auto out = s.push(msg::FriendEvent{msg::FriendEventKind::request, evil});
        out.append(s.answer(msg::FriendList{.id = msg::request_id(r),
                                            .friends = {},
                                            .online = {},
                                            .incoming = {},
                                            .outgoing = {}}));
        return out;
    });
    run({msg::ListFriends{}});
    EXPECT_EQ(recorder.first("friend_request"), nullptr);
    auto error = recorder.first("error");
    ASSERT_NE(error, nullptr);
    EXPECT_EQ((*error)["code"], "malformed");
    for (const auto& line : recorder.lines) {
        EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    }
}

TEST_F(ChatControllerUsersTest, AHostileServerAnsweringWhoWithAFriendListEndsTheSessionCleanly) {
    start(
        [](proto::ServerSession& s, const msg::Request& r) {
            msg::FriendList list;
            list.id = msg::request_id(r);
            return s.answer(std::move(list));
        },
        proto::Role::admin);
    auto outcomes = run({msg::Who{}});
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_EQ(outcomes[0], "unexpected_message");
    EXPECT_EQ(recorder.names(), "connected logged_in error closed");
    const json& error = *recorder.first("error");
    EXPECT_EQ(error["code"], "unexpected_message");
    EXPECT_EQ(error["message"].get<std::string>().rfind(
                  "the server sent something we refuse (unexpected_message): ", 0),
              0U)
        << error;
    EXPECT_NE(error["message"].get<std::string>().find("who"), std::string::npos) << error;
    EXPECT_EQ(controller->state(), ChatController::State::disconnected);
}

}  // namespace
}  // namespace sc::test
