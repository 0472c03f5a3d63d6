#include "store/migrations.h"

namespace sc::store {

std::string_view migration_description(SchemaVersion version) {
    switch (version) {
        case SchemaVersion::none:
            return "empty database";
        case SchemaVersion::seed_users:
            return "users table as created by the seeds";
        case SchemaVersion::accounts:
            return "unique email, role, disabled flag, times, password hash parameters";
        case SchemaVersion::wrapped_legacy_hashes:
            return "legacy SHA-256 password hashes wrapped in Argon2id";
    }
    return "unknown";
}

StoreError newer_schema_error(int found) {
    return StoreError{StoreErrorCode::corrupt,
                      "the database schema is version " + std::to_string(found) +
                          ", newer than this build of SecureChat knows (version " +
                          std::to_string(schema_number(SchemaVersion::latest)) +
                          "); upgrade SecureChat instead of opening it with an older one"};
}

}  // namespace sc::store
