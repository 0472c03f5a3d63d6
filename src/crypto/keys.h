// Signature keys: generation, PEM encoding, and the project's signature scheme per key type.
//   Ed25519      pure Ed25519 (RFC 8032)
//   ECDSA P-256  ECDSA with SHA-256, DER-encoded signature
//   RSA          RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, opaque outside src/crypto and src/pki

namespace sc::crypto {

enum class KeyType { ed25519, ecdsa_p256, rsa_2048, rsa_3072, rsa_4096 };

// "ed25519", "ecdsa-p256", "rsa-2048", "rsa-3072", "rsa-4096": the names the CLI accepts.
std::string_view key_type_name(KeyType type);
std::optional<KeyType> parse_key_type(std::string_view name);
const std::vector<KeyType>& all_key_types();

enum class KeyAlgorithm { ed25519, ed448, ecdsa, rsa, other };

struct KeyDescription {
    KeyAlgorithm algorithm = KeyAlgorithm::other;
    std::string name;          // "Ed25519", "ECDSA P-256", "RSA"
    int bits = 0;              // key size as OpenSSL counts it
    std::string text() const;  // "ECDSA P-256 (256 bits)"
};

// The smallest RSA key we sign or verify with (112-bit security, as OpenSSL's level 2).
inline constexpr int kMinRsaBits = 2048;

// Whether the protocol defines a signature scheme for this key: Ed25519, ECDSA P-256 or RSA of
// at least kMinRsaBits (PROTOCOL.md §3.2). Ed448, other curves and small RSA keys are refused
// with a message naming the key, so a peer cannot choose a scheme the spec does not define.
Status check_protocol_key(const KeyDescription& key);

class PublicKey {
  public:
    static Result<PublicKey> from_pem(std::string_view pem);
    PublicKey(const PublicKey& other) noexcept;
    PublicKey(PublicKey&& other) noexcept;
    PublicKey& operator=(PublicKey other) noexcept;
    ~PublicKey();

    // Checks `signature` over `message` with this key's scheme (see the top of this file).
    Status verify(ByteView message, ByteView signature) const;
    KeyDescription describe() const;
    std::string to_pem() const;
    bool same_key_as(const PublicKey& other) const;

    // Takes one reference to `key`. For src/pki only.
    static PublicKey adopt(evp_pkey_st* key) noexcept;
    evp_pkey_st* native() const noexcept { return key_; }

  private:
    explicit PublicKey(evp_pkey_st* key) noexcept : key_(key) {}
    evp_pkey_st* key_ = nullptr;
};

// A private key. Move-only; OpenSSL wipes the key material when the object is freed.
class PrivateKey {
  public:
    static Result<PrivateKey> generate(KeyType type);
    // Unencrypted PKCS#8 or traditional PEM ("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY").
    static Result<PrivateKey> from_pem(const SecretBytes& pem);
    PrivateKey(PrivateKey&& other) noexcept;
    PrivateKey& operator=(PrivateKey&& other) noexcept;
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;
    ~PrivateKey();

    // Unencrypted PKCS#8 PEM, in wiped memory: write it to a 0600 file and nowhere else.
    Result<SecretBytes> to_pem() const;
    PublicKey public_key() const;
    Result<Bytes> sign(ByteView message) const;
    KeyDescription describe() const;

    evp_pkey_st* native() const noexcept { return key_; }  // for src/pki only

  private:
    explicit PrivateKey(evp_pkey_st* key) noexcept : key_(key) {}
    evp_pkey_st* key_ = nullptr;
};

}  // namespace sc::crypto
