#include "proto/messages_users.h"

#include <algorithm>
#include <span>

#include "common/usernames.h"
#include "proto/limits.h"

namespace sc::proto::msg {

std::string_view wire_name(FriendOp op) {
    switch (op) {
        case FriendOp::request:
            return "request";
        case FriendOp::accept:
            return "accept";
        case FriendOp::decline:
            return "decline";
        case FriendOp::remove:
            return "remove";
    }
    return "request";
}

std::string_view wire_name(UserOp op) {
    switch (op) {
        case UserOp::disable:
            return "disable";
        case UserOp::enable:
            return "enable";
        case UserOp::kick:
            return "kick";
    }
    return "kick";
}

std::string_view wire_name(FriendEventKind kind) {
    switch (kind) {
        case FriendEventKind::request:
            return "request";
        case FriendEventKind::added:
            return "added";
        case FriendEventKind::removed:
            return "removed";
    }
    return "request";
}

namespace users_codec {

using nlohmann::json;

namespace {

// The enum value whose wire_name is `field`'s string, or `malformed` naming the choices.
template <class Enum, std::size_t N>
ProtoResult<Enum> one_of(JsonReader& r, std::string_view field, const Enum (&values)[N]) {
    SC_TRY_ASSIGN(auto text, r.string(field, kMaxNameBytes));
    std::string choices;
    for (Enum value : values) {
        if (text == wire_name(value)) {
            return value;
        }
        choices += (choices.empty() ? "" : ", ") + std::string(wire_name(value));
    }
    return proto_fail(ErrorCode::malformed, "\"" + std::string(field) + "\" of '" + r.type() +
                                                "' must be one of " + choices);
}

constexpr FriendOp kFriendOps[] = {FriendOp::request, FriendOp::accept, FriendOp::decline,
                                   FriendOp::remove};
constexpr UserOp kUserOps[] = {UserOp::disable, UserOp::enable, UserOp::kick};
constexpr FriendEventKind kFriendEvents[] = {FriendEventKind::request, FriendEventKind::added,
                                             FriendEventKind::removed};

// What the server says about users names users: anything else (a "name" holding a fake
// command for the screen, text that is not a name) is refused, not shown.
ProtoResult<bool> username_field(const JsonReader& r, std::string_view key,
                                 const std::string& name) {
    if (!is_valid_username(name)) {
        return proto_fail(ErrorCode::malformed, "\"" + std::string(key) + "\" of '" + r.type() +
                                                    "' holds something that is not a username");
    }
    return true;
}

ProtoResult<std::string> username(const JsonReader& r, std::string_view key) {
    SC_TRY_ASSIGN(auto name, r.string(key, kMaxUsernameBytes));
    SC_TRY(username_field(r, key, name));
    return name;
}

ProtoResult<std::vector<std::string>> usernames(JsonReader& r, std::string_view key,
                                                std::size_t max_items) {
    SC_TRY_ASSIGN(auto names, r.string_array(key, 0, max_items, kMaxUsernameBytes));
    for (const auto& name : names) {
        SC_TRY(username_field(r, key, name));
    }
    return names;
}

}  // namespace

ProtoResult<FriendCommand> decode_body(JsonReader& r, std::type_identity<FriendCommand>) {
    FriendCommand m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.op, one_of(r, "op", kFriendOps));
    SC_TRY_ASSIGN(m.user, r.string("user", kMaxCredentialBytes));
    return m;
}

ProtoResult<ListFriends> decode_body(JsonReader& r, std::type_identity<ListFriends>) {
    ListFriends m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    return m;
}

ProtoResult<Who> decode_body(JsonReader& r, std::type_identity<Who>) {
    Who m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    return m;
}

ProtoResult<UserAdd> decode_body(JsonReader& r, std::type_identity<UserAdd>) {
    UserAdd m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.email, r.string("email", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.password, r.secret_string("password", kMaxCredentialBytes));
    return m;
}

ProtoResult<UserCommand> decode_body(JsonReader& r, std::type_identity<UserCommand>) {
    UserCommand m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.op, one_of(r, "op", kUserOps));
    SC_TRY_ASSIGN(m.user, r.string("user", kMaxCredentialBytes));
    return m;
}

ProtoResult<Result> decode_body(JsonReader& r, std::type_identity<Result>) {
    Result m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(auto code, r.string("code", kMaxNameBytes));
    SC_TRY_ASSIGN(m.message, r.string("message", kMaxErrorMessageBytes));
    if (code != "ok") {
        m.code = parse_error_code(code);
        if (!m.code) {
            return proto_fail(ErrorCode::malformed,
                              "\"code\" of 'result' is neither ok nor an error code");
        }
    }
    return m;
}

ProtoResult<FriendList> decode_body(JsonReader& r, std::type_identity<FriendList>) {
    FriendList m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.friends, usernames(r, "friends", kMaxFriends));
    SC_TRY_ASSIGN(m.online, usernames(r, "online", kMaxFriends));
    SC_TRY_ASSIGN(m.incoming, usernames(r, "incoming", kMaxIncomingRequests));
    SC_TRY_ASSIGN(m.outgoing, usernames(r, "outgoing", kMaxOutgoingRequests));
    for (const auto& user : m.online) {
        if (std::find(m.friends.begin(), m.friends.end(), user) == m.friends.end()) {
            return proto_fail(ErrorCode::malformed,
                              "'friend_list' says online a user who is not among its friends");
        }
    }
    return m;
}

ProtoResult<WhoList> decode_body(JsonReader& r, std::type_identity<WhoList>) {
    WhoList m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(auto items, r.object_array("sessions", 0, kMaxWhoEntries));
    for (auto& item : items) {
        WhoEntry entry;
        SC_TRY(item.expect_fields(std::span<const std::string_view>(WhoEntry::kFields)));
        SC_TRY_ASSIGN(entry.user, username(item, "user"));
        SC_TRY_ASSIGN(entry.device, item.string("device", kHexDigestChars));
        SC_TRY_ASSIGN(entry.name, item.string("name", kMaxDeviceNameBytes));
        SC_TRY_ASSIGN(entry.since, item.integer("since"));
        m.sessions.push_back(std::move(entry));
    }
    SC_TRY_ASSIGN(m.truncated, r.boolean("truncated"));
    return m;
}

ProtoResult<Presence> decode_body(JsonReader& r, std::type_identity<Presence>) {
    Presence m;
    SC_TRY_ASSIGN(m.user, username(r, "user"));
    SC_TRY_ASSIGN(m.online, r.boolean("online"));
    return m;
}

ProtoResult<FriendEvent> decode_body(JsonReader& r, std::type_identity<FriendEvent>) {
    FriendEvent m;
    SC_TRY_ASSIGN(m.event, one_of(r, "event", kFriendEvents));
    SC_TRY_ASSIGN(m.user, username(r, "user"));
    return m;
}

ProtoResult<SessionEnd> decode_body(JsonReader& r, std::type_identity<SessionEnd>) {
    SessionEnd m;
    SC_TRY_ASSIGN(auto code, r.string("code", kMaxNameBytes));
    SC_TRY_ASSIGN(m.message, r.string("message", kMaxErrorMessageBytes));
    auto parsed = parse_error_code(code);
    if (!parsed) {
        return proto_fail(ErrorCode::malformed, "\"code\" of 'session_end' is not an error code");
    }
    m.code = *parsed;
    return m;
}

json encode_body(const FriendCommand& m) {
    return {{"id", m.id}, {"op", wire_name(m.op)}, {"user", m.user}};
}
json encode_body(const ListFriends& m) {
    return {{"id", m.id}};
}
json encode_body(const Who& m) {
    return {{"id", m.id}};
}
json encode_body(const UserAdd& m) {
    return {{"id", m.id},
            {"email", m.email},
            {"username", m.username},
            {"password", std::string(m.password.reveal_text(crypto::SecretAccess{}))}};
}
json encode_body(const UserCommand& m) {
    return {{"id", m.id}, {"op", wire_name(m.op)}, {"user", m.user}};
}
json encode_body(const Result& m) {
    return {{"id", m.id},
            {"code", m.code ? error_code_name(*m.code) : std::string_view("ok")},
            {"message", m.message}};
}
json encode_body(const FriendList& m) {
    return {{"id", m.id},
            {"friends", m.friends},
            {"online", m.online},
            {"incoming", m.incoming},
            {"outgoing", m.outgoing}};
}
json encode_body(const WhoList& m) {
    json sessions = json::array();
    for (const auto& entry : m.sessions) {
        sessions.push_back({{"user", entry.user},
                            {"device", entry.device},
                            {"name", entry.name},
                            {"since", entry.since}});
    }
    return {{"id", m.id}, {"sessions", std::move(sessions)}, {"truncated", m.truncated}};
}
json encode_body(const Presence& m) {
    return {{"user", m.user}, {"online", m.online}};
}
json encode_body(const FriendEvent& m) {
    return {{"event", wire_name(m.event)}, {"user", m.user}};
}
json encode_body(const SessionEnd& m) {
    return {{"code", error_code_name(m.code)}, {"message", m.message}};
}

void add_users_vocabulary(std::vector<std::string_view>& out) {
    auto add = [&](std::string_view word) {
        if (std::find(out.begin(), out.end(), word) == out.end()) {
            out.push_back(word);
        }
    };
    std::for_each(WhoEntry::kFields.begin(), WhoEntry::kFields.end(), add);
    for (auto op : kFriendOps) {
        add(wire_name(op));
    }
    for (auto op : kUserOps) {
        add(wire_name(op));
    }
    for (auto kind : kFriendEvents) {
        add(wire_name(kind));
    }
    add("ok");
}

}  // namespace users_codec
}  // namespace sc::proto::msg
