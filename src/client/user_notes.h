// The users part of the protocol (docs/PROTOCOL.md §2.3) in the client's words: what a request
// is about (for its `done` or error), and the server's answers and pushes as notifications.
// Pure functions, no session, so they are unit-tested directly.
#pragma once

#include <string>

#include "client/chat_events.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace sc::client {

// What a request asks, kept until its answer: {"friend", "accept", "bob"}.
struct RequestSummary {
    std::string request;  // the wire type
    std::string op;
    std::string user;
};
RequestSummary summarize(const proto::msg::Request& request);

// A friend_list: each friend with whether it is online (names in `online` that are no friend
// are ignored), and the pending requests both ways.
note::Friends friends_note(const proto::msg::FriendList& list);
// A who_list grouped by user (in order of the user's name), each user's devices in the order
// the server listed them, and `since` the earliest login of them.
note::Who who_note(const proto::msg::WhoList& list);
// presence → Presence; friend_event → FriendRequest, FriendAdded or FriendRemoved.
Notification push_note(const proto::msg::Push& push);

// The answer `result` to `summary`: Done when it has no code, else the error in plain words.
Notification result_note(const proto::msg::Result& result, const RequestSummary& summary);
// session_end: why the server ended the session.
note::Kicked kicked_note(proto::ErrorCode code, const std::string& raw_message);

}  // namespace sc::client
