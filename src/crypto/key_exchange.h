// Ephemeral Diffie-Hellman for the handshake.
//   x25519     X25519 (RFC 7748); shares and shared secret are 32 bytes
//   ffdhe3072  the RFC 7919 group; shares and shared secret are 384 bytes, big-endian, left-padded
// Every peer share is validated before use; see EphemeralKeyPair::derive.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, opaque outside src/crypto and src/pki

namespace sc::crypto {

enum class DhGroup { x25519, ffdhe3072 };

// "x25519", "ffdhe3072": the names on the wire.
std::string_view dh_group_name(DhGroup group);
std::optional<DhGroup> parse_dh_group(std::string_view name);
// The size of a public share and of the shared secret: 32 for x25519, 384 for ffdhe3072.
std::size_t dh_share_size(DhGroup group);

// A fresh private key for one handshake. Move-only; derive() consumes it, so a key is used for
// at most one agreement. OpenSSL wipes the private key when it is freed.
class EphemeralKeyPair {
  public:
    static Result<EphemeralKeyPair> generate(DhGroup group);
    // Tests only (RFC 7748 vectors): a key pair from a given 32-byte X25519 private key.
    // Fails for ffdhe3072.
    static Result<EphemeralKeyPair> from_private_for_test(DhGroup group, ByteView private_key);

    EphemeralKeyPair(EphemeralKeyPair&& other) noexcept;
    EphemeralKeyPair& operator=(EphemeralKeyPair&& other) noexcept;
    EphemeralKeyPair(const EphemeralKeyPair&) = delete;
    EphemeralKeyPair& operator=(const EphemeralKeyPair&) = delete;
    ~EphemeralKeyPair();

    DhGroup group() const noexcept { return group_; }
    // The share to send: dh_share_size(group()) bytes (X25519: raw u-coordinate; ffdhe3072:
    // the public value y, big-endian, left-padded with zeros).
    Bytes public_share() const;

    // The shared secret with the peer's share, dh_share_size(group()) bytes. Consumes the key
    // pair whether or not it succeeds. Fails, saying why, when the peer's share:
    //   - is not exactly dh_share_size(group()) bytes;
    //   - x25519: gives an all-zero shared secret (a low-order point);
    //   - ffdhe3072: is not in the range 1 < y < p-1, or not in the prime-order subgroup.
    Result<SecretBytes> derive(ByteView peer_share) &&;

  private:
    EphemeralKeyPair(DhGroup group, evp_pkey_st* key) noexcept : group_(group), key_(key) {}
    DhGroup group_;
    evp_pkey_st* key_ = nullptr;
};

}  // namespace sc::crypto
