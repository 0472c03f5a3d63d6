// Argon2id (libsodium) password hashing, and verification of the seeds' legacy SHA-256 rows,
// plain or wrapped in Argon2id (migration 3).
#include <sodium.h>

#include <algorithm>
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

thread_local std::uint64_t t_argon2_work = 0;

std::uint64_t work_of(std::uint64_t opslimit, std::uint64_t memlimit) {
    return opslimit * (memlimit / 1024);
}

bool argon2id(const crypto::SecretBytes& password, ByteView salt, std::uint64_t opslimit,
              std::uint64_t memlimit, std::span<std::uint8_t> out) {
    t_argon2_work += work_of(opslimit, memlimit);
    return crypto_pwhash(out.data(), out.size(), password_pointer(password), password.size(),
                         salt.data(), opslimit, static_cast<std::size_t>(memlimit),
                         crypto_pwhash_ALG_ARGON2ID13) == 0;
}

// SHA-256(salt || password): what the seeds stored, and the input of the wrapped form.
crypto::SecretBytes legacy_digest(const crypto::SecretBytes& password, ByteView salt) {
    crypto::Sha256 hasher;
    hasher.update(salt);
    hasher.update(password.reveal(crypto::SecretAccess{}));
    crypto::Sha256Digest digest = hasher.peek();
    crypto::SecretBytes out(digest);
    crypto::secure_wipe(digest.data(), digest.size());
    return out;
}

// The Argon2id salt of a wrapped row, derived from the seeds' salt (any length, one per row) so
// the row needs no new column; the label keeps it apart from the SHA-256 use of the same salt.
std::array<std::uint8_t, kSaltBytes> wrapped_salt(ByteView seed_salt) {
    crypto::Sha256 hasher;
    // The label with its terminating NUL, which separates it from the salt.
    static constexpr char kLabel[] = "securechat argon2id-over-sha256 salt";
    hasher.update(as_bytes(std::string_view(kLabel, sizeof kLabel)));
    hasher.update(seed_salt);
    crypto::Sha256Digest digest = hasher.peek();
    std::array<std::uint8_t, kSaltBytes> salt{};
    std::copy_n(digest.begin(), salt.size(), salt.begin());
    return salt;
}

bool verify_wrapped_legacy(const crypto::SecretBytes& password, const PasswordRecord& record) {
    if (record.salt.empty() || record.hash.size() != kHashBytes ||
        !parameters_in_range(record.opslimit, record.memlimit) || !sodium_ready()) {
        return false;
    }
    auto inner = legacy_digest(password, record.salt);
    auto salt = wrapped_salt(record.salt);
    std::array<std::uint8_t, kHashBytes> candidate{};
    bool computed = argon2id(inner, salt, record.opslimit, record.memlimit, candidate);
    bool equal = computed && crypto::ct_equal(candidate, record.hash);
    crypto::secure_wipe(candidate.data(), candidate.size());
    return equal;
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
    auto candidate = legacy_digest(password, record.salt);
    return crypto::ct_equal(candidate.reveal(crypto::SecretAccess{}), record.hash);
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
    if (record.algorithm == kWrappedLegacyAlgorithm) {
        return verify_wrapped_legacy(password, record);
    }
    if (record.algorithm == kLegacyHashAlgorithm) {
        return verify_legacy_sha256(password, record);
    }
    return false;
}

Result<PasswordRecord> wrap_legacy_record(const PasswordRecord& legacy, HashCost cost) {
    if (legacy.algorithm != kLegacyHashAlgorithm || legacy.salt.empty() ||
        legacy.hash.size() != kHashBytes) {
        return fail("not a well-formed legacy SHA-256 record");
    }
    if (!sodium_ready()) {
        return fail("libsodium could not be initialised");
    }
    if (!parameters_in_range(cost.opslimit, cost.memlimit)) {
        return fail("Argon2id parameters out of range: opslimit " + std::to_string(cost.opslimit) +
                    ", memlimit " + std::to_string(cost.memlimit));
    }
    PasswordRecord wrapped;
    wrapped.algorithm = std::string(kWrappedLegacyAlgorithm);
    wrapped.salt = legacy.salt;
    wrapped.opslimit = cost.opslimit;
    wrapped.memlimit = cost.memlimit;
    wrapped.hash.resize(kHashBytes);
    // The stored SHA-256 is as good as the password against this server: wiped after use.
    crypto::SecretBytes inner(legacy.hash);
    if (!argon2id(inner, wrapped_salt(legacy.salt), cost.opslimit, cost.memlimit, wrapped.hash)) {
        return fail("Argon2id hashing failed (not enough memory for memlimit " +
                    std::to_string(cost.memlimit) + " bytes?)");
    }
    return wrapped;
}

std::uint64_t verification_work(const PasswordRecord& record) {
    bool argon =
        record.algorithm == kArgon2idAlgorithm || record.algorithm == kWrappedLegacyAlgorithm;
    if (!argon || record.salt.empty() || record.hash.size() != kHashBytes ||
        !parameters_in_range(record.opslimit, record.memlimit) ||
        (record.algorithm == kArgon2idAlgorithm && record.salt.size() != kSaltBytes)) {
        return 0;
    }
    return work_of(record.opslimit, record.memlimit);
}

std::uint64_t argon2_work_on_this_thread() {
    return t_argon2_work;
}

void burn_argon2_work(std::uint64_t work, std::uint64_t opslimit) {
    if (work == 0 || !sodium_ready()) {
        return;
    }
    opslimit = std::max<std::uint64_t>(opslimit, crypto_pwhash_argon2id_OPSLIMIT_MIN);
    std::uint64_t memlimit =
        std::max<std::uint64_t>((work / opslimit) * 1024, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    memlimit = std::min(memlimit, kMaxMemlimit);
    std::array<std::uint8_t, kSaltBytes> salt{};
    (void)crypto::fill_random(salt);
    std::array<std::uint8_t, kHashBytes> out{};
    (void)argon2id(crypto::SecretBytes(ByteView(salt)), salt, opslimit, memlimit, out);
}

bool needs_rehash(const PasswordRecord& record, const PasswordPolicy& policy) {
    return record.algorithm != kArgon2idAlgorithm || record.opslimit < policy.opslimit ||
           record.memlimit < policy.memlimit;
}

}  // namespace sc::store
