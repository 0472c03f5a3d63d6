// The end-to-end requests (docs/PROTOCOL.md §2.4): the server keeps public prekeys and relays
// envelopes it cannot read. Each request's store work (and the prekeys' signature checks) runs
// on the query workers (StoreService), and its one answer comes back to the strand. `send`
// stores the envelope, answers the signed `stored`, and wakes the recipient device's sessions
// through the router (connection_delivery.cpp pushes what the store holds). The logs name who
// asked, the request and its outcome; never a body or a message id, and not whom a `devices`,
// `bundle` or `send` was about (the social graph).
#include <chrono>
#include <utility>
#include <variant>

#include "common/usernames.h"
#include "e2e/prekeys.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/stored_statement.h"

namespace sc::server {

using proto::ErrorCode;

// What a request's job came to: an answer, or a result with a code (and, for our log only, the
// store's reason when it failed).
struct E2eOutcome {
    std::optional<proto::msg::Answer> answer;
    std::optional<ErrorCode> code;
    std::string message;
    std::string detail;
    std::optional<std::size_t> sessions;  // send: how many of the device's sessions were woken
};

namespace {

E2eOutcome refused(ErrorCode code, std::string message, std::string detail = {}) {
    return {std::nullopt, code, std::move(message), std::move(detail), std::nullopt};
}

E2eOutcome answered(proto::msg::Answer answer) {
    return {std::move(answer), std::nullopt, {}, {}, std::nullopt};
}

// Store errors to the wire, once. The limit and argument messages are written for the user;
// database details stay in our log. Only the prekey calls fail with not_found: the device
// row is gone (an administrator removed the device while its session was live).
E2eOutcome store_failure(const store::StoreError& e) {
    switch (e.code) {
        case store::StoreErrorCode::limit_reached:
            return refused(ErrorCode::limit_reached, e.message);
        case store::StoreErrorCode::invalid_argument:
            return refused(ErrorCode::invalid_request, e.message);
        case store::StoreErrorCode::not_found:
            return refused(ErrorCode::no_such_device,
                           "this device is not registered any more; log in again");
        case store::StoreErrorCode::unavailable:
            return refused(ErrorCode::unavailable, "the account store is unavailable; try again",
                           e.message);
        default:
            return refused(ErrorCode::internal, "internal server error", e.message);
    }
}

// On a query worker: the account `user` names, when `me` may reach it; otherwise the refusal.
// About oneself always; about another user as the message policy says. Under the friends
// policy a name without an account is not_friends like a stranger's, so the answer tells no
// one who has an account; with "anyone" it is no_such_user.
std::variant<store::Account, E2eOutcome> reachable(ServerContext& ctx, const std::string& me,
                                                   const std::string& user) {
    if (!same_username(me, user)) {
        auto may = ctx.message_policy.may_message(me, user);
        if (!may) {
            return store_failure(may.error());
        }
        if (!*may) {
            return refused(ErrorCode::not_friends, "you can reach only your friends");
        }
    }
    auto found = ctx.store->find_account(user);
    if (!found) {
        return store_failure(found.error());
    }
    if (!*found) {
        return refused(ErrorCode::no_such_user, "there is no such user");
    }
    if ((*found)->disabled) {
        return refused(ErrorCode::account_disabled, "that account is disabled");
    }
    return std::move(**found);
}

// On a query worker. Every signature first, with the session certificate's key and its
// fingerprint as the owner (§10.2): one that fails refuses the whole request, nothing stored.
E2eOutcome publish(ServerContext& ctx, std::int64_t account, const pki::Certificate& cert,
                   const proto::msg::PublishPrekeys& m) {
    const Fingerprint owner = cert.fingerprint();
    const crypto::PublicKey key = cert.public_key();
    const std::string device = owner.hex();
    std::optional<store::StoredPrekey> signed_prekey;
    if (m.spk_id != 0) {
        auto verified = e2e::verify_prekey(key, e2e::PrekeyKind::signed_prekey, owner, m.spk_id,
                                           m.spk, m.spk_ts, m.spk_sig);
        if (!verified) {
            return refused(ErrorCode::bad_prekey, verified.error().message);
        }
        signed_prekey = store::StoredPrekey{m.spk_id, m.spk, m.spk_ts, m.spk_sig};
    }
    std::vector<store::StoredPrekey> one_time;
    one_time.reserve(m.one_time.size());
    for (const auto& k : m.one_time) {
        auto verified =
            e2e::verify_prekey(key, e2e::PrekeyKind::one_time, owner, k.key_id, k.key, k.ts, k.sig);
        if (!verified) {
            return refused(ErrorCode::bad_prekey, verified.error().message);
        }
        one_time.push_back({k.key_id, k.key, k.ts, k.sig});
    }
    auto counts = signed_prekey || !one_time.empty()
                      ? ctx.store->publish_prekeys(account, device, signed_prekey, one_time)
                      : ctx.store->prekey_status(account, device);
    if (!counts) {
        return store_failure(counts.error());
    }
    return answered(
        proto::msg::PrekeyStatus{m.id, counts->spk_id, counts->spk_ts, counts->one_time_left});
}

E2eOutcome list_devices(ServerContext& ctx, const std::string& me,
                        const proto::msg::ListDevices& m) {
    auto target = reachable(ctx, me, m.user);
    if (auto* refusal = std::get_if<E2eOutcome>(&target)) {
        return std::move(*refusal);
    }
    const auto& account = std::get<store::Account>(target);
    auto devices = ctx.store->devices_with_prekeys(account.id);
    if (!devices) {
        return store_failure(devices.error());
    }
    proto::msg::DeviceList list{m.id, account.username, {}};
    for (auto& d : *devices) {
        list.devices.push_back({std::move(d.fingerprint), std::move(d.name)});
    }
    return answered(std::move(list));
}

E2eOutcome fetch_bundle(ServerContext& ctx, const std::string& me,
                        const proto::msg::FetchBundle& m) {
    auto target = reachable(ctx, me, m.user);
    if (auto* refusal = std::get_if<E2eOutcome>(&target)) {
        return std::move(*refusal);
    }
    const auto& account = std::get<store::Account>(target);
    auto taken = ctx.store->take_bundle(account.id, m.device);
    if (!taken) {
        return store_failure(taken.error());
    }
    if (!*taken) {
        return refused(ErrorCode::no_such_device, "that user has no such device with prekeys");
    }
    auto& b = **taken;
    proto::msg::KeyBundle bundle{m.id,
                                 account.username,
                                 b.fingerprint,
                                 std::move(b.cert_der),
                                 b.signed_prekey.key_id,
                                 std::move(b.signed_prekey.key),
                                 b.signed_prekey.ts,
                                 std::move(b.signed_prekey.sig),
                                 0,
                                 {},
                                 0,
                                 {}};
    if (b.one_time) {
        bundle.otk_id = b.one_time->key_id;
        bundle.otk = std::move(b.one_time->key);
        bundle.otk_ts = b.one_time->ts;
        bundle.otk_sig = std::move(b.one_time->sig);
    }
    return answered(std::move(bundle));
}

std::uint64_t unix_ms_now(ServerContext& ctx) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock->now().time_since_epoch())
            .count());
}

// `send` stores first and says so second (§2.4): the envelope is committed for that device of
// `to` (one transaction), then signed for (§10.6) over what the store holds, and only then
// offered to the device's sessions (a hint: each reads its device's envelopes from the store).
// A retry of the same (device, mid) gets the first row, and so the first statement again.
E2eOutcome relay(ServerContext& ctx, const std::string& me, const std::string& my_device,
                 const proto::msg::Relay& m) {
    auto target = reachable(ctx, me, m.to);
    if (auto* refusal = std::get_if<E2eOutcome>(&target)) {
        return std::move(*refusal);
    }
    const auto& account = std::get<store::Account>(target);
    auto counts = ctx.store->prekey_status(account.id, m.device);
    if (!counts && counts.error().code != store::StoreErrorCode::not_found) {
        return store_failure(counts.error());
    }
    if (!counts || counts->spk_id == 0) {
        return refused(ErrorCode::no_such_device, "that user has no such device with prekeys");
    }
    const auto& limits = ctx.settings.limits;
    store::HeldEnvelope envelope;
    envelope.to_fingerprint = m.device;
    envelope.from_user = me;
    envelope.from_fingerprint = my_device;
    envelope.mid = m.mid;
    envelope.body = m.body;
    envelope.stored_ms = unix_ms_now(ctx);
    envelope.expires_ms =
        envelope.stored_ms +
        static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(limits.held_expiry).count());
    auto held = ctx.store->hold_envelope(
        account.id, envelope,
        store::HeldQuota{limits.held_per_device, limits.held_bytes_per_device});
    if (!held) {
        switch (held.error().code) {
            case store::StoreErrorCode::limit_reached:
                return refused(ErrorCode::quota_exceeded,
                               "that device has as many messages stored as this server keeps; "
                               "nothing was stored, try again once it has fetched them",
                               held.error().message);
            case store::StoreErrorCode::not_found:
                return refused(ErrorCode::no_such_device, "that user has no such device");
            case store::StoreErrorCode::unavailable:
                return refused(ErrorCode::unavailable,
                               "the message store is unavailable; nothing was stored, send again",
                               held.error().message);
            default:
                return store_failure(held.error());
        }
    }
    // Committed: now, and only now, the server vouches for it.
    auto stored = sign_stored(*ctx.identity.key, *held, m.id);
    if (!stored) {
        return refused(ErrorCode::internal, "internal server error", stored.error().message);
    }
    std::size_t woken = ctx.router->notify(account.username, Delivery{DeliveryId{held->held},
                                                                      held->from_user,
                                                                      held->from_fingerprint,
                                                                      held->to_fingerprint,
                                                                      {},
                                                                      nullptr});
    E2eOutcome outcome = answered(std::move(*stored));
    outcome.sessions = woken;
    return outcome;
}

}  // namespace

template <class Job>
void Connection::submit_e2e(std::string_view op, std::uint64_t id, Job job) {
    auto self = shared_from_this();
    std::string name(op);
    bool queued = ctx_.queries.submit<E2eOutcome>(
        strand_, [self, job = std::move(job)] { return job(self->ctx_); },
        [self, id, name](E2eOutcome outcome) {
            self->guarded(name, [&] {
                std::string code = outcome.code ? std::string(proto::error_code_name(*outcome.code))
                                                : std::string("ok");
                self->ctx_.metrics.count(Counter::e2e_requests, {{"op", name}, {"code", code}});
                log::event(
                    outcome.detail.empty() ? log::Level::info : log::Level::warn, "e2e_request",
                    {{"conn", self->conn()},
                     {"user", self->username_},
                     {"op", name},
                     {"code", code},
                     {"sessions",
                      outcome.sessions ? std::to_string(*outcome.sessions) : std::string("-")},
                     {"reason", outcome.detail.empty() ? std::string("-") : outcome.detail}});
                if (outcome.answer) {
                    self->answer(std::move(*outcome.answer));
                } else {
                    self->answer_result(id, outcome.code, outcome.message);
                }
            });
        });
    if (!queued) {
        answer_result(id, ErrorCode::unavailable, "the server is busy; try again");
    }
}

// `send` and `bundle` count against the account's relay budget, across its sessions.
bool Connection::relay_throttled(std::uint64_t id, std::string_view op) {
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value());
    auto wait = ctx_.relay_ops.take(std::to_string(principal->account_id), now());
    if (!wait) {
        return false;
    }
    log::event(log::Level::warn, "relay_throttled",
               {{"conn", conn()}, {"user", username_}, {"op", std::string(op)}});
    answer_result(
        id, ErrorCode::throttled,
        "too many sends and bundles; try again in " + std::to_string(wait->count()) + " s");
    return true;
}

void Connection::on_request(proto::msg::PublishPrekeys& m) {
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value() && peer_.has_value());  // after login only
    auto account = principal->account_id;
    submit_e2e("prekeys", m.id, [account, cert = *peer_, m](ServerContext& ctx) {
        return publish(ctx, account, cert, m);
    });
}

void Connection::on_request(proto::msg::ListDevices& m) {
    if (auto problem = username_problem(m.user)) {
        answer_result(m.id, ErrorCode::invalid_request, *problem);
        return;
    }
    submit_e2e("devices", m.id,
               [me = username_, m](ServerContext& ctx) { return list_devices(ctx, me, m); });
}

void Connection::on_request(proto::msg::FetchBundle& m) {
    if (relay_throttled(m.id, "bundle")) {
        return;
    }
    if (auto problem = username_problem(m.user)) {
        answer_result(m.id, ErrorCode::invalid_request, *problem);
        return;
    }
    submit_e2e("bundle", m.id,
               [me = username_, m](ServerContext& ctx) { return fetch_bundle(ctx, me, m); });
}

void Connection::on_request(proto::msg::Relay& m) {
    if (relay_throttled(m.id, "send")) {
        return;
    }
    if (auto problem = username_problem(m.to)) {
        answer_result(m.id, ErrorCode::invalid_request, *problem);
        return;
    }
    SC_CHECK(peer_.has_value());
    submit_e2e("send", m.id,
               [me = username_, device = peer_->fingerprint().hex(),
                m = std::move(m)](ServerContext& ctx) { return relay(ctx, me, device, m); });
}

}  // namespace sc::server
