#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <utility>

#include "crypto/ossl.h"

namespace sc::crypto {
namespace {

struct KeyTypeInfo {
    KeyType type;
    std::string_view name;
};

constexpr KeyTypeInfo kKeyTypes[] = {
    {KeyType::ed25519, "ed25519"},   {KeyType::ecdsa_p256, "ecdsa-p256"},
    {KeyType::rsa_2048, "rsa-2048"}, {KeyType::rsa_3072, "rsa-3072"},
    {KeyType::rsa_4096, "rsa-4096"},
};

KeyDescription describe_pkey(const EVP_PKEY* key) {
    KeyDescription d;
    d.bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_ED25519:
            d.algorithm = KeyAlgorithm::ed25519;
            d.name = "Ed25519";
            break;
        case EVP_PKEY_ED448:
            d.algorithm = KeyAlgorithm::ed448;
            d.name = "Ed448";
            break;
        case EVP_PKEY_EC: {
            d.algorithm = KeyAlgorithm::ecdsa;
            char group[64] = {};
            size_t len = 0;
            if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
                std::string curve(group, len);
                d.name = curve == "prime256v1" ? "ECDSA P-256" : "ECDSA " + curve;
            } else {
                d.name = "ECDSA";
            }
            break;
        }
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            d.algorithm = KeyAlgorithm::rsa;
            d.name = "RSA";
            break;
        default: {
            d.algorithm = KeyAlgorithm::other;
            const char* name = EVP_PKEY_get0_type_name(key);
            d.name = name != nullptr ? name : "unknown";
        }
    }
    return d;
}

// Sets up a sign or verify operation with the scheme of this key type.
Status init_signature(EVP_MD_CTX* ctx, EVP_PKEY* key, bool for_signing) {
    auto description = describe_pkey(key);
    SC_TRY(check_protocol_key(description));
    auto algorithm = description.algorithm;
    const EVP_MD* md = nullptr;  // Ed25519 hashes internally ("pure" mode)
    if (algorithm == KeyAlgorithm::ecdsa || algorithm == KeyAlgorithm::rsa) {
        md = EVP_sha256();
    }
    EVP_PKEY_CTX* pctx = nullptr;
    int rc = for_signing ? EVP_DigestSignInit(ctx, &pctx, md, nullptr, key)
                         : EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key);
    if (rc != 1) {
        return fail(ossl::error("cannot start signature operation"));
    }
    if (algorithm == KeyAlgorithm::rsa) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
            return fail(ossl::error("cannot configure RSA-PSS"));
        }
    }
    return {};
}

}  // namespace

std::string_view key_type_name(KeyType type) {
    for (const auto& info : kKeyTypes) {
        if (info.type == type) {
            return info.name;
        }
    }
    return "unknown";
}

std::optional<KeyType> parse_key_type(std::string_view name) {
    for (const auto& info : kKeyTypes) {
        if (info.name == name) {
            return info.type;
        }
    }
    return std::nullopt;
}

const std::vector<KeyType>& all_key_types() {
    static const std::vector<KeyType> types = [] {
        std::vector<KeyType> v;
        for (const auto& info : kKeyTypes) {
            v.push_back(info.type);
        }
        return v;
    }();
    return types;
}

Status check_protocol_key(const KeyDescription& key) {
    switch (key.algorithm) {
        case KeyAlgorithm::ed25519:
            return {};
        case KeyAlgorithm::ecdsa:
            if (key.name == "ECDSA P-256") {
                return {};
            }
            break;
        case KeyAlgorithm::rsa:
            if (key.bits >= kMinRsaBits) {
                return {};
            }
            return fail("RSA key too small: " + key.text() + "; at least " +
                        std::to_string(kMinRsaBits) + " bits are needed");
        case KeyAlgorithm::ed448:
        case KeyAlgorithm::other:
            break;
    }
    return fail("unsupported key type " + key.text() +
                ": SecureChat v1 signs only with Ed25519, ECDSA P-256 or RSA (2048 bits or more)");
}

std::string KeyDescription::text() const {
    return name + " (" + std::to_string(bits) + " bits)";
}

// ---- PublicKey ----

PublicKey PublicKey::adopt(evp_pkey_st* key) noexcept {
    EVP_PKEY_up_ref(key);
    return PublicKey(key);
}

PublicKey::PublicKey(const PublicKey& other) noexcept : key_(other.key_) {
    if (key_ != nullptr) {
        EVP_PKEY_up_ref(key_);
    }
}

PublicKey::PublicKey(PublicKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

PublicKey& PublicKey::operator=(PublicKey other) noexcept {
    std::swap(key_, other.key_);
    return *this;
}

PublicKey::~PublicKey() {
    EVP_PKEY_free(key_);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
    auto bio = ossl::memory_reader(pem);
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) {
        return fail(ossl::error("not a PEM public key"));
    }
    return PublicKey(key);
}

Status PublicKey::verify(ByteView message, ByteView signature) const {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) {
        return fail(ossl::error("out of memory"));
    }
    SC_TRY(init_signature(ctx.get(), key_, false));
    int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                              message.size());
    if (rc != 1) {
        ossl::clear_errors();
        return fail("signature does not verify with the " + describe().name + " key");
    }
    return {};
}

KeyDescription PublicKey::describe() const {
    return describe_pkey(key_);
}

std::string PublicKey::to_pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_) != 1) {
        return {};
    }
    return ossl::bio_text(bio.get());
}

bool PublicKey::same_key_as(const PublicKey& other) const {
    return EVP_PKEY_eq(key_, other.key_) == 1;
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate(KeyType type) {
    EVP_PKEY* key = nullptr;
    switch (type) {
        case KeyType::ed25519:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
        case KeyType::ecdsa_p256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case KeyType::rsa_2048:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
            break;
        case KeyType::rsa_3072:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
            break;
        case KeyType::rsa_4096:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
            break;
    }
    if (key == nullptr) {
        return fail(ossl::error("cannot generate a " + std::string(key_type_name(type)) + " key"));
    }
    return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::from_pem(const SecretBytes& pem) {
    auto bio = ossl::memory_reader(pem.reveal_text(SecretAccess{}));
    // A null passphrase callback: encrypted keys fail instead of prompting on the terminal.
    EVP_PKEY* key = PEM_read_bio_PrivateKey(
        bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
    if (key == nullptr) {
        return fail(ossl::error("not an unencrypted PEM private key"));
    }
    return PrivateKey(key);
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
    if (this != &other) {
        EVP_PKEY_free(key_);
        key_ = std::exchange(other.key_, nullptr);
    }
    return *this;
}

PrivateKey::~PrivateKey() {
    EVP_PKEY_free(key_);
}

Result<SecretBytes> PrivateKey::to_pem() const {
    // A secure-memory BIO: its buffer is wiped when freed.
    ossl::BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr,
                                              nullptr) != 1) {
        return fail(ossl::error("cannot encode private key"));
    }
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) {
        return fail(ossl::error("cannot encode private key"));
    }
    return SecretBytes(
        ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)));
}

PublicKey PrivateKey::public_key() const {
    // Re-decode the SubjectPublicKeyInfo so the PublicKey holds no private material.
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key_, &der);
    if (len <= 0) {
        std::abort();  // encoding a key we hold cannot fail short of memory exhaustion
    }
    const unsigned char* p = der;
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
    OPENSSL_free(der);
    if (pub == nullptr) {
        std::abort();
    }
    auto result = PublicKey::adopt(pub);
    EVP_PKEY_free(pub);
    return result;
}

Result<Bytes> PrivateKey::sign(ByteView message) const {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) {
        return fail(ossl::error("out of memory"));
    }
    SC_TRY(init_signature(ctx.get(), key_, true));
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
        return fail(ossl::error("cannot sign"));
    }
    Bytes signature(len);
    if (EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
        return fail(ossl::error("cannot sign"));
    }
    signature.resize(len);
    return signature;
}

KeyDescription PrivateKey::describe() const {
    return describe_pkey(key_);
}

}  // namespace sc::crypto
