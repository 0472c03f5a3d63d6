#include "crypto/aead.h"

#include "crypto/internal/aead_raw.h"

#include <openssl/evp.h>

#include <array>
#include <climits>
#include <memory>
#include <string>

#include "common/check.h"
#include "crypto/ossl.h"

namespace sc::crypto {
namespace internal {

struct AeadKeyAccess {
    static ByteView bytes(const Aes256GcmKey& key) { return key.key_.reveal(SecretAccess{}); }
};

namespace {

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, ossl::Deleter<EVP_CIPHER_CTX_free>>;

// OpenSSL's update calls take an int length; chat messages are far below this.
constexpr std::size_t kMaxInput = INT_MAX - kAesGcmTagSize;

Status check_input_size(ByteView data, const char* what) {
    if (data.size() > kMaxInput) {
        return fail(std::string(what) + " is too long for one AES-GCM message (" +
                    std::to_string(data.size()) + " bytes; the limit is " +
                    std::to_string(kMaxInput) + ")");
    }
    return {};
}

// Starts an encryption or decryption with `key` and `iv`. Failing here means the library is
// broken or out of memory, not that the input is bad.
Result<CipherCtxPtr> start(ByteView key, AesGcmIv iv, bool encrypt) {
    SC_CHECK(key.size() == kAes256GcmKeySize);  // not a moved-from key
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) {
        return fail(ossl::error("out of memory"));
    }
    // GCM's default IV length is 12 bytes, the one size GCM is designed for.
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data(),
                          encrypt ? 1 : 0) != 1) {
        return fail(ossl::error("cannot start AES-256-GCM"));
    }
    return ctx;
}

Status add_ad(EVP_CIPHER_CTX* ctx, ByteView ad) {
    if (ad.empty()) {
        return {};
    }
    int len = 0;
    if (EVP_CipherUpdate(ctx, nullptr, &len, ad.data(), static_cast<int>(ad.size())) != 1) {
        return fail(ossl::error("cannot authenticate associated data"));
    }
    return {};
}

}  // namespace

Result<Bytes> seal(const Aes256GcmKey& key, AesGcmIv iv, ByteView plaintext, ByteView ad) {
    SC_TRY(check_input_size(plaintext, "plaintext"));
    SC_TRY(check_input_size(ad, "associated data"));
    SC_TRY_ASSIGN(CipherCtxPtr ctx, start(AeadKeyAccess::bytes(key), iv, true));
    SC_TRY(add_ad(ctx.get(), ad));

    Bytes out(plaintext.size() + kAesGcmTagSize);
    int len = 0;
    if (!plaintext.empty() && (EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                                                 static_cast<int>(plaintext.size())) != 1 ||
                               static_cast<std::size_t>(len) != plaintext.size())) {
        return fail(ossl::error("AES-256-GCM encryption failed"));
    }
    std::array<std::uint8_t, 16> no_output{};  // GCM writes nothing at the end
    int final_len = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), no_output.data(), &final_len) != 1 || final_len != 0) {
        return fail(ossl::error("AES-256-GCM encryption failed"));
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAesGcmTagSize),
                            out.data() + plaintext.size()) != 1) {
        return fail(ossl::error("cannot read the AES-256-GCM tag"));
    }
    return out;
}

Result<Bytes> open(const Aes256GcmKey& key, AesGcmIv iv, ByteView sealed, ByteView ad) {
    if (sealed.size() < kAesGcmTagSize) {
        return fail("sealed message is too short: " + std::to_string(sealed.size()) +
                    " bytes, but the tag alone is " + std::to_string(kAesGcmTagSize));
    }
    ByteView ciphertext = sealed.first(sealed.size() - kAesGcmTagSize);
    ByteView tag = sealed.last(kAesGcmTagSize);
    SC_TRY(check_input_size(ciphertext, "ciphertext"));
    SC_TRY(check_input_size(ad, "associated data"));
    SC_TRY_ASSIGN(CipherCtxPtr ctx, start(AeadKeyAccess::bytes(key), iv, false));
    SC_TRY(add_ad(ctx.get(), ad));

    Bytes out(ciphertext.size());
    int len = 0;
    if (!ciphertext.empty() && (EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext.data(),
                                                  static_cast<int>(ciphertext.size())) != 1 ||
                                static_cast<std::size_t>(len) != ciphertext.size())) {
        secure_wipe(out.data(), out.size());
        return fail(ossl::error("AES-256-GCM decryption failed"));
    }
    // OpenSSL only reads the expected tag; the cast just fits its C signature.
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAesGcmTagSize),
                            const_cast<std::uint8_t*>(tag.data())) != 1) {
        secure_wipe(out.data(), out.size());
        return fail(ossl::error("cannot set the AES-256-GCM tag"));
    }
    std::array<std::uint8_t, 16> no_output{};
    int final_len = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), no_output.data(), &final_len) != 1) {
        // Never release unauthenticated plaintext, not even in freed memory.
        secure_wipe(out.data(), out.size());
        ossl::clear_errors();
        return fail("authentication failed");
    }
    return out;
}

}  // namespace internal

Result<Aes256GcmKey> Aes256GcmKey::create(const SecretBytes& key) {
    if (key.size() != kAes256GcmKeySize) {
        return fail("an AES-256-GCM key must be exactly 32 bytes, not " +
                    std::to_string(key.size()));
    }
    return Aes256GcmKey(key);
}

}  // namespace sc::crypto
