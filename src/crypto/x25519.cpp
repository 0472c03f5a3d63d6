#include "crypto/x25519.h"

#include <openssl/evp.h>

#include <string>
#include <utility>

#include "crypto/ossl.h"
#include "crypto/random.h"

namespace sc::crypto {
namespace {

Result<ossl::PkeyPtr> load_private(const SecretBytes& private_key) {
    auto raw = private_key.reveal(SecretAccess{});
    ossl::PkeyPtr key(
        EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, raw.data(), raw.size()));
    if (!key) {
        return fail(ossl::error("cannot load an X25519 private key"));
    }
    return key;
}

bool all_zero(ByteView bytes) {
    std::uint8_t acc = 0;
    for (std::uint8_t b : bytes) {
        acc = static_cast<std::uint8_t>(acc | b);
    }
    return acc == 0;
}

}  // namespace

Result<X25519KeyPair> X25519KeyPair::generate() {
    SecretBytes private_key(kX25519KeyBytes);
    SC_TRY(fill_random(private_key.reveal_mut(SecretAccess{})));
    return from_private(std::move(private_key));
}

Result<X25519KeyPair> X25519KeyPair::from_private(SecretBytes private_key) {
    if (private_key.size() != kX25519KeyBytes) {
        return fail("an X25519 private key is 32 bytes, not " + std::to_string(private_key.size()));
    }
    SC_TRY_ASSIGN(auto key, load_private(private_key));
    Bytes public_key(kX25519KeyBytes);
    std::size_t len = public_key.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) != 1 ||
        len != kX25519KeyBytes) {
        return fail(ossl::error("cannot compute an X25519 public key"));
    }
    return X25519KeyPair(std::move(private_key), std::move(public_key));
}

Result<SecretBytes> X25519KeyPair::agree(ByteView peer_public) const {
    if (peer_public.size() != kX25519KeyBytes) {
        return fail("an X25519 public key is 32 bytes, not " + std::to_string(peer_public.size()));
    }
    SC_TRY_ASSIGN(auto own, load_private(private_));
    ossl::PkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr,
                                                      peer_public.data(), peer_public.size()));
    if (!peer) {
        return fail(ossl::error("cannot read an X25519 public key"));
    }
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own.get(), nullptr));
    // No peer "validation" by OpenSSL: the all-zero check below is the one RFC 7748 asks for,
    // and we make it ourselves so the refusal has one reason on every OpenSSL version.
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
        return fail(ossl::error("cannot start an X25519 agreement"));
    }
    SecretBytes secret(kX25519KeyBytes);
    std::size_t len = secret.size();
    ossl::clear_errors();
    if (EVP_PKEY_derive(ctx.get(), secret.reveal_mut(SecretAccess{}).data(), &len) != 1 ||
        len != kX25519KeyBytes || all_zero(secret.reveal(SecretAccess{}))) {
        ossl::clear_errors();
        return fail("the X25519 agreement gives all zeros: the peer key is a low-order point");
    }
    return secret;
}

}  // namespace sc::crypto
