// Friends and friend requests. Every change that reads before it writes is one transaction that
// first locks the users rows of both sides (lock_accounts), so two people asking each other at
// the same moment end as friends exactly once, on SQLite and on MariaDB alike.
#include <algorithm>

#include "proto/limits.h"
#include "store/account_store_sql.h"
#include "store/accounts.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

// A target looked up before its row is locked may be registered meanwhile; the lookup is
// repeated under the lock and the transaction started again this often if it changed.
constexpr int kLookupAttempts = 3;

// An id no account has (ids start at 1): statements run with it for a name without an account
// match nothing, so such a name costs the statements an account's name does.
constexpr std::int64_t kNoAccountId = 0;

struct User {
    std::int64_t id = 0;
    std::string username;  // as the accounts table spells it
    bool operator==(const User&) const = default;
};

bool is_account_name(const std::string& username) {
    return static_cast<bool>(validate_username(username));
}

StoreResult<std::optional<User>> find_user(sql::Connection& db, std::string_view username,
                                           std::string_view during) {
    SC_TRY_ASSIGN(auto select,
                  db.prepare("SELECT id, username FROM users WHERE username = ?", during));
    select->bind_text(1, username);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done) {
        return std::optional<User>{};
    }
    return std::optional<User>{
        User{select->get_int64(0).value_or(0), select->get_text(1).value_or("")}};
}

StoreResult<std::string> username_of(sql::Connection& db, std::int64_t id,
                                     std::string_view during) {
    SC_TRY_ASSIGN(auto select, db.prepare("SELECT username FROM users WHERE id = ?", during));
    select->bind_int64(1, id);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done) {
        return fail(store_error(StoreErrorCode::not_found, "no account has this id"));
    }
    return select->get_text(0).value_or("");
}

StoreResult<bool> are_friends_by_id(sql::Connection& db, std::int64_t a, std::int64_t b,
                                    std::string_view during) {
    SC_TRY_ASSIGN(std::int64_t rows, query_count(db,
                                                 "SELECT COUNT(*) FROM friendships"
                                                 " WHERE user_low = ? AND user_high = ?",
                                                 {std::min(a, b), std::max(a, b)}, during));
    return rows > 0;
}

StoreResult<bool> has_request(sql::Connection& db, std::int64_t from, std::string_view to,
                              std::string_view during) {
    SC_TRY_ASSIGN(std::int64_t rows, query_count(db,
                                                 "SELECT COUNT(*) FROM friend_requests"
                                                 " WHERE from_id = ? AND to_username = ?",
                                                 {from, to}, during));
    return rows > 0;
}

// A request from the account named `from` (any case) to the account `to`, in one statement.
StoreResult<bool> has_request_from_name(sql::Connection& db, std::string_view from, std::int64_t to,
                                        std::string_view during) {
    SC_TRY_ASSIGN(std::int64_t rows,
                  query_count(db,
                              "SELECT COUNT(*) FROM friend_requests r JOIN users u"
                              " ON u.id = r.from_id WHERE u.username = ?"
                              " AND r.to_username = (SELECT username FROM users WHERE id = ?)",
                              {from, to}, during));
    return rows > 0;
}

StoreResult<std::int64_t> friend_count(sql::Connection& db, std::int64_t id,
                                       std::string_view during) {
    return query_count(db, "SELECT COUNT(*) FROM friendships WHERE user_low = ? OR user_high = ?",
                       {id, id}, during);
}

Failure<StoreError> limit(std::string what) {
    return fail(store_error(StoreErrorCode::limit_reached, std::move(what)));
}

// Both sides below kMaxFriends, or limit_reached.
StoreResult<bool> check_friend_room(sql::Connection& db, std::int64_t a, std::int64_t b,
                                    std::string_view during) {
    for (std::int64_t id : {a, b}) {
        SC_TRY_ASSIGN(std::int64_t count, friend_count(db, id, during));
        if (count >= static_cast<std::int64_t>(proto::kMaxFriends)) {
            return limit(std::string(id == a ? "you have" : "they have") + " " +
                         std::to_string(proto::kMaxFriends) + " friends already");
        }
    }
    return true;
}

// Deletes the requests each side made to the other and writes the friendship.
StoreResult<bool> make_friends(sql::Connection& db, const User& a, const User& b, TimePoint when,
                               std::string_view during) {
    SC_TRY_ASSIGN(auto remove, db.prepare("DELETE FROM friend_requests WHERE from_id = ?"
                                          " AND to_username = ?",
                                          during));
    for (const auto& [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        remove->reset();
        bind_params(*remove, {from->id, to->username});
        SC_TRY(remove->step());
    }
    SC_TRY_ASSIGN(
        auto insert,
        db.prepare("INSERT INTO friendships (user_low, user_high, since) VALUES (?, ?, ?)",
                   during));
    bind_params(*insert, {std::min(a.id, b.id), std::max(a.id, b.id)});
    insert->bind_time(3, detail::truncate_to_ms(when));
    SC_TRY(insert->step());
    return true;
}

// Appends (name, time) rows of `select` as entries in `state`.
StoreResult<bool> read_entries(sql::Statement& select, FriendState state,
                               std::vector<FriendEntry>& out) {
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select.step());
        if (step == sql::Step::done) {
            return true;
        }
        auto since = select.get_time(1);
        if (!since) {
            return fail(store_error(StoreErrorCode::corrupt, "a friend row has no readable time"));
        }
        out.push_back(FriendEntry{select.get_text(0).value_or(""), state, *since});
    }
}

}  // namespace

StoreResult<RequestOutcome> SqlStore::request_friend(std::int64_t from_account,
                                                     const std::string& to_username,
                                                     TimePoint when) {
    if (!is_account_name(to_username)) {
        return fail(store_error(StoreErrorCode::invalid_argument,
                                "that is not a valid username, so no such user can exist"));
    }
    const std::string_view during = "requesting a friend";
    std::lock_guard lock(mutex_);
    for (int attempt = 0; attempt < kLookupAttempts; ++attempt) {
        SC_TRY_ASSIGN(std::optional<User> seen, find_user(*db_, to_username, during));
        SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
        SC_TRY_ASSIGN(std::uint64_t locked,
                      lock_accounts(*db_, from_account, seen ? seen->id : from_account, during));
        if (locked == 0) {
            return fail(store_error(StoreErrorCode::not_found, "no account has this id"));
        }
        SC_TRY_ASSIGN(std::optional<User> target, find_user(*db_, to_username, during));
        if (target != seen) {
            continue;  // registered (or changed) between the lookup and the lock: again
        }
        SC_TRY_ASSIGN(std::string own_name, username_of(*db_, from_account, during));
        const User self{from_account, std::move(own_name)};
        if (target && target->id == self.id) {
            return RequestOutcome::to_self;
        }
        // The same statements for a name without an account, with an id no row has, so that
        // a request to it takes the path (and about the time) of one to a stranger.
        const std::int64_t target_id = target ? target->id : kNoAccountId;
        SC_TRY_ASSIGN(bool befriended, are_friends_by_id(*db_, self.id, target_id, during));
        if (befriended) {
            return RequestOutcome::already_friends;
        }
        SC_TRY_ASSIGN(bool asked_us, has_request(*db_, target_id, self.username, during));
        if (asked_us && target) {
            SC_TRY(check_friend_room(*db_, self.id, target->id, during));
            SC_TRY(make_friends(*db_, self, *target, when, during));
            SC_TRY(transaction.commit());
            return RequestOutcome::became_friends;
        }
        SC_TRY_ASSIGN(bool asked, has_request(*db_, self.id, to_username, during));
        if (asked) {
            return RequestOutcome::already_requested;
        }
        SC_TRY_ASSIGN(std::int64_t outgoing,
                      query_count(*db_, "SELECT COUNT(*) FROM friend_requests WHERE from_id = ?",
                                  {self.id}, during));
        if (outgoing >= static_cast<std::int64_t>(proto::kMaxOutgoingRequests)) {
            return limit("you have " + std::to_string(proto::kMaxOutgoingRequests) +
                         " friend requests pending; wait for answers or withdraw some");
        }
        SC_TRY_ASSIGN(std::int64_t friends, friend_count(*db_, self.id, during));
        if (friends >= static_cast<std::int64_t>(proto::kMaxFriends)) {
            return limit("you have " + std::to_string(proto::kMaxFriends) + " friends already");
        }
        // Counted by name, whether or not it is an account: the answer tells nothing more.
        SC_TRY_ASSIGN(
            std::int64_t incoming,
            query_count(*db_, "SELECT COUNT(*) FROM friend_requests WHERE to_username = ?",
                        {std::string_view(to_username)}, during));
        if (incoming >= static_cast<std::int64_t>(proto::kMaxIncomingRequests)) {
            return limit("that user has too many friend requests pending; try again later");
        }
        SC_TRY_ASSIGN(auto insert,
                      db_->prepare("INSERT INTO friend_requests (from_id, to_username, created_at)"
                                   " VALUES (?, ?, ?)",
                                   during));
        bind_params(*insert, {self.id, to_username});
        insert->bind_time(3, detail::truncate_to_ms(when));
        SC_TRY(insert->step());
        SC_TRY(transaction.commit());
        return RequestOutcome::requested;
    }
    return fail(store_error(StoreErrorCode::unavailable,
                            std::string(during) + ": accounts kept changing; try again"));
}

StoreResult<AnswerOutcome> SqlStore::accept_friend(std::int64_t account,
                                                   const std::string& from_username,
                                                   TimePoint when) {
    if (!is_account_name(from_username)) {
        return AnswerOutcome::no_request;
    }
    const std::string_view during = "accepting a friend request";
    std::lock_guard lock(mutex_);
    // One statement first, the same whether or not `from_username` is an account: without a
    // request from it to us there is nothing to lock or read (no timing tells the two apart).
    SC_TRY_ASSIGN(bool asked_us, has_request_from_name(*db_, from_username, account, during));
    if (!asked_us) {
        return AnswerOutcome::no_request;
    }
    for (int attempt = 0; attempt < kLookupAttempts; ++attempt) {
        SC_TRY_ASSIGN(std::optional<User> seen, find_user(*db_, from_username, during));
        if (!seen || seen->id == account) {
            return AnswerOutcome::no_request;
        }
        SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
        SC_TRY_ASSIGN(std::uint64_t locked, lock_accounts(*db_, account, seen->id, during));
        SC_TRY_ASSIGN(std::optional<User> from, find_user(*db_, from_username, during));
        if (from != seen) {
            continue;
        }
        if (locked < 2) {
            return fail(store_error(StoreErrorCode::not_found, "no account has this id"));
        }
        SC_TRY_ASSIGN(std::string name, username_of(*db_, account, during));
        const User self{account, std::move(name)};
        SC_TRY_ASSIGN(bool asked, has_request(*db_, from->id, self.username, during));
        if (!asked) {
            return AnswerOutcome::no_request;
        }
        SC_TRY(check_friend_room(*db_, self.id, from->id, during));
        SC_TRY(make_friends(*db_, self, *from, when, during));
        SC_TRY(transaction.commit());
        return AnswerOutcome::done;
    }
    return fail(store_error(StoreErrorCode::unavailable,
                            std::string(during) + ": accounts kept changing; try again"));
}

StoreResult<AnswerOutcome> SqlStore::decline_friend(std::int64_t account,
                                                    const std::string& from_username) {
    if (!is_account_name(from_username)) {
        return AnswerOutcome::no_request;
    }
    std::lock_guard lock(mutex_);
    // One statement: the request from that account to our name, whatever case it was typed in.
    SC_TRY_ASSIGN(auto remove,
                  db_->prepare("DELETE FROM friend_requests"
                               " WHERE from_id = (SELECT id FROM users WHERE username = ?)"
                               " AND to_username = (SELECT username FROM users WHERE id = ?)",
                               "declining a friend request"));
    bind_params(*remove, {from_username, account});
    SC_TRY_ASSIGN(bool declined, update_one(*remove));
    return declined ? AnswerOutcome::done : AnswerOutcome::no_request;
}

StoreResult<RemoveOutcome> SqlStore::remove_friend(std::int64_t account,
                                                   const std::string& username) {
    if (!is_account_name(username)) {
        return RemoveOutcome::not_friends;
    }
    const std::string_view during = "removing a friend";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    SC_TRY_ASSIGN(std::optional<User> other, find_user(*db_, username, during));
    // Run for a name without an account too (with an id no row has): the same statements.
    const std::int64_t other_id = other ? other->id : kNoAccountId;
    SC_TRY_ASSIGN(auto unfriend, db_->prepare("DELETE FROM friendships"
                                              " WHERE user_low = ? AND user_high = ?",
                                              during));
    bind_params(*unfriend, {std::min(account, other_id), std::max(account, other_id)});
    SC_TRY_ASSIGN(bool removed, update_one(*unfriend));
    SC_TRY_ASSIGN(auto withdraw, db_->prepare("DELETE FROM friend_requests"
                                              " WHERE from_id = ? AND to_username = ?",
                                              during));
    bind_params(*withdraw, {account, username});
    SC_TRY_ASSIGN(bool withdrawn, update_one(*withdraw));
    SC_TRY(transaction.commit());
    if (removed) {
        return RemoveOutcome::unfriended;
    }
    return withdrawn ? RemoveOutcome::withdrawn : RemoveOutcome::not_friends;
}

StoreResult<std::vector<FriendEntry>> SqlStore::friends(std::int64_t account) {
    const std::string_view during = "listing friends";
    std::lock_guard lock(mutex_);
    std::vector<FriendEntry> entries;
    SC_TRY_ASSIGN(auto friends,
                  db_->prepare("SELECT u.username, f.since FROM friendships f"
                               " JOIN users u ON u.id = f.user_high WHERE f.user_low = ?"
                               " UNION ALL SELECT u.username, f.since FROM friendships f"
                               " JOIN users u ON u.id = f.user_low WHERE f.user_high = ?"
                               " ORDER BY 1 LIMIT ?",
                               during));
    bind_params(*friends, {account, account, static_cast<std::int64_t>(proto::kMaxFriends)});
    SC_TRY(read_entries(*friends, FriendState::friends, entries));
    SC_TRY_ASSIGN(auto incoming,
                  db_->prepare("SELECT u.username, r.created_at FROM friend_requests r"
                               " JOIN users u ON u.id = r.from_id"
                               " WHERE r.to_username = (SELECT username FROM users WHERE id = ?)"
                               " ORDER BY r.created_at, u.id LIMIT ?",
                               during));
    bind_params(*incoming, {account, static_cast<std::int64_t>(proto::kMaxIncomingRequests)});
    SC_TRY(read_entries(*incoming, FriendState::incoming, entries));
    SC_TRY_ASSIGN(auto outgoing,
                  db_->prepare("SELECT to_username, created_at FROM friend_requests"
                               " WHERE from_id = ? ORDER BY created_at, to_username LIMIT ?",
                               during));
    bind_params(*outgoing, {account, static_cast<std::int64_t>(proto::kMaxOutgoingRequests)});
    SC_TRY(read_entries(*outgoing, FriendState::outgoing, entries));
    return entries;
}

StoreResult<bool> SqlStore::are_friends(const std::string& a, const std::string& b) {
    if (!is_account_name(a) || !is_account_name(b)) {
        return false;
    }
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(std::int64_t rows,
                  query_count(*db_,
                              "SELECT COUNT(*) FROM friendships f, users x, users y"
                              " WHERE x.username = ? AND y.username = ?"
                              " AND ((f.user_low = x.id AND f.user_high = y.id)"
                              " OR (f.user_low = y.id AND f.user_high = x.id))",
                              {a, b}, "checking a friendship"));
    return rows > 0;
}

}  // namespace sc::store
