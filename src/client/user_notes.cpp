#include "client/user_notes.h"

#include <algorithm>
#include <map>
#include <set>

#include "client/errors_text.h"

namespace sc::client {

RequestSummary summarize(const proto::msg::Request& request) {
    namespace msg = proto::msg;
    return std::visit(
        [](const auto& m) -> RequestSummary {
            using T = std::decay_t<decltype(m)>;
            std::string type(T::kType);
            if constexpr (std::is_same_v<T, msg::FriendCommand>) {
                return {type, std::string(msg::wire_name(m.op)), m.user};
            } else if constexpr (std::is_same_v<T, msg::UserAdd>) {
                return {type, "add", m.username};
            } else if constexpr (std::is_same_v<T, msg::UserCommand>) {
                return {type, std::string(msg::wire_name(m.op)), m.user};
            } else {
                return {type, "", ""};
            }
        },
        request);
}

note::Friends friends_note(const proto::msg::FriendList& list) {
    std::set<std::string_view> online(list.online.begin(), list.online.end());
    note::Friends out;
    out.friends.reserve(list.friends.size());
    for (const auto& name : list.friends) {
        out.friends.push_back({name, online.contains(name)});
    }
    out.incoming = list.incoming;
    out.outgoing = list.outgoing;
    return out;
}

note::Who who_note(const proto::msg::WhoList& list) {
    std::map<std::string, note::ConnectedUser> by_user;  // bounded: the list is (kMaxWhoEntries)
    for (const auto& session : list.sessions) {
        auto [it, fresh] = by_user.try_emplace(session.user);
        auto& user = it->second;
        if (fresh) {
            user.user = session.user;
            user.since = session.since;
        }
        user.since = std::min(user.since, session.since);
        user.devices.push_back({session.device, session.name, session.since});
    }
    note::Who out;
    out.truncated = list.truncated;
    for (auto& [name, user] : by_user) {
        out.users.push_back(std::move(user));
    }
    return out;
}

Notification push_note(const proto::msg::Push& push) {
    namespace msg = proto::msg;
    if (const auto* presence = std::get_if<msg::Presence>(&push)) {
        return note::Presence{presence->user, presence->online};
    }
    if (std::holds_alternative<msg::Envelope>(push)) {
        // Envelopes go to the end-to-end layer before this; one that reaches here is refused.
        return note::Error{"unexpected_message", "an end-to-end envelope could not be handled"};
    }
    const auto& event = std::get<msg::FriendEvent>(push);
    switch (event.event) {
        case msg::FriendEventKind::request:
            return note::FriendRequest{event.user};
        case msg::FriendEventKind::added:
            return note::FriendAdded{event.user};
        case msg::FriendEventKind::removed:
            return note::FriendRemoved{event.user};
    }
    return note::FriendRemoved{event.user};
}

Notification result_note(const proto::msg::Result& result, const RequestSummary& summary) {
    if (!result.code) {
        return note::Done{summary.request, summary.op, summary.user, result.message};
    }
    return request_error(*result.code, result.message, summary.user);
}

note::Kicked kicked_note(proto::ErrorCode code, const std::string& raw_message) {
    return {std::string(proto::error_code_name(code)), session_end_text(code, raw_message)};
}

}  // namespace sc::client
