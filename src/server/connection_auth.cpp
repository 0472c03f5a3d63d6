// Login and registration of a connection: the throttles are consulted (and an attempt
// reserved) before the Argon2 job goes to the AuthService (auth_service.h), and the caps on
// logged-in connections apply once the password is right.
#include "server/connection.h"
#include "server/log.h"

namespace sc::server {

void Connection::start_login(std::string username, crypto::SecretBytes password) {
    account_ = Throttle::canonical(username);
    if (auto wait = ctx_.throttle->reserve(account_, block_, now())) {
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
    bool queued = ctx_.auth.submit(
        AuthPool::Kind::login, strand_,
        [self, username, secret] { return self->ctx_.accounts.login(username, *secret); },
        [self, username](AuthService::Outcome result) {
            self->guarded("login", [&] {
                self->finish_auth(username, proto::msg::AuthAction::logged_in, result);
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
    bool queued = ctx_.auth.submit(
        AuthPool::Kind::registration, strand_,
        [self, email, username, secret] {
            return self->ctx_.accounts.register_account(email, username, *secret);
        },
        [self, username](AuthService::Outcome result) {
            self->guarded("register", [&] {
                self->finish_auth(username, proto::msg::AuthAction::registered, result);
            });
        });
    if (!queued) {
        auto busy = AuthService::busy();
        handle(session().reject_auth(busy.code, busy.message));
    }
}

void Connection::finish_auth(const std::string& username, proto::msg::AuthAction action,
                             const store::AuthResult<store::Account>& result) {
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
    username_ = result->username;
    account_ = Throttle::canonical(username_);
    if (!mark_authenticated()) {
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
    log::event(log::Level::info, login ? "logged_in" : "registered",
               {{"conn", conn()}, {"user", username_}, {"client_fp", client_fp_}});
    auto role = result->role == store::Role::admin ? proto::Role::admin : proto::Role::user;
    handle(session().accept_auth(proto::Principal{result->id, username_, role, {}}, action));
}

// Caps on logged-in connections (L15), then the pre-login slot is freed and the router learns
// of the session. False when a cap is reached.
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
    // The router calls from any thread; the delivery is handled on this connection's strand.
    auto weak = weak_from_this();
    route_handle_ = ctx_.router->attach(username_, [weak, strand = strand_](const Delivery& d) {
        asio::post(strand, [weak, d] {
            if (auto self = weak.lock()) {
                self->guarded("deliver", [&] { self->on_delivery(d); });
            }
        });
    });
    return true;
}

}  // namespace sc::server
