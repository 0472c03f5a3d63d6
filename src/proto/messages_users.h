// The codec of the messages between users (docs/PROTOCOL.md §2.3), beside messages.cpp's:
// one decode_body and one encode_body per message, found by messages.cpp's folds.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <type_traits>
#include <vector>

#include "proto/messages.h"
#include "proto/wire/json_reader.h"

namespace sc::proto::msg::users_codec {

#define SC_USERS_CODEC(T)                                             \
    ProtoResult<T> decode_body(JsonReader& r, std::type_identity<T>); \
    nlohmann::json encode_body(const T& m);
SC_USERS_CODEC(FriendCommand)
SC_USERS_CODEC(ListFriends)
SC_USERS_CODEC(Who)
SC_USERS_CODEC(UserAdd)
SC_USERS_CODEC(UserCommand)
SC_USERS_CODEC(Result)
SC_USERS_CODEC(FriendList)
SC_USERS_CODEC(WhoList)
SC_USERS_CODEC(Presence)
SC_USERS_CODEC(FriendEvent)
SC_USERS_CODEC(SessionEnd)
#undef SC_USERS_CODEC

// The words of these messages that are not a kType or a field of a message: WhoEntry's fields,
// each enum's spelling and "ok".
void add_users_vocabulary(std::vector<std::string_view>& out);

}  // namespace sc::proto::msg::users_codec
