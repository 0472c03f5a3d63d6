// The messages between users (§2.3) on the wire: each encodes canonically (the vectors of
// tests/vectors/users_v1.json, re-derived by tools/check_vectors.py), decodes back to itself,
// and anything off the spec is `malformed`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "common/files.h"
#include "proto/limits.h"
#include "proto/messages.h"

namespace sc::proto {
namespace {

std::string text_of(const msg::Inner& m) {
    auto bytes = msg::encode(m);
    return std::string(bytes.reveal_text(crypto::SecretAccess{}));
}

std::string code_of(std::string_view payload) {
    auto decoded = msg::decode_inner(payload);
    return decoded ? "ok" : std::string(error_code_name(decoded.error().code));
}

msg::Inner round_trip(const msg::Inner& m) {
    auto text = text_of(m);
    auto decoded = msg::decode_inner(text);
    EXPECT_TRUE(decoded) << text << ": " << (decoded ? "" : decoded.error().text());
    EXPECT_EQ(text_of(*decoded), text) << "decode(encode(m)) encodes the same bytes";
    return std::move(decoded).value();
}

// One of each new message, with the fields the vectors file names.
std::vector<std::pair<std::string, msg::Inner>> samples() {
    msg::UserAdd add{7, "carol@example.org", "carol",
                     crypto::SecretBytes(as_bytes(std::string_view("correct horse")))};
    return {
        {"friend", msg::FriendCommand{1, msg::FriendOp::request, "bob"}},
        {"list_friends", msg::ListFriends{2}},
        {"who", msg::Who{3}},
        {"user_add", std::move(add)},
        {"user_admin", msg::UserCommand{4, msg::UserOp::disable, "mallory"}},
        {"result_ok", msg::Result{1, std::nullopt, ""}},
        {"result_refused", msg::Result{3, ErrorCode::forbidden, "for administrators"}},
        {"friend_list", msg::FriendList{2, {"bob", "carol"}, {"bob"}, {"dave"}, {"erin"}}},
        {"who_list",
         msg::WhoList{
             3, {msg::WhoEntry{"alice", std::string(64, 'a'), "laptop", 1798761600000}}, false}},
        {"presence", msg::Presence{"bob", true}},
        {"friend_event", msg::FriendEvent{msg::FriendEventKind::added, "bob"}},
        {"session_end", msg::SessionEnd{ErrorCode::kicked, "an administrator ended this session"}},
    };
}

TEST(UserMessages, EachEncodesAsTheVectorsSayAndDecodesToItself) {
    auto file = read_file(std::string(SECURECHAT_VECTORS_DIR) + "/users_v1.json");
    ASSERT_TRUE(file);
    auto vectors = nlohmann::json::parse(*file)["messages"];
    for (auto& [name, message] : samples()) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(vectors.contains(name));
        EXPECT_EQ(text_of(message), vectors[name]["payload"].get<std::string>());
        round_trip(message);
    }
    EXPECT_EQ(vectors.size(), samples().size()) << "one vector per sample, no stale ones";
}

TEST(UserMessages, EnumsAndCodesOutsideTheSpecAreMalformed) {
    EXPECT_EQ(code_of(R"({"id":1,"op":"befriend","type":"friend","user":"bob"})"), "malformed");
    EXPECT_EQ(code_of(R"({"id":1,"op":"ban","type":"user_admin","user":"bob"})"), "malformed");
    EXPECT_EQ(code_of(R"({"event":"poke","type":"friend_event","user":"bob"})"), "malformed");
    EXPECT_EQ(code_of(R"({"code":"nope","id":1,"message":"","type":"result"})"), "malformed");
    EXPECT_EQ(code_of(R"({"code":"ok","message":"","type":"session_end"})"), "malformed")
        << "a session ends for a reason, never ok";
    EXPECT_EQ(code_of(R"({"code":"ok","id":1,"message":"","type":"result"})"), "ok");
    EXPECT_EQ(code_of(R"({"online":1,"type":"presence","user":"bob"})"), "malformed")
        << "online is a JSON boolean";
    EXPECT_EQ(code_of(R"({"id":-1,"type":"who"})"), "malformed");
}

TEST(UserMessages, ListsAreBoundedAndConsistent) {
    using Names = std::vector<std::string>;
    nlohmann::json list = {{"type", "friend_list"},   {"id", 1},
                           {"friends", Names{"bob"}}, {"online", Names{"carol"}},
                           {"incoming", Names{}},     {"outgoing", Names{}}};
    EXPECT_EQ(code_of(list.dump()), "malformed") << "online names someone who is no friend";
    list["online"] = Names{"bob"};
    EXPECT_EQ(code_of(list.dump()), "ok");
    list["incoming"] = std::vector<std::string>(kMaxIncomingRequests + 1, "xavier");
    EXPECT_EQ(code_of(list.dump()), "malformed") << "over kMaxIncomingRequests";

    nlohmann::json entry = {
        {"user", "alice"}, {"device", std::string(64, 'a')}, {"name", "laptop"}, {"since", 1}};
    nlohmann::json who = {
        {"type", "who_list"}, {"id", 1}, {"sessions", {entry}}, {"truncated", false}};
    EXPECT_EQ(code_of(who.dump()), "ok");
    who["sessions"] = std::vector<nlohmann::json>(kMaxWhoEntries + 1, entry);
    EXPECT_EQ(code_of(who.dump()), "malformed") << "over kMaxWhoEntries";
    auto extra = entry;
    extra["type"] = "who_list";
    who["sessions"] = {extra};
    EXPECT_EQ(code_of(who.dump()), "malformed") << "an item has no type field";
    who["sessions"] = {"alice"};
    EXPECT_EQ(code_of(who.dump()), "malformed") << "items are objects";
    auto long_name = entry;
    long_name["name"] = std::string(kMaxDeviceNameBytes + 1, 'n');
    who["sessions"] = {long_name};
    EXPECT_EQ(code_of(who.dump()), "malformed");
    who["sessions"] = {entry};
    who["truncated"] = "no";
    EXPECT_EQ(code_of(who.dump()), "malformed");
}

// A hostile server cannot put a fake command or a non-name where the client shows a user.
TEST(UserMessages, WhatTheServerSaysAboutUsersNamesUsers) {
    EXPECT_EQ(code_of(R"({"event":"request","type":"friend_event","user":"x: /friend accept m"})"),
              "malformed");
    EXPECT_EQ(code_of(R"({"online":true,"type":"presence","user":"ab"})"), "malformed");
    EXPECT_EQ(
        code_of(
            R"({"friends":["bob","1eve"],"id":1,"incoming":[],"online":[],"outgoing":[],"type":"friend_list"})"),
        "malformed");
    nlohmann::json who = {
        {"type", "who_list"},
        {"id", 1},
        {"sessions", {{{"user", "\u001b[2J"}, {"device", ""}, {"name", ""}, {"since", 1}}}},
        {"truncated", false}};
    EXPECT_EQ(code_of(who.dump()), "malformed");
    // A request may name anything: the server answers invalid_request, and the session goes on.
    EXPECT_EQ(code_of(R"({"id":1,"op":"request","type":"friend","user":"x: y"})"), "ok");
}

TEST(UserMessages, TheLargestListsFitOneRecord) {
    std::string longest(kMaxUsernameBytes, 'u');
    msg::FriendList list{~std::uint64_t{0}, std::vector<std::string>(kMaxFriends, longest),
                         std::vector<std::string>(kMaxFriends, longest),
                         std::vector<std::string>(kMaxIncomingRequests, longest),
                         std::vector<std::string>(kMaxOutgoingRequests, longest)};
    EXPECT_TRUE(msg::encode_for_record(msg::Inner{list}));
    msg::WhoList who{~std::uint64_t{0},
                     std::vector<msg::WhoEntry>(
                         kMaxWhoEntries,
                         msg::WhoEntry{longest, std::string(64, 'f'),
                                       std::string(kMaxDeviceNameBytes, 'n'), ~std::uint64_t{0}}),
                     true};
    EXPECT_TRUE(msg::encode_for_record(msg::Inner{who}));
}

TEST(UserMessages, UserAddReadsItsPasswordIntoWipedMemoryAndIsForAdmins) {
    // user_add carries a password like register: it is read into wiped memory.
    auto decoded = msg::decode_inner(
        R"({"email":"c@example.org","id":9,"password":"0123456789","type":"user_add","username":"carol"})");
    ASSERT_TRUE(decoded);
    auto& add = std::get<msg::UserAdd>(*decoded);
    EXPECT_EQ(add.password.reveal_text(crypto::SecretAccess{}), "0123456789");
    EXPECT_EQ(msg::least_role(msg::Request{add}), Role::admin);
    EXPECT_EQ(msg::least_role(msg::Request{msg::ListFriends{1}}), Role::user);
}

}  // namespace
}  // namespace sc::proto
