// A reusable X25519 key pair (RFC 7748) for the end-to-end layer (docs/PROTOCOL.md §10): prekeys
// and the Double Ratchet's keys are used for several agreements and stored, unlike the
// handshake's EphemeralKeyPair (key_exchange.h), which consumes itself. The private key lives in
// wiped memory (SecretBytes); OpenSSL sees it only for the duration of one call.
#pragma once

#include <cstddef>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

namespace sc::crypto {

inline constexpr std::size_t kX25519KeyBytes = 32;

class X25519KeyPair {
  public:
    // A fresh key pair from OpenSSL's DRBG.
    static Result<X25519KeyPair> generate();
    // The key pair of a 32-byte private key (random bytes from an Entropy, or a stored key).
    // OpenSSL clamps it as RFC 7748 says; the bytes are kept as given.
    static Result<X25519KeyPair> from_private(SecretBytes private_key);

    X25519KeyPair(const X25519KeyPair&) = default;
    X25519KeyPair(X25519KeyPair&&) noexcept = default;
    X25519KeyPair& operator=(const X25519KeyPair&) = default;
    X25519KeyPair& operator=(X25519KeyPair&&) noexcept = default;
    ~X25519KeyPair() = default;

    const Bytes& public_key() const noexcept { return public_; }
    // For storing the key (a 0600 state file) and nothing else.
    const SecretBytes& private_key() const noexcept { return private_; }

    // X25519(private, peer_public): 32 bytes. Fails for a peer key that is not 32 bytes, or
    // that gives an all-zero output (a low-order point, RFC 7748 §6.1).
    Result<SecretBytes> agree(ByteView peer_public) const;

  private:
    X25519KeyPair(SecretBytes private_key, Bytes public_key)
        : private_(std::move(private_key)), public_(std::move(public_key)) {}
    SecretBytes private_;
    Bytes public_;
};

}  // namespace sc::crypto
