// AES-256-GCM with an explicit 12-byte IV and a 16-byte tag.
//
// This is a raw primitive: it does not stop an IV from being used twice with one key, which would
// destroy both confidentiality and authenticity. It is meant to be called only by the
// per-direction Sealer/Opener of src/proto, which own the key and make each IV from a sequence
// number that never repeats. Nothing else should call seal() or open() directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

namespace sc::crypto {

inline constexpr std::size_t kAes256GcmKeySize = 32;
inline constexpr std::size_t kAesGcmIvSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

using AesGcmIv = std::span<const std::uint8_t, kAesGcmIvSize>;

class Aes256GcmKey;

// Encrypts `plaintext` and authenticates it together with `ad`: ciphertext || 16-byte tag.
Result<Bytes> seal(const Aes256GcmKey& key, AesGcmIv iv, ByteView plaintext, ByteView ad);
// The plaintext of `sealed` (ciphertext || tag), or "authentication failed" if the ciphertext,
// tag, IV, AD or key differ in any way from those it was sealed with.
Result<Bytes> open(const Aes256GcmKey& key, AesGcmIv iv, ByteView sealed, ByteView ad);

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
    friend Result<Bytes> seal(const Aes256GcmKey&, AesGcmIv, ByteView, ByteView);
    friend Result<Bytes> open(const Aes256GcmKey&, AesGcmIv, ByteView, ByteView);
    SecretBytes key_;
};

}  // namespace sc::crypto
