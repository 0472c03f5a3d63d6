#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/ossl.h"

namespace sc::crypto {
namespace {

using KdfPtr = std::unique_ptr<EVP_KDF, ossl::Deleter<EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, ossl::Deleter<EVP_KDF_CTX_free>>;

OSSL_PARAM octets(const char* key, ByteView data) {
    // OpenSSL only reads octet-string parameters passed in; the cast just fits its C signature.
    return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(data.data()),
                                             data.size());
}

// One run of OpenSSL's HKDF in `mode`; salt and info are ignored when empty.
Result<SecretBytes> run_hkdf(int mode, ByteView key, ByteView salt, ByteView info,
                             std::size_t length) {
    KdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
    if (!kdf) {
        return fail(ossl::error("HKDF is not available"));
    }
    KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx) {
        return fail(ossl::error("out of memory"));
    }
    char digest[] = "SHA256";
    std::array<OSSL_PARAM, 6> params{};
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = octets(OSSL_KDF_PARAM_KEY, key);
    if (!salt.empty()) {
        params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
    }
    if (!info.empty()) {
        params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
    }
    params[n] = OSSL_PARAM_construct_end();

    SecretBytes out(length);
    auto bytes = out.reveal_mut(SecretAccess{});
    if (EVP_KDF_derive(ctx.get(), bytes.data(), bytes.size(), params.data()) != 1) {
        return fail(ossl::error("HKDF failed"));
    }
    return out;
}

}  // namespace

Result<SecretBytes> hkdf_extract(ByteView salt, const SecretBytes& ikm) {
    if (ikm.empty()) {
        return fail("HKDF input key material is empty");
    }
    // OpenSSL treats a missing salt as HashLen zero bytes, which is what RFC 5869 asks for.
    return run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm.reveal(SecretAccess{}), salt, {},
                    kHkdfHashSize);
}

Result<SecretBytes> hkdf_expand(const SecretBytes& prk, ByteView info, std::size_t length) {
    if (prk.size() < kHkdfHashSize) {
        return fail("HKDF pseudorandom key is " + std::to_string(prk.size()) +
                    " bytes; it must be at least " + std::to_string(kHkdfHashSize));
    }
    if (length == 0 || length > kHkdfMaxOutput) {
        return fail("HKDF output length " + std::to_string(length) + " is not between 1 and " +
                    std::to_string(kHkdfMaxOutput) + " bytes");
    }
    return run_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk.reveal(SecretAccess{}), {}, info, length);
}

Result<SecretBytes> hkdf_expand_label(const SecretBytes& prk, std::string_view label,
                                      ByteView context, std::size_t length) {
    constexpr std::size_t kMaxField = 255;
    const std::size_t label_size = kHkdfLabelPrefix.size() + label.size();
    if (label_size > kMaxField) {
        return fail("HKDF label is " + std::to_string(label_size) +
                    " bytes with its prefix; the limit is " + std::to_string(kMaxField));
    }
    if (context.size() > kMaxField) {
        return fail("HKDF label context is " + std::to_string(context.size()) +
                    " bytes; the limit is " + std::to_string(kMaxField));
    }
    if (length == 0 || length > kHkdfMaxOutput) {
        return fail("HKDF output length " + std::to_string(length) + " is not between 1 and " +
                    std::to_string(kHkdfMaxOutput) + " bytes");
    }
    Bytes info;
    info.reserve(2 + 1 + label_size + 1 + context.size());
    info.push_back(static_cast<std::uint8_t>(length >> 8));
    info.push_back(static_cast<std::uint8_t>(length & 0xff));
    info.push_back(static_cast<std::uint8_t>(label_size));
    auto prefix = as_bytes(kHkdfLabelPrefix);
    info.insert(info.end(), prefix.begin(), prefix.end());
    auto label_bytes = as_bytes(label);
    info.insert(info.end(), label_bytes.begin(), label_bytes.end());
    info.push_back(static_cast<std::uint8_t>(context.size()));
    info.insert(info.end(), context.begin(), context.end());
    return hkdf_expand(prk, info, length);
}

}  // namespace sc::crypto
