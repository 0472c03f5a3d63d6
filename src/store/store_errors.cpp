#include "store/account_store.h"
#include "store/accounts.h"
#include "store/backend.h"
#include "store/social_store.h"

namespace sc::store {

std::string_view role_name(Role role) {
    switch (role) {
        case Role::user:
            return "user";
        case Role::admin:
            return "admin";
    }
    return "unknown";
}

std::string_view friend_state_name(FriendState state) {
    switch (state) {
        case FriendState::friends:
            return "friends";
        case FriendState::incoming:
            return "incoming";
        case FriendState::outgoing:
            return "outgoing";
    }
    return "unknown";
}

std::optional<Backend> parse_backend(std::string_view name) {
    if (name == "sqlite") {
        return Backend::sqlite;
    }
    if (name == "mysql") {
        return Backend::mysql;
    }
    return std::nullopt;
}

std::string_view backend_name(Backend backend) {
    switch (backend) {
        case Backend::sqlite:
            return "sqlite";
        case Backend::mysql:
            return "mysql";
    }
    return "unknown";
}

std::string_view store_error_name(StoreErrorCode code) {
    switch (code) {
        case StoreErrorCode::duplicate_username:
            return "duplicate_username";
        case StoreErrorCode::duplicate_email:
            return "duplicate_email";
        case StoreErrorCode::not_found:
            return "not_found";
        case StoreErrorCode::unavailable:
            return "unavailable";
        case StoreErrorCode::corrupt:
            return "corrupt";
        case StoreErrorCode::internal:
            return "internal";
        case StoreErrorCode::limit_reached:
            return "limit_reached";
        case StoreErrorCode::invalid_argument:
            return "invalid_argument";
    }
    return "unknown";
}

std::string_view auth_error_name(AuthErrorCode code) {
    switch (code) {
        case AuthErrorCode::invalid_email:
            return "invalid_email";
        case AuthErrorCode::invalid_username:
            return "invalid_username";
        case AuthErrorCode::weak_password:
            return "weak_password";
        case AuthErrorCode::username_taken:
            return "username_taken";
        case AuthErrorCode::email_taken:
            return "email_taken";
        case AuthErrorCode::wrong_credentials:
            return "wrong_credentials";
        case AuthErrorCode::account_disabled:
            return "account_disabled";
        case AuthErrorCode::unavailable:
            return "unavailable";
        case AuthErrorCode::internal:
            return "internal";
    }
    return "unknown";
}

}  // namespace sc::store
