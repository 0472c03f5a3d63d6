// Administration over the network (issue 10): who, user_add, disable, enable, kick. The
// session has already refused these to regular users (`forbidden`). Store work runs off the
// I/O thread (user_add on the registration workers, since it hashes; the rest on the query
// workers), and other users' sessions are ended on their own strands (end_for).
#include <algorithm>

#include "common/usernames.h"
#include "server/connection.h"
#include "server/log.h"

namespace sc::server {
namespace {

using proto::ErrorCode;

// What a user_admin job found out, for the strand.
struct AdminOutcome {
    std::optional<ErrorCode> code;  // none = done
    std::string message;
    std::string user;  // as the account spells it, when there is one
};

AdminOutcome store_failure(const store::StoreError& error) {
    if (error.code == store::StoreErrorCode::unavailable) {
        return {ErrorCode::unavailable, "the account database is unavailable; try again later", {}};
    }
    return {ErrorCode::internal, "internal server error", {}};
}

// Runs on a query worker, first in every admin request: the role a session got at login may
// have been taken away since (a demotion or a disable on the host), and an admin request acts
// on the store's word of now, not the session's of then.
std::optional<AdminOutcome> refuse_unless_still_admin(store::Store& store,
                                                      const std::string& caller) {
    auto found = store.find_account(caller);
    if (!found) {
        return store_failure(found.error());
    }
    if (!*found || (*found)->disabled || (*found)->role != store::Role::admin) {
        return AdminOutcome{ErrorCode::forbidden,
                            "this account is no longer an administrator (its role changed after "
                            "this session logged in)",
                            {}};
    }
    return std::nullopt;
}

// Runs on a query worker.
AdminOutcome apply_user_command(store::Store& store, const std::string& caller,
                                proto::msg::UserOp op, const std::string& user) {
    if (auto refused = refuse_unless_still_admin(store, caller)) {
        return *refused;
    }
    auto found = store.find_account(user);
    if (!found) {
        return store_failure(found.error());
    }
    if (!*found) {
        return {ErrorCode::no_such_user, "no account is named " + user, {}};
    }
    const store::Account& account = **found;
    if (op != proto::msg::UserOp::kick) {
        auto changed = store.set_disabled(account.id, op == proto::msg::UserOp::disable);
        if (!changed) {
            return store_failure(changed.error());
        }
        if (!*changed) {
            return {ErrorCode::no_such_user, "no account is named " + user, {}};
        }
    }
    return {std::nullopt, {}, account.username};
}

// An admin's user_add: the rule that failed is named, and so is a taken name or email (the
// asker is an admin, who may know which accounts exist).
std::pair<ErrorCode, std::string> user_add_refusal(const store::AuthError& error) {
    switch (error.code) {
        case store::AuthErrorCode::invalid_email:
        case store::AuthErrorCode::invalid_username:
        case store::AuthErrorCode::weak_password:
            return {ErrorCode::invalid_request, error.message};
        case store::AuthErrorCode::username_taken:
        case store::AuthErrorCode::email_taken:
            return {ErrorCode::registration_failed, "this username or email address is taken"};
        case store::AuthErrorCode::unavailable:
            return {ErrorCode::unavailable, "the account database is unavailable; try again later"};
        default:
            return {ErrorCode::internal, "internal server error"};
    }
}

std::string sessions_text(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " session" : " sessions");
}

}  // namespace

// Runs `then` on the strand once the store confirms the caller is still an admin; otherwise
// answers request `id` with the refusal.
void Connection::as_current_admin(std::uint64_t id, std::function<void()> then) {
    auto self = shared_from_this();
    bool queued = ctx_.queries.submit<std::optional<AdminOutcome>>(
        strand_,
        [self, caller = username_] { return refuse_unless_still_admin(*self->ctx_.store, caller); },
        [self, id, then = std::move(then)](std::optional<AdminOutcome> refused) {
            self->guarded("admin_check", [&] {
                if (refused) {
                    self->answer_result(id, refused->code, std::move(refused->message));
                    return;
                }
                then();
            });
        });
    if (!queued) {
        auto busy = AuthService::busy();
        answer_result(id, busy.code, busy.message);
    }
}

void Connection::on_request(proto::msg::Who& m) {
    as_current_admin(m.id, [this, id = m.id] { answer_who(id); });
}

void Connection::answer_who(std::uint64_t id) {
    auto listing = ctx_.logged_in.list(proto::kMaxWhoEntries);
    proto::msg::WhoList list{.id = id, .sessions = {}, .truncated = listing.truncated};
    for (auto& s : listing.sessions) {
        list.sessions.push_back(proto::msg::WhoEntry{std::move(s.user), std::move(s.device),
                                                     std::move(s.device_name), s.since_ms});
    }
    log::event(log::Level::info, "admin_who",
               {{"conn", conn()},
                {"user", username_},
                {"sessions", std::to_string(list.sessions.size())}});
    answer(proto::msg::Answer{std::move(list)});
}

void Connection::on_request(proto::msg::UserAdd& m) {
    auto secret = std::make_shared<crypto::SecretBytes>(std::move(m.password));
    as_current_admin(m.id, [this, id = m.id, email = m.email, user = m.username, secret] {
        add_user(id, email, user, secret);
    });
}

void Connection::add_user(std::uint64_t id, const std::string& email, const std::string& username,
                          std::shared_ptr<crypto::SecretBytes> secret) {
    auto self = shared_from_this();
    bool queued = ctx_.auth.submit(
        AuthPool::Kind::registration, strand_,
        [self, email, user = username, secret] {
            return self->ctx_.accounts.add_account(email, user, *secret, store::Role::user);
        },
        [self, id, user = username](AuthService::Outcome result) {
            self->guarded("user_add", [&] {
                log::event(log::Level::info, "admin_user_add",
                           {{"conn", self->conn()},
                            {"user", self->username_},
                            {"added", user},
                            {"result",
                             result ? std::string("ok")
                                    : std::string(store::auth_error_name(result.error().code))}});
                if (result) {
                    self->answer_result(id, std::nullopt, "added " + result->username);
                    return;
                }
                auto [code, message] = user_add_refusal(result.error());
                self->answer_result(id, code, std::move(message));
            });
        });
    if (!queued) {
        auto busy = AuthService::busy();
        answer_result(id, busy.code, busy.message);
    }
}

void Connection::on_request(proto::msg::UserCommand& m) {
    using proto::msg::UserOp;
    if (auto problem = username_problem(m.user)) {
        answer_result(m.id, ErrorCode::invalid_request, *problem);
        return;
    }
    // Decided: an admin cannot disable their own account (nobody might be left to enable it,
    // and the host CLI is the way back); kicking oneself only ends one's own sessions.
    if (m.op == UserOp::disable && same_username(m.user, username_)) {
        answer_result(m.id, ErrorCode::invalid_request,
                      "you cannot disable your own account; another administrator can");
        return;
    }
    auto self = shared_from_this();
    std::uint64_t id = m.id;
    UserOp op = m.op;
    bool queued = ctx_.queries.submit<AdminOutcome>(
        strand_,
        [self, caller = username_, op, user = m.user] {
            return apply_user_command(*self->ctx_.store, caller, op, user);
        },
        [self, id, op](AdminOutcome outcome) {
            self->guarded("user_admin", [&] {
                std::size_t ended = 0;
                if (!outcome.code && op != UserOp::enable) {
                    auto why =
                        op == UserOp::disable ? ErrorCode::account_disabled : ErrorCode::kicked;
                    std::string reason = op == UserOp::disable
                                             ? "an administrator disabled this account"
                                             : "an administrator ended this session";
                    // end_for posts: a kicked admin's own session ends after this answer.
                    auto sessions = self->ctx_.logged_in.sweep(outcome.user, why);
                    ended = sessions.size();
                    for (auto& c : sessions) {
                        c->end_for(why, reason);
                    }
                }
                log::event(
                    log::Level::info, "admin_user_command",
                    {{"conn", self->conn()},
                     {"user", self->username_},
                     {"op", std::string(proto::msg::wire_name(op))},
                     {"target", outcome.user},
                     {"sessions_ended", std::to_string(ended)},
                     {"result", outcome.code ? std::string(proto::error_code_name(*outcome.code))
                                             : std::string("ok")}});
                if (outcome.code) {
                    self->answer_result(id, outcome.code, std::move(outcome.message));
                    return;
                }
                if (op == UserOp::enable) {
                    self->answer_result(id, std::nullopt, "enabled " + outcome.user);
                    return;
                }
                std::string done = op == UserOp::disable ? "disabled " : "kicked ";
                self->answer_result(id, std::nullopt,
                                    done + outcome.user + " (" + sessions_text(ended) + " ended)");
            });
        });
    if (!queued) {
        auto busy = AuthService::busy();
        answer_result(id, busy.code, busy.message);
    }
}

void Connection::end_for(proto::ErrorCode code, std::string reason) {
    auto self = shared_from_this();
    asio::post(strand_, [self, code, reason = std::move(reason)]() mutable {
        self->guarded("end_for", [&] {
            if (!self->closed_) {
                self->begin_close(std::move(reason), code,
                                  self->now() + self->ctx_.settings.limits.shutdown_grace, true);
            }
        });
    });
}

}  // namespace sc::server
