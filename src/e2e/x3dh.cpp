#include "e2e/x3dh.h"

#include <string_view>

#include "common/byte_writer.h"
#include "crypto/hkdf.h"

namespace sc::e2e {

using crypto::SecretAccess;
using crypto::SecretBytes;

Result<SecretBytes> x3dh_secret(const X3dhContext& ctx, const SecretBytes& dh1,
                                const SecretBytes& dh2) {
    if (ctx.ek_pub.size() != crypto::kX25519KeyBytes) {
        return fail("X3DH: the ephemeral key is not 32 bytes");
    }
    if ((ctx.opk_id == 0) != dh2.empty()) {
        return fail("X3DH: a one-time prekey id without its DH, or a DH without its id");
    }
    SecretBytes ikm(Bytes(32, 0xff));
    ikm.append(dh1.reveal(SecretAccess{}));
    ikm.append(dh2.reveal(SecretAccess{}));
    constexpr std::string_view kInfo = "securechat/v1 e2e x3dh";
    ByteWriter info;
    info.context(kInfo)
        .raw(ctx.fp_a.view())
        .raw(ctx.fp_b.view())
        .u64(ctx.spk_id)
        .u64(ctx.opk_id)
        .raw(ctx.ek_pub);
    SC_TRY_ASSIGN(auto prk, crypto::hkdf_extract(Bytes(32, 0), ikm));
    return crypto::hkdf_expand(prk, info.bytes(), 32);
}

Result<SecretBytes> x3dh_initiator(const X3dhContext& ctx, const crypto::X25519KeyPair& ek,
                                   ByteView spk_pub, ByteView opk_pub) {
    if (ek.public_key() != ctx.ek_pub) {
        return fail("X3DH: the ephemeral key pair is not the one named");
    }
    SC_TRY_ASSIGN(auto dh1, ek.agree(spk_pub));
    SecretBytes dh2;
    if (ctx.opk_id != 0) {
        SC_TRY_ASSIGN(dh2, ek.agree(opk_pub));
    }
    return x3dh_secret(ctx, dh1, dh2);
}

Result<SecretBytes> x3dh_responder(const X3dhContext& ctx, const crypto::X25519KeyPair& spk,
                                   const crypto::X25519KeyPair* opk) {
    SC_TRY_ASSIGN(auto dh1, spk.agree(ctx.ek_pub));
    SecretBytes dh2;
    if (ctx.opk_id != 0) {
        if (opk == nullptr) {
            return fail("X3DH: the one-time prekey is missing");
        }
        SC_TRY_ASSIGN(dh2, opk->agree(ctx.ek_pub));
    }
    return x3dh_secret(ctx, dh1, dh2);
}

}  // namespace sc::e2e
