// Devices: the certificates each account has logged in with.
#include "store/account_store_sql.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {
StoreError not_yet() {
    return detail::store_error(StoreErrorCode::internal, "devices are not implemented yet");
}
}  // namespace

StoreResult<DeviceRecord> SqlStore::record_device(std::int64_t, const std::string&,
                                                  const std::string&, ByteView, TimePoint) {
    return fail(not_yet());
}
StoreResult<std::vector<DeviceRecord>> SqlStore::devices(std::int64_t) {
    return fail(not_yet());
}
StoreResult<bool> SqlStore::remove_device(std::int64_t, const std::string&) {
    return fail(not_yet());
}

}  // namespace sc::store
