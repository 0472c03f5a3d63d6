#include "client/event_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/client/notes.h"

namespace sc::client {
namespace {

using test::message_note;
using test::sent_note;

using nlohmann::json;

FormatContext context() {
    FormatContext ctx;
    ctx.ca = "/ca dir/ca.crt";
    ctx.program = "securechat";
    return ctx;
}

json as_json(const Notification& n) {
    return json::parse(json_line(n, context()));
}

TEST(EventFormat, JsonNamesEveryEventAndItsFields) {
    EXPECT_EQ(as_json(note::Connected{"127.0.0.1:6000", "server", "server", "AB:CD", "00ff"}),
              json::parse(R"({"event":"connected","server":"127.0.0.1:6000",
                  "server_name":"server","subject":"server","fingerprint":"AB:CD",
                  "session_id":"00ff"})"));
    EXPECT_EQ(as_json(note::Registered{"alice"}),
              json::parse(R"({"event":"registered","username":"alice"})"));
    EXPECT_EQ(as_json(note::LoggedIn{"alice"}),
              json::parse(R"({"event":"logged_in","username":"alice"})"));
    EXPECT_EQ(as_json(sent_note(3, 1700000000000, "hi")),
              json::parse(R"({"event":"sent","seqno":3,"ts":1700000000000})"));
    EXPECT_EQ(as_json(note::Acked{3}), json::parse(R"({"event":"ack","seqno":3})"));
    EXPECT_EQ(as_json(message_note("server", 1, 5, "hello")),
              json::parse(R"({"event":"message","from":"server","seqno":1,"ts":5,
                  "text":"hello"})"));
    EXPECT_EQ(as_json(note::Error{"auth_failed", "wrong username or password"}),
              json::parse(R"({"event":"error","code":"auth_failed",
                  "message":"wrong username or password"})"));
    EXPECT_EQ(as_json(note::Closed{"quit"}), json::parse(R"({"event":"closed","reason":"quit"})"));
    auto saved = as_json(note::ReceiptSaved{"/d/s.transcript", "/d/s.receipt.own.json",
                                            "/d/s.receipt.peer.json", "/d/s.peer.crt", "ab"});
    EXPECT_EQ(saved["event"], "receipt_saved");
    EXPECT_EQ(saved["transcript"], "/d/s.transcript");
    EXPECT_EQ(saved["own_receipt"], "/d/s.receipt.own.json");
    EXPECT_EQ(saved["peer_receipt"], "/d/s.receipt.peer.json");
    EXPECT_EQ(saved["peer_cert"], "/d/s.peer.crt");
    EXPECT_EQ(saved["verify"],
              "securechat verify /d/s.transcript /d/s.receipt.peer.json --cert /d/s.peer.crt "
              "--ca '/ca dir/ca.crt'");
}

TEST(EventFormat, RekeyedNamesTheEpoch) {
    FormatContext ctx;
    EXPECT_EQ(json_line(note::Rekeyed{3}, ctx), R"({"epoch":3,"event":"rekeyed"})");
    EXPECT_NE(human_text(note::Rekeyed{3}, ctx).find("epoch 3"), std::string::npos);
}

TEST(EventFormat, JsonIsOneLineEvenForOddText) {
    auto line = json_line(message_note("server", 1, 5, "two\nlines and \xff bad UTF-8"), {});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded());
}

TEST(EventFormat, ShellQuoting) {
    EXPECT_EQ(shell_quote("/plain/path-1.crt"), "/plain/path-1.crt");
    EXPECT_EQ(shell_quote("with space"), "'with space'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote(""), "''");
}

TEST(EventFormat, HumanTextForPeople) {
    EXPECT_EQ(human_text(note::Error{"x", "wrong username or password"}, context()),
              "error: wrong username or password");
    EXPECT_EQ(human_text(note::LoggedIn{"alice"}, context()), "logged in as alice; type a message");
    auto saved = human_text(note::ReceiptSaved{"/d/t", "/d/o", "/d/p", "/d/c", "ab"}, context());
    EXPECT_NE(saved.find("securechat verify /d/t /d/p --cert /d/c"), std::string::npos) << saved;
}

}  // namespace
}  // namespace sc::client
