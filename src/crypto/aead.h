// AES-256-GCM keys. The primitive that takes an explicit IV is not public: it lives in
// crypto/internal/aead_raw.h, for the per-direction sealers of src/proto (the record layer's
// Sealer/Opener and the msg layer's MessageSealer/MessageOpener), which own the key and derive
// each IV from a number that never repeats, and for the end-to-end ratchet (e2e/ratchet.cpp),
// whose every message key seals once. Everything else seals through those.
#pragma once

#include <cstddef>
#include <utility>

#include "common/result.h"
#include "crypto/secret.h"

namespace sc::crypto {

inline constexpr std::size_t kAes256GcmKeySize = 32;
inline constexpr std::size_t kAesGcmIvSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

namespace internal {
struct AeadKeyAccess;  // defined in aead.cpp: only the raw primitive reads a key
}  // namespace internal

// A 32-byte AES-256 key, kept in wiped memory. Move-only, so the key is not copied by accident.
class Aes256GcmKey {
  public:
    static Result<Aes256GcmKey> create(const SecretBytes& key);

    Aes256GcmKey(Aes256GcmKey&&) noexcept = default;
    Aes256GcmKey& operator=(Aes256GcmKey&&) noexcept = default;
    Aes256GcmKey(const Aes256GcmKey&) = delete;
    Aes256GcmKey& operator=(const Aes256GcmKey&) = delete;
    ~Aes256GcmKey() = default;

  private:
    explicit Aes256GcmKey(SecretBytes key) : key_(std::move(key)) {}
    friend struct internal::AeadKeyAccess;
    SecretBytes key_;
};

}  // namespace sc::crypto
