// Friends and friend requests.
#include "store/account_store_sql.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {
StoreError not_yet() {
    return detail::store_error(StoreErrorCode::internal, "friends are not implemented yet");
}
}  // namespace

StoreResult<RequestOutcome> SqlStore::request_friend(std::int64_t, const std::string&, TimePoint) {
    return fail(not_yet());
}
StoreResult<AnswerOutcome> SqlStore::accept_friend(std::int64_t, const std::string&, TimePoint) {
    return fail(not_yet());
}
StoreResult<AnswerOutcome> SqlStore::decline_friend(std::int64_t, const std::string&) {
    return fail(not_yet());
}
StoreResult<RemoveOutcome> SqlStore::remove_friend(std::int64_t, const std::string&) {
    return fail(not_yet());
}
StoreResult<std::vector<FriendEntry>> SqlStore::friends(std::int64_t) {
    return fail(not_yet());
}
StoreResult<bool> SqlStore::are_friends(const std::string&, const std::string&) {
    return fail(not_yet());
}

}  // namespace sc::store
