#include "server/auth_service.h"

#include <memory>

namespace sc::server {

bool AuthService::submit(AuthPool::Kind kind, asio::any_io_executor strand, Job job, Then then) {
    return workers_.submit(
        kind, [strand = std::move(strand), job = std::move(job), then = std::move(then)]() mutable {
            // Shared, so that the posted handler stays copyable whatever Outcome holds.
            auto outcome = std::make_shared<Outcome>(job());
            asio::post(strand, [then = std::move(then), outcome] { then(std::move(*outcome)); });
        });
}

AuthRefusal AuthService::refusal(const store::AuthError& error) {
    switch (error.code) {
        case store::AuthErrorCode::wrong_credentials:
            return {proto::ErrorCode::auth_failed, "wrong username or password"};
        case store::AuthErrorCode::account_disabled:
            // Accounts::login says so only after the password was right: it tells nobody
            // without the password whether the account exists or is disabled.
            return {proto::ErrorCode::account_disabled,
                    "this account is disabled; ask an administrator"};
        case store::AuthErrorCode::username_taken:
        case store::AuthErrorCode::email_taken:
            return {proto::ErrorCode::registration_failed,
                    "this username or email address cannot be registered; choose others"};
        case store::AuthErrorCode::unavailable:
            return {proto::ErrorCode::unavailable,
                    "the account database is unavailable; try again later"};
        case store::AuthErrorCode::internal:
            return {proto::ErrorCode::internal, "internal server error"};
        default:
            // Which rule the request broke: says nothing about other accounts.
            return {proto::ErrorCode::registration_failed, error.message};
    }
}

AuthRefusal AuthService::busy() {
    return {proto::ErrorCode::unavailable, "the server is busy; try again shortly"};
}

}  // namespace sc::server
