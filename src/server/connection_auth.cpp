// Login and registration of a connection: with identity binding on, the certificate must name
// the user (decided first, from the certificate alone); then the throttles are consulted (and
// an attempt reserved) before the Argon2 job goes to the AuthService (auth_service.h). The job
// records the device once the password is right, and the caps on logged-in connections apply
// after that.
#include <chrono>

#include "server/connection.h"
#include "server/log.h"

namespace sc::server {
namespace {

// On the worker, after the password check succeeded: a login is accepted only once its device
// is recorded.
void record_device(ServerContext& ctx, const store::Account& account, AuthAttempt& attempt) {
    auto recorded =
        ctx.store->record_device(account.id, attempt.device.fingerprint, attempt.device.name,
                                 attempt.device.der, ctx.clock->now());
    if (!recorded) {
        attempt.device_error = recorded.error();
    }
}

AuthRefusal device_refusal(const store::StoreError& error, const std::string& user,
                           const std::string& fingerprint) {
    switch (error.code) {
        case store::StoreErrorCode::limit_reached:
            return {proto::ErrorCode::limit_reached,
                    "this account already has " + std::to_string(proto::kMaxDevicesPerUser) +
                        " devices; an administrator can list them and remove one with "
                        "`securechat server admin devices " +
                        user + " --remove FINGERPRINT` (this device is " + fingerprint + ")"};
        case store::StoreErrorCode::unavailable:
            return {proto::ErrorCode::unavailable,
                    "the account database is unavailable; try again later"};
        default:
            return {proto::ErrorCode::internal, "internal server error"};
    }
}

// The device and the sweep ticket are taken on the strand, before the job is queued.
std::shared_ptr<AuthAttempt> begin_attempt(ServerContext& ctx,
                                           const pki::VerifiedCertificate& client,
                                           const std::string& username) {
    auto attempt = std::make_shared<AuthAttempt>();
    attempt->device = device_of(client);
    attempt->ticket = ctx.logged_in.begin_login(username);
    return attempt;
}

std::uint64_t unix_ms(std::chrono::system_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

}  // namespace

// Binding on: the certificate must name `username`. Decided before any throttle, store lookup
// or hashing, from the certificate and the request alone, so that the answer is the same
// whether the account exists. True when the session was refused.
bool Connection::refuse_unbound(const std::string& username, bool registering) {
    if (!ctx_.settings.identity.bind_accounts) {
        return false;
    }
    SC_CHECK(session().client().has_value());  // verified at hello, before any record
    auto mismatch = identity_mismatch(session().client()->leaf(), username, registering);
    if (!mismatch) {
        return false;
    }
    log::event(log::Level::warn, "identity_mismatch",
               {{"conn", conn()},
                {"peer", address_},
                {"user", username},
                {"client_cn", peer_ ? peer_->common_name() : std::string()},
                {"client_fp", client_fp_}});
    handle(session().reject_auth(mismatch->code, mismatch->message));
    return true;
}

void Connection::start_login(std::string username, crypto::SecretBytes password) {
    if (refuse_unbound(username, false)) {
        return;
    }
    account_ = Throttle::canonical(username);
    if (auto wait = ctx_.throttle->reserve(account_, block_, now())) {
        ctx_.metrics.count(Counter::logins, {{"kind", "login"}, {"outcome", "throttled"}});
        log::event(
            log::Level::warn, "login_throttled",
            {{"conn", conn()}, {"peer", address_}, {"user", username}, {"client_fp", client_fp_}});
        handle(session().reject_auth(
            proto::ErrorCode::throttled,
            "too many failed logins; try again in " + std::to_string(wait->count()) + " s"));
        return;
    }
    auto self = shared_from_this();
    auto secret = std::make_shared<crypto::SecretBytes>(std::move(password));
    auto attempt = begin_attempt(ctx_, *session().client(), username);
    bool queued = ctx_.auth.submit(
        AuthPool::Kind::login, strand_,
        [self, username, secret, attempt] {
            auto result = self->ctx_.accounts.login(username, *secret);
            if (result) {
                record_device(self->ctx_, *result, *attempt);
            }
            return result;
        },
        [self, username, attempt](AuthService::Outcome result) {
            self->guarded("login", [&] {
                self->finish_auth(username, proto::msg::AuthAction::logged_in, result, *attempt);
            });
        });
    if (!queued) {
        ctx_.throttle->refund(account_, block_);
        auto busy = AuthService::busy();
        handle(session().reject_auth(busy.code, busy.message));
    }
}

void Connection::start_register(std::string email, std::string username,
                                crypto::SecretBytes password) {
    if (refuse_unbound(username, true)) {
        return;
    }
    auto now = this->now();
    // The certificate first: one that is over its own limit spends nothing of its network's.
    auto wait = ctx_.registrations_by_cert.take(client_fp_, now);
    const char* why = "with this certificate";
    if (!wait) {
        wait = ctx_.registrations_by_block.take(block_, now);
        why = "from your network";
    }
    if (wait) {
        log::event(log::Level::warn, "register_throttled",
                   {{"conn", conn()}, {"peer", address_}, {"client_fp", client_fp_}});
        handle(session().reject_auth(proto::ErrorCode::throttled,
                                     std::string("too many registrations ") + why +
                                         "; try again in " + std::to_string(wait->count()) + " s"));
        return;
    }
    auto self = shared_from_this();
    auto secret = std::make_shared<crypto::SecretBytes>(std::move(password));
    auto attempt = begin_attempt(ctx_, *session().client(), username);
    bool queued = ctx_.auth.submit(
        AuthPool::Kind::registration, strand_,
        [self, email, username, secret, attempt] {
            auto result = self->ctx_.accounts.register_account(email, username, *secret);
            if (result) {
                record_device(self->ctx_, *result, *attempt);
            }
            return result;
        },
        [self, username, attempt](AuthService::Outcome result) {
            self->guarded("register", [&] {
                self->finish_auth(username, proto::msg::AuthAction::registered, result, *attempt);
            });
        });
    if (!queued) {
        auto busy = AuthService::busy();
        handle(session().reject_auth(busy.code, busy.message));
    }
}

void Connection::finish_auth(const std::string& username, proto::msg::AuthAction action,
                             const store::AuthResult<store::Account>& result,
                             const AuthAttempt& attempt) {
    bool login = action == proto::msg::AuthAction::logged_in;
    bool verdict = result || result.error().code == store::AuthErrorCode::wrong_credentials ||
                   result.error().code == store::AuthErrorCode::account_disabled;
    if (login && result) {
        ctx_.throttle->succeeded(account_, block_, now());
    } else if (login && !verdict) {
        ctx_.throttle->refund(account_, block_);  // the database, not the password, failed
    }
    if (closed_ || closing()) {
        return;
    }
    if (!result) {
        const auto& err = result.error();
        ctx_.metrics.count(Counter::logins, {{"kind", login ? "login" : "register"},
                                             {"outcome", store::auth_error_name(err.code)}});
        log::event(log::Level::warn, login ? "login_failed" : "register_failed",
                   {{"conn", conn()},
                    {"peer", address_},
                    {"user", username},
                    {"client_fp", client_fp_},
                    {"code", std::string(store::auth_error_name(err.code))},
                    {"reason", err.code == store::AuthErrorCode::unavailable ||
                                       err.code == store::AuthErrorCode::internal
                                   ? err.message
                                   : std::string("-")}});
        // Database details stay in our log; the client learns what it can act on.
        auto refusal = AuthService::refusal(err);
        handle(session().reject_auth(refusal.code, refusal.message));
        return;
    }
    if (attempt.device_error) {
        const auto& err = *attempt.device_error;
        log::event(log::Level::warn, "device_refused",
                   {{"conn", conn()},
                    {"peer", address_},
                    {"user", result->username},
                    {"client_fp", client_fp_},
                    {"code", std::string(store::store_error_name(err.code))},
                    {"reason", err.message}});
        auto refusal = device_refusal(err, result->username, attempt.device.fingerprint);
        handle(session().reject_auth(refusal.code, refusal.message));
        return;
    }
    // An admin who disabled or kicked this user while the password was being checked has
    // swept the user's sessions already: this one must not slip in after the sweep.
    LoggedInSession entry{result->username, attempt.device.fingerprint, attempt.device.name,
                          unix_ms(ctx_.clock->now())};
    if (auto ended = ctx_.logged_in.add(id_, weak_from_this(), std::move(entry), attempt.ticket)) {
        log::event(log::Level::warn, "session_refused",
                   {{"conn", conn()},
                    {"user", result->username},
                    {"client_fp", client_fp_},
                    {"reason", "an administrator ended this user's sessions during the login"}});
        auto disabled = AuthService::refusal({store::AuthErrorCode::account_disabled, {}});
        handle(session().reject_auth(*ended, *ended == proto::ErrorCode::account_disabled
                                                 ? disabled.message
                                                 : "an administrator ended this user's "
                                                   "sessions; log in again"));
        return;
    }
    username_ = result->username;
    account_ = Throttle::canonical(username_);
    if (!mark_authenticated()) {
        ctx_.logged_in.remove(id_);
        log::event(log::Level::warn, "session_refused",
                   {{"conn", conn()},
                    {"peer", address_},
                    {"user", username_},
                    {"client_fp", client_fp_},
                    {"reason", "too many sessions for this account or address block"}});
        username_.clear();
        handle(session().reject_auth(proto::ErrorCode::throttled,
                                     "too many open sessions for this account or network; "
                                     "close one and try again"));
        return;
    }
    ctx_.metrics.count(Counter::logins,
                       {{"kind", login ? "login" : "register"}, {"outcome", "ok"}});
    log::event(log::Level::info, login ? "logged_in" : "registered",
               {{"conn", conn()}, {"user", username_}, {"client_fp", client_fp_}});
    auto role = result->role == store::Role::admin ? proto::Role::admin : proto::Role::user;
    handle(session().accept_auth(proto::Principal{result->id, username_, role, {}}, action));
}

// Caps on logged-in connections (L15), then the pre-login slot is freed (the router learns of
// the session at chat-ready: attach_route). False when a cap is reached.
bool Connection::mark_authenticated() {
    if (!ctx_.sessions_by_account.acquire(account_)) {
        return false;
    }
    if (!ctx_.sessions_by_block.acquire(block_)) {
        ctx_.sessions_by_account.release(account_);
        return false;
    }
    counted_ = true;
    ctx_.admission.release(id_);
    return true;
}

}  // namespace sc::server
