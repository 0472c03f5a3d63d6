// Friends (issue 10): request, accept, decline, remove, list, and presence. Each request's store
// work runs on the query workers (StoreService) and its answer comes back to the strand; the
// other side learns through the router (friend_event, presence), after the store has committed.
// docs/PROTOCOL.md §2.3.1 is the behaviour described for clients.
#include <utility>

#include "common/usernames.h"
#include "server/connection.h"
#include "server/log.h"

namespace sc::server {
namespace {

using proto::ErrorCode;
using proto::msg::FriendEvent;
using proto::msg::FriendEventKind;
using proto::msg::FriendOp;

// What a friend command did: the answer, and whom the router must tell.
struct FriendOutcome {
    enum class Effect { none, requested, added, unfriended, withdrawn };
    std::optional<ErrorCode> code;
    std::string message;
    Effect effect = Effect::none;
    std::string detail;  // a store failure, for our log only
    std::string other;   // the other user; for added/unfriended as the accounts table spells it
};

FriendOutcome refused(ErrorCode code, std::string message) {
    return {code, std::move(message), FriendOutcome::Effect::none, {}, {}};
}

FriendOutcome done(std::string message,
                   FriendOutcome::Effect effect = FriendOutcome::Effect::none) {
    return {std::nullopt, std::move(message), effect, {}, {}};
}

// Store errors to the wire, once. The limit and argument messages are written for the user;
// database details stay in our log.
FriendOutcome store_failure(const store::StoreError& e) {
    switch (e.code) {
        case store::StoreErrorCode::limit_reached:
            return refused(ErrorCode::limit_reached, e.message);
        case store::StoreErrorCode::invalid_argument:
            return refused(ErrorCode::invalid_request, e.message);
        case store::StoreErrorCode::unavailable: {
            auto out =
                refused(ErrorCode::unavailable, "the account store is unavailable; try again");
            out.detail = e.message;
            return out;
        }
        default: {
            auto out = refused(ErrorCode::internal, "internal server error");
            out.detail = e.message;
            return out;
        }
    }
}

// On a query worker. The answers depend only on the requester's own rows, never on whether
// `user` has an account: the store keeps requests by name (FriendStore), so a request to a
// name nobody has is "requested" like any other and stays pending.
FriendOutcome run_friend_command(store::FriendStore& friends, std::int64_t account, FriendOp op,
                                 const std::string& user, store::TimePoint now);

// The same, and for friends added or unfriended the other's own spelling of the name ("Bob"
// typed, "bob" the account), so that both sides' friend_event and presence name the account.
// Only there: those outcomes already tell the requester that the account exists. A withdrawn
// request keeps the name as typed, or the spelling would tell whether it is an account.
FriendOutcome run_friend_command(store::Store& store, std::int64_t account, FriendOp op,
                                 const std::string& user, store::TimePoint now) {
    auto outcome =
        run_friend_command(static_cast<store::FriendStore&>(store), account, op, user, now);
    outcome.other = user;
    if (outcome.effect == FriendOutcome::Effect::added ||
        outcome.effect == FriendOutcome::Effect::unfriended) {
        if (auto found = store.find_account(user); found && *found) {
            outcome.other = (*found)->username;
        }
    }
    return outcome;
}

FriendOutcome run_friend_command(store::FriendStore& friends, std::int64_t account, FriendOp op,
                                 const std::string& user, store::TimePoint now) {
    using Effect = FriendOutcome::Effect;
    switch (op) {
        case FriendOp::request: {
            auto r = friends.request_friend(account, user, now);
            if (!r) {
                return store_failure(r.error());
            }
            switch (*r) {
                case store::RequestOutcome::requested:
                    return done("friend request sent", Effect::requested);
                case store::RequestOutcome::became_friends:
                    return done("they had asked you too: you are now friends", Effect::added);
                case store::RequestOutcome::already_friends:
                    return done("you are friends already");
                case store::RequestOutcome::already_requested:
                    return done("friend request sent already");
                case store::RequestOutcome::to_self:
                    return refused(ErrorCode::invalid_request, "you cannot befriend yourself");
            }
            break;
        }
        case FriendOp::accept: {
            auto r = friends.accept_friend(account, user, now);
            if (!r) {
                return store_failure(r.error());
            }
            if (*r == store::AnswerOutcome::no_request) {
                return refused(ErrorCode::not_pending, "there is no friend request from that user");
            }
            return done("you are now friends", Effect::added);
        }
        case FriendOp::decline: {
            auto r = friends.decline_friend(account, user);
            if (!r) {
                return store_failure(r.error());
            }
            if (*r == store::AnswerOutcome::no_request) {
                return refused(ErrorCode::not_pending, "there is no friend request from that user");
            }
            // Silent, as in Signal: the requester is not told (their request just stays unanswered
            // from where they stand, until they withdraw it with remove).
            return done("friend request declined");
        }
        case FriendOp::remove: {
            auto r = friends.remove_friend(account, user);
            if (!r) {
                return store_failure(r.error());
            }
            if (*r == store::RemoveOutcome::not_friends) {
                return refused(ErrorCode::not_friends, "that user is not your friend");
            }
            return done("removed", *r == store::RemoveOutcome::unfriended ? Effect::unfriended
                                                                          : Effect::withdrawn);
        }
    }
    return refused(ErrorCode::internal, "internal server error");
}

}  // namespace

void Connection::on_request(proto::msg::FriendCommand& m) {
    if (presence_joining_) {
        deferred_request_ = m;  // the session reads nothing more until it is answered
        return;
    }
    if (auto problem = username_problem(m.user)) {
        answer_result(m.id, ErrorCode::invalid_request, *problem);
        return;
    }
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value());  // the dispatch table admits requests after login only
    // Each command may push friend_event to every session of the other side: bounded per
    // account, whatever the command and however many sessions it comes from.
    if (auto wait = ctx_.friend_ops.take(std::to_string(principal->account_id), now())) {
        log::event(log::Level::warn, "friend_throttled", {{"conn", conn()}, {"user", username_}});
        answer_result(
            m.id, ErrorCode::throttled,
            "too many friend commands; try again in " + std::to_string(wait->count()) + " s");
        return;
    }
    if (canonical_username(m.user) == canonical_username(username_)) {
        answer_result(m.id, ErrorCode::invalid_request, "you cannot befriend yourself");
        return;
    }
    auto self = shared_from_this();
    auto id = m.id;
    auto op = m.op;
    auto user = m.user;
    auto account = principal->account_id;
    auto when = ctx_.clock->now();
    bool queued = ctx_.queries.submit<FriendOutcome>(
        strand_,
        [self, account, op, user, when] {
            return run_friend_command(*self->ctx_.store, account, op, user, when);
        },
        [self, id, op](FriendOutcome outcome) {
            self->guarded("friend", [&] {
                // Not the other name: the log keeps who acted, not the social graph.
                log::event(
                    outcome.detail.empty() ? log::Level::info : log::Level::warn, "friend_command",
                    {{"conn", self->conn()},
                     {"user", self->username_},
                     {"op", std::string(proto::msg::wire_name(op))},
                     {"code", outcome.code ? std::string(proto::error_code_name(*outcome.code))
                                           : std::string("ok")},
                     {"reason", outcome.detail.empty() ? std::string("-") : outcome.detail}});
                self->answer_result(id, outcome.code, outcome.message);
                auto& router = *self->ctx_.router;
                const auto& me = self->username_;
                const auto& other = outcome.other;
                using Effect = FriendOutcome::Effect;
                switch (outcome.effect) {
                    case Effect::none:
                        break;
                    case Effect::requested:
                        // To a name without an account this reaches nobody, like any push to a
                        // user who is offline: the request waits in the store.
                        router.notify_user(other, FriendEvent{FriendEventKind::request, me});
                        break;
                    case Effect::added:
                        if (self->friends_.size() < proto::kMaxFriends) {
                            self->friends_.insert(canonical_username(other));
                        }
                        router.notify_user(me, FriendEvent{FriendEventKind::added, other});
                        router.notify_user(other, FriendEvent{FriendEventKind::added, me});
                        router.notify_presence(other, me);
                        router.notify_presence(me, other);
                        break;
                    case Effect::unfriended:
                        self->friends_.erase(canonical_username(other));
                        router.notify_user(me, FriendEvent{FriendEventKind::removed, other});
                        router.notify_user(other, FriendEvent{FriendEventKind::removed, me});
                        break;
                    case Effect::withdrawn:
                        // `other` as typed; the router finds its sessions in any case.
                        router.notify_user(me, FriendEvent{FriendEventKind::removed, other});
                        router.notify_user(other, FriendEvent{FriendEventKind::removed, me});
                        break;
                }
            });
        });
    if (!queued) {
        answer_result(m.id, ErrorCode::unavailable, "the server is busy; try again");
    }
}

void Connection::on_request(proto::msg::ListFriends& m) {
    if (presence_joining_) {
        deferred_request_ = m;
        return;
    }
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value());
    struct Listed {
        store::StoreResult<std::vector<store::FriendEntry>> entries;
        std::vector<std::string> online;
    };
    auto self = shared_from_this();
    auto id = m.id;
    auto account = principal->account_id;
    bool queued = ctx_.queries.submit<std::shared_ptr<Listed>>(
        strand_,
        [self, account] {
            auto listed = std::make_shared<Listed>(Listed{self->ctx_.store->friends(account), {}});
            if (listed->entries) {
                // At most kMaxFriends lookups, in memory (the router's table).
                for (const auto& e : *listed->entries) {
                    if (e.state == store::FriendState::friends &&
                        self->ctx_.router->online(e.username)) {
                        listed->online.push_back(e.username);
                    }
                }
            }
            return listed;
        },
        [self, id](std::shared_ptr<Listed> listed) {
            self->guarded("list_friends", [&] {
                if (!listed->entries) {
                    auto failure = store_failure(listed->entries.error());
                    log::event(log::Level::warn, "list_friends_failed",
                               {{"conn", self->conn()},
                                {"user", self->username_},
                                {"reason", listed->entries.error().message}});
                    self->answer_result(id, failure.code, failure.message);
                    return;
                }
                proto::msg::FriendList list{id, {}, std::move(listed->online), {}, {}};
                // friends_ is not refreshed from this snapshot: a friend_event that reached the
                // strand after the read is newer than it.
                for (auto& e : *listed->entries) {
                    switch (e.state) {
                        case store::FriendState::friends:
                            list.friends.push_back(std::move(e.username));
                            break;
                        case store::FriendState::incoming:
                            list.incoming.push_back(std::move(e.username));
                            break;
                        case store::FriendState::outgoing:
                            list.outgoing.push_back(std::move(e.username));
                            break;
                    }
                }
                self->answer(proto::msg::Answer{std::move(list)});
            });
        });
    if (!queued) {
        answer_result(m.id, ErrorCode::unavailable, "the server is busy; try again");
    }
}

// At chat-ready: join the router (pushes reach the session from now on), read the friends on a
// query worker, then announce (the friends hear we are online when no other session of ours
// has told them yet). Friend events pushed while the friends are being read are kept and
// replayed over what the store returned, so none is lost between the read and the join.
void Connection::join_presence() {
    if (presence_joining_ || presence_joined_ || route_handle_ == 0 || !session_ ||
        !session_->principal()) {
        return;
    }
    auto weak = weak_from_this();
    auto sink = [weak, strand = strand_](const proto::msg::Push& push) {
        asio::post(strand, [weak, push] {
            if (auto c = weak.lock()) {
                c->guarded("push", [&] { c->on_push(push); });
            }
        });
    };
    ctx_.router->join(username_, route_handle_, std::move(sink));
    presence_joined_ = true;
    presence_joining_ = true;
    auto self = shared_from_this();
    auto account = session_->principal()->account_id;
    using Entries = store::StoreResult<std::vector<store::FriendEntry>>;
    auto then = [self](Entries entries) {
        self->guarded("presence", [&] { self->announce_presence(std::move(entries)); });
    };
    bool queued = ctx_.queries.submit<Entries>(
        strand_, [self, account] { return self->ctx_.store->friends(account); }, then);
    if (!queued) {
        then(Entries(fail(
            store::StoreError{store::StoreErrorCode::unavailable, "the query queue is full"})));
    }
}

void Connection::announce_presence(store::StoreResult<std::vector<store::FriendEntry>> entries) {
    presence_joining_ = false;
    if (entries) {
        friends_.clear();
        for (const auto& e : *entries) {
            if (e.state == store::FriendState::friends && friends_.size() < proto::kMaxFriends) {
                friends_.insert(canonical_username(e.username));
            }
        }
    } else {
        // Online without an audience: our friends see us online at their next list_friends,
        // not by a push.
        log::event(log::Level::warn, "presence_friends_unread",
                   {{"conn", conn()}, {"user", username_}, {"reason", entries.error().message}});
    }
    for (auto& [added, name] : friend_changes_while_joining_) {
        if (added && friends_.size() < proto::kMaxFriends) {
            friends_.insert(std::move(name));
        } else if (!added) {
            friends_.erase(name);
        }
    }
    friend_changes_while_joining_.clear();
    if (closed_) {
        leave_presence();  // it ended while its friends were read: it never was online
        return;
    }
    std::vector<std::string> audience(friends_.begin(), friends_.end());
    ctx_.router->announce(username_, route_handle_, audience);
    if (auto deferred = std::exchange(deferred_request_, std::nullopt)) {
        on_request(*deferred);
    }
}

// When the session ends. While its friends are still being read the announcement's callback
// leaves instead (it holds the connection), unless the connection is being destroyed (`now`).
void Connection::leave_presence(bool now) {
    if (!presence_joined_ || (presence_joining_ && !now)) {
        return;
    }
    presence_joined_ = false;
    std::vector<std::string> audience(friends_.begin(), friends_.end());
    ctx_.router->leave(username_, route_handle_, audience);
}

void Connection::on_push(proto::msg::Push push) {
    if (!presence_joined_) {
        return;
    }
    // A friend added or removed by the other side changes whom our presence reaches, also
    // while the session closes: leave_presence must not tell a removed friend we went offline.
    if (auto* event = std::get_if<FriendEvent>(&push)) {
        bool added = event->event == FriendEventKind::added;
        if (added || event->event == FriendEventKind::removed) {
            auto name = canonical_username(event->user);
            if (presence_joining_) {
                if (friend_changes_while_joining_.size() < proto::kMaxFriends) {
                    friend_changes_while_joining_.emplace_back(added, std::move(name));
                }
            } else if (added && friends_.size() < proto::kMaxFriends) {
                friends_.insert(std::move(name));
            } else if (!added) {
                friends_.erase(name);
            }
        }
    }
    if (closed_ || closing()) {
        return;  // too late to send
    }
    handle(session().push(std::move(push)));
}

}  // namespace sc::server
