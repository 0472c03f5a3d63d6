// Issue 12 contract stubs: the server helper writes the stored envelopes (schema 6) here.
#include "store/account_store_sql.h"

namespace sc::store {

namespace {
StoreError not_yet() {
    return {StoreErrorCode::unavailable, "stored envelopes are not served yet"};
}
}  // namespace

StoreResult<HeldEnvelope> SqlStore::hold_envelope(std::int64_t, const HeldEnvelope&,
                                                  const HeldQuota&) {
    return fail(not_yet());
}
StoreResult<std::vector<HeldEnvelope>> SqlStore::held_for(std::int64_t, const std::string&,
                                                          const std::vector<std::uint64_t>&,
                                                          std::size_t, std::uint64_t) {
    return fail(not_yet());
}
StoreResult<std::size_t> SqlStore::release_envelopes(std::int64_t, const std::string&,
                                                     const std::vector<std::uint64_t>&) {
    return fail(not_yet());
}
StoreResult<std::size_t> SqlStore::expire_envelopes(std::uint64_t) {
    return fail(not_yet());
}
StoreResult<EnvelopeStore::HeldCounts> SqlStore::held_counts(std::int64_t, const std::string&) {
    return fail(not_yet());
}

}  // namespace sc::store
