#include "crypto/key_exchange.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/proverr.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "crypto/ossl.h"

namespace sc::crypto {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ossl::Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ossl::Deleter<OSSL_PARAM_free>>;

constexpr std::size_t kX25519Size = 32;
constexpr std::size_t kFfdhe3072Size = 384;
constexpr char kFfdhe3072Name[] = "ffdhe3072";

struct DhGroupInfo {
    DhGroup group;
    std::string_view name;
};

constexpr DhGroupInfo kDhGroups[] = {
    {DhGroup::x25519, "x25519"},
    {DhGroup::ffdhe3072, "ffdhe3072"},
};

// Failures of OpenSSL calls on keys we made ourselves are broken invariants, not input errors.
void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

std::string share_error_prefix(DhGroup group) {
    return "peer's " + std::string(dh_group_name(group)) + " share";
}

Status check_share_size(DhGroup group, ByteView share) {
    std::size_t expected = dh_share_size(group);
    if (share.size() != expected) {
        return fail(share_error_prefix(group) + " is " + std::to_string(share.size()) +
                    " bytes; it must be exactly " + std::to_string(expected));
    }
    return {};
}

bool all_zero(ByteView bytes) {
    std::uint8_t acc = 0;
    for (std::uint8_t b : bytes) {
        acc = static_cast<std::uint8_t>(acc | b);
    }
    return acc == 0;
}

Result<ossl::PkeyPtr> x25519_peer(ByteView share) {
    ossl::PkeyPtr peer(
        EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, share.data(), share.size()));
    if (!peer) {
        return fail(ossl::error("cannot read " + share_error_prefix(DhGroup::x25519)));
    }
    return peer;
}

// Checks 1 < y < p-1 against our own key's prime, then builds the peer key and checks that y is
// in the prime-order subgroup (y^q = 1 mod p; OpenSSL knows q for the named group).
Result<ossl::PkeyPtr> ffdhe3072_peer(const EVP_PKEY* own, ByteView share) {
    const std::string what = share_error_prefix(DhGroup::ffdhe3072);
    BIGNUM* p_raw = nullptr;
    check(EVP_PKEY_get_bn_param(own, OSSL_PKEY_PARAM_FFC_P, &p_raw) == 1);
    ossl::BnPtr p(p_raw);
    ossl::BnPtr p_minus_1(BN_dup(p.get()));
    check(p_minus_1 != nullptr && BN_sub_word(p_minus_1.get(), 1) == 1);
    ossl::BnPtr y(BN_bin2bn(share.data(), static_cast<int>(share.size()), nullptr));
    check(y != nullptr);
    if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), p_minus_1.get()) >= 0) {
        return fail(what + " is out of range: it must satisfy 1 < y < p-1");
    }

    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    check(bld != nullptr);
    check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kFfdhe3072Name,
                                          0) == 1);
    check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()) == 1);
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    check(params != nullptr);
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    EVP_PKEY* peer_raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &peer_raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return fail(ossl::error("cannot read " + what));
    }
    ossl::PkeyPtr peer(peer_raw);

    ossl::PkeyCtxPtr check_ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
    check(check_ctx != nullptr);
    if (EVP_PKEY_public_check(check_ctx.get()) != 1) {
        return fail(ossl::error(what + " is not in the prime-order subgroup"));
    }
    return peer;
}

}  // namespace

std::string_view dh_group_name(DhGroup group) {
    for (const auto& info : kDhGroups) {
        if (info.group == group) {
            return info.name;
        }
    }
    return "unknown";
}

std::optional<DhGroup> parse_dh_group(std::string_view name) {
    for (const auto& info : kDhGroups) {
        if (info.name == name) {
            return info.group;
        }
    }
    return std::nullopt;
}

std::size_t dh_share_size(DhGroup group) {
    switch (group) {
        case DhGroup::x25519:
            return kX25519Size;
        case DhGroup::ffdhe3072:
            return kFfdhe3072Size;
    }
    std::abort();
}

Result<EphemeralKeyPair> EphemeralKeyPair::generate(DhGroup group) {
    EVP_PKEY* key = nullptr;
    switch (group) {
        case DhGroup::x25519:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
            break;
        case DhGroup::ffdhe3072: {
            ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
            char group_name[] = "ffdhe3072";
            OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0),
                OSSL_PARAM_construct_end(),
            };
            if (ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
                EVP_PKEY_CTX_set_params(ctx.get(), params) == 1) {
                EVP_PKEY_generate(ctx.get(), &key);
            }
            break;
        }
    }
    if (key == nullptr) {
        return fail(ossl::error("cannot generate an ephemeral " +
                                std::string(dh_group_name(group)) + " key"));
    }
    return EphemeralKeyPair(group, key);
}

Result<EphemeralKeyPair> EphemeralKeyPair::from_private_for_test(DhGroup group,
                                                                 ByteView private_key) {
    if (group != DhGroup::x25519) {
        return fail("from_private_for_test supports x25519 only");
    }
    if (private_key.size() != kX25519Size) {
        return fail("an X25519 private key is 32 bytes, not " + std::to_string(private_key.size()));
    }
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, private_key.data(),
                                                    private_key.size());
    if (key == nullptr) {
        return fail(ossl::error("cannot load X25519 private key"));
    }
    return EphemeralKeyPair(group, key);
}

EphemeralKeyPair::EphemeralKeyPair(EphemeralKeyPair&& other) noexcept
    : group_(other.group_), key_(std::exchange(other.key_, nullptr)) {}

EphemeralKeyPair& EphemeralKeyPair::operator=(EphemeralKeyPair&& other) noexcept {
    if (this != &other) {
        EVP_PKEY_free(key_);
        group_ = other.group_;
        key_ = std::exchange(other.key_, nullptr);
    }
    return *this;
}

EphemeralKeyPair::~EphemeralKeyPair() {
    EVP_PKEY_free(key_);
}

Bytes EphemeralKeyPair::public_share() const {
    check(key_ != nullptr);  // used after derive() or after a move
    Bytes share(dh_share_size(group_));
    switch (group_) {
        case DhGroup::x25519: {
            std::size_t len = share.size();
            check(EVP_PKEY_get_raw_public_key(key_, share.data(), &len) == 1 &&
                  len == share.size());
            break;
        }
        case DhGroup::ffdhe3072: {
            BIGNUM* y_raw = nullptr;
            check(EVP_PKEY_get_bn_param(key_, OSSL_PKEY_PARAM_PUB_KEY, &y_raw) == 1);
            ossl::BnPtr y(y_raw);
            check(BN_bn2binpad(y.get(), share.data(), static_cast<int>(share.size())) ==
                  static_cast<int>(share.size()));
            break;
        }
    }
    return share;
}

Result<SecretBytes> EphemeralKeyPair::derive(ByteView peer_share) && {
    check(key_ != nullptr);                           // used after derive() or after a move
    ossl::PkeyPtr own(std::exchange(key_, nullptr));  // freed (and wiped) on every path out

    SC_TRY(check_share_size(group_, peer_share));
    ossl::PkeyPtr peer;
    if (group_ == DhGroup::x25519) {
        SC_TRY_ASSIGN(peer, x25519_peer(peer_share));
    } else {
        SC_TRY_ASSIGN(peer, ffdhe3072_peer(own.get(), peer_share));
    }

    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
        return fail(ossl::error("cannot start key agreement"));
    }
    // ffdhe3072: always 384 bytes, left-padded, so the secret's length says nothing about it.
    if (group_ == DhGroup::ffdhe3072 && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1) {
        return fail(ossl::error("cannot configure key agreement"));
    }
    // The ffdhe3072 share has had the full public-key check above; X25519's check is trivial.
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), group_ == DhGroup::x25519 ? 1 : 0) !=
        1) {
        return fail(ossl::error("cannot use " + share_error_prefix(group_)));
    }
    const std::size_t expected = dh_share_size(group_);
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != expected) {
        return fail(ossl::error("cannot size the shared secret"));
    }
    SecretBytes secret(expected);
    auto out = secret.reveal_mut(SecretAccess{});
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
        // OpenSSL's X25519 refuses an all-zero result with exactly this reason (RFC 7748 6.1).
        unsigned long code = ERR_peek_last_error();
        if (group_ == DhGroup::x25519 && ERR_GET_LIB(code) == ERR_LIB_PROV &&
            ERR_GET_REASON(code) == PROV_R_FAILED_DURING_DERIVATION) {
            ossl::clear_errors();
            return fail(share_error_prefix(group_) +
                        " is a low-order point: the shared secret would be all zero");
        }
        return fail(ossl::error("key agreement failed"));
    }
    if (len != expected) {
        return fail("key agreement produced " + std::to_string(len) + " bytes instead of " +
                    std::to_string(expected));
    }
    if (group_ == DhGroup::x25519 && all_zero(out)) {  // in case a provider does not check
        return fail(share_error_prefix(group_) +
                    " is a low-order point: the shared secret is all zero");
    }
    return secret;
}

}  // namespace sc::crypto
