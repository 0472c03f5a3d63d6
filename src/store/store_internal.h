// Helpers the two backends share; not part of the store's interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "store/account_store.h"

namespace sc::store::detail {

// Times are stored with millisecond precision, so what create_account returns equals what a
// later read returns.
inline TimePoint truncate_to_ms(TimePoint when) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(when);
}
inline std::int64_t to_unix_ms(TimePoint when) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}
inline TimePoint from_unix_ms(std::int64_t ms) {
    return TimePoint{
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds{ms})};
}

inline std::optional<Role> parse_role(std::string_view text) {
    if (text == "user") {
        return Role::user;
    }
    if (text == "admin") {
        return Role::admin;
    }
    return std::nullopt;
}

inline StoreError store_error(StoreErrorCode code, std::string message) {
    return StoreError{code, std::move(message)};
}

}  // namespace sc::store::detail
