#include "e2e/prekeys.h"

#include <string_view>

#include "common/byte_writer.h"
#include "proto/limits.h"

namespace sc::e2e {

Bytes prekey_signed(PrekeyKind kind, const Fingerprint& owner, std::uint64_t key_id, ByteView key,
                    std::uint64_t ts) {
    constexpr std::string_view kContext = "securechat/v1 e2e prekey";
    ByteWriter w;
    w.context(kContext)
        .u8(static_cast<std::uint8_t>(kind))
        .raw(owner.view())
        .u64(key_id)
        .raw(key)
        .u64(ts);
    return std::move(w).bytes();
}

Result<Bytes> sign_prekey(const crypto::PrivateKey& owner_key, PrekeyKind kind,
                          const Fingerprint& owner, std::uint64_t key_id, ByteView key,
                          std::uint64_t ts) {
    return owner_key.sign(prekey_signed(kind, owner, key_id, key, ts));
}

Status verify_prekey(const crypto::PublicKey& owner_key, PrekeyKind kind, const Fingerprint& owner,
                     std::uint64_t key_id, ByteView key, std::uint64_t ts, ByteView sig) {
    const char* what = kind == PrekeyKind::signed_prekey ? "signed prekey" : "one-time prekey";
    if (key_id == 0) {
        return fail(std::string(what) + " has id 0");
    }
    if (key.size() != proto::kPrekeyBytes) {
        return fail(std::string(what) + " is not a 32-byte X25519 key");
    }
    if (!owner_key.verify(prekey_signed(kind, owner, key_id, key, ts), sig).ok()) {
        return fail(std::string(what) + " " + std::to_string(key_id) +
                    ": its signature does not verify with the device's certificate key");
    }
    return {};
}

}  // namespace sc::e2e
