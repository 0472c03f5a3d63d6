// Argon2id (libsodium) password hashing, and verification of the seeds' legacy SHA-256 rows.
#include <sodium.h>

#include <array>
#include <limits>

#include "crypto/random.h"
#include "crypto/secret.h"
#include "crypto/sha256.h"
#include "store/accounts.h"
#include "store/migrations.h"

namespace sc::store {
namespace {

constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kSaltBytes = crypto_pwhash_SALTBYTES;
static_assert(kSaltBytes == 16, "the seeds' salt column is VARBINARY(16)");

// A stored row decides how much memory verification allocates; refuse absurd values (a corrupt
// or hostile row) instead of trying to allocate them. 4 GiB is 4x libsodium's SENSITIVE level.
constexpr std::uint64_t kMaxMemlimit = std::uint64_t{4} << 30;

bool sodium_ready() {
    // sodium_init() is thread-safe and idempotent, but once is enough; a function-local static
    // is initialised exactly once even with concurrent callers.
    static const bool ready = sodium_init() >= 0;
    return ready;
}

bool parameters_in_range(std::uint64_t opslimit, std::uint64_t memlimit) {
    return opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
           opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
           memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN && memlimit <= kMaxMemlimit &&
           memlimit <= std::numeric_limits<std::size_t>::max();
}

// libsodium wants a non-null pointer even for an empty password.
const char* password_pointer(const crypto::SecretBytes& password) {
    static const char empty = 0;
    auto text = password.reveal_text(crypto::SecretAccess{});
    return text.empty() ? &empty : text.data();
}

bool argon2id(const crypto::SecretBytes& password, ByteView salt, std::uint64_t opslimit,
              std::uint64_t memlimit, std::span<std::uint8_t> out) {
    return crypto_pwhash(out.data(), out.size(), password_pointer(password), password.size(),
                         salt.data(), opslimit, static_cast<std::size_t>(memlimit),
                         crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool verify_argon2id(const crypto::SecretBytes& password, const PasswordRecord& record) {
    if (record.salt.size() != kSaltBytes || record.hash.size() != kHashBytes ||
        !parameters_in_range(record.opslimit, record.memlimit) || !sodium_ready()) {
        return false;
    }
    std::array<std::uint8_t, kHashBytes> candidate{};
    bool computed = argon2id(password, record.salt, record.opslimit, record.memlimit, candidate);
    bool equal = computed && crypto::ct_equal(candidate, record.hash);
    // The candidate is as good as the password to an offline attacker.
    crypto::secure_wipe(candidate.data(), candidate.size());
    return equal;
}

bool verify_legacy_sha256(const crypto::SecretBytes& password, const PasswordRecord& record) {
    if (record.salt.empty() || record.hash.size() != kHashBytes) {
        return false;
    }
    crypto::Sha256 hasher;
    hasher.update(record.salt);
    hasher.update(password.reveal(crypto::SecretAccess{}));
    crypto::Sha256Digest candidate = hasher.peek();
    bool equal = crypto::ct_equal(candidate, record.hash);
    crypto::secure_wipe(candidate.data(), candidate.size());
    return equal;
}

}  // namespace

Result<PasswordRecord> hash_password(const crypto::SecretBytes& password, std::uint64_t opslimit,
                                     std::uint64_t memlimit) {
    if (!sodium_ready()) {
        return fail("libsodium could not be initialised");
    }
    if (!parameters_in_range(opslimit, memlimit)) {
        return fail("Argon2id parameters out of range: opslimit " + std::to_string(opslimit) +
                    ", memlimit " + std::to_string(memlimit) +
                    " bytes (opslimit must be at least " +
                    std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MIN) + ", memlimit between " +
                    std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN) + " bytes and 4 GiB)");
    }
    PasswordRecord record;
    record.algorithm = std::string(kArgon2idAlgorithm);
    record.opslimit = opslimit;
    record.memlimit = memlimit;
    record.salt.resize(kSaltBytes);
    SC_TRY(crypto::fill_random(record.salt));
    record.hash.resize(kHashBytes);
    if (!argon2id(password, record.salt, opslimit, memlimit, record.hash)) {
        return fail("Argon2id hashing failed (not enough memory for memlimit " +
                    std::to_string(memlimit) + " bytes?)");
    }
    return record;
}

bool verify_password(const crypto::SecretBytes& password, const PasswordRecord& record) {
    if (record.algorithm == kArgon2idAlgorithm) {
        return verify_argon2id(password, record);
    }
    if (record.algorithm == kLegacyHashAlgorithm) {
        return verify_legacy_sha256(password, record);
    }
    return false;
}

bool needs_rehash(const PasswordRecord& record, const PasswordPolicy& policy) {
    return record.algorithm != kArgon2idAlgorithm || record.opslimit < policy.opslimit ||
           record.memlimit < policy.memlimit;
}

}  // namespace sc::store
