#include "e2e/ratchet.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/hkdf.h"
#include "crypto/internal/aead_raw.h"
#include "e2e/secret_codec.h"
#include "proto/limits.h"

namespace sc::e2e {

using crypto::SecretAccess;
using crypto::SecretBytes;

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::uint8_t kStateVersion = 1;

SecretBytes slice(const SecretBytes& s, std::size_t from, std::size_t n) {
    return SecretBytes(s.reveal(SecretAccess{}).subspan(from, n));
}

Result<SecretBytes> hmac(const SecretBytes& key, std::uint8_t byte) {
    // HKDF-Extract(salt, ikm) is HMAC-SHA256(salt, ikm) (RFC 5869 §2.2).
    return crypto::hkdf_extract(key.reveal(SecretAccess{}), SecretBytes(ByteView(&byte, 1)));
}

}  // namespace

Result<RootStep> kdf_rk(const SecretBytes& rk, const SecretBytes& dh_out) {
    constexpr std::string_view kInfo = "securechat/v1 e2e root";
    SC_TRY_ASSIGN(auto prk, crypto::hkdf_extract(rk.reveal(SecretAccess{}), dh_out));
    SC_TRY_ASSIGN(auto okm, crypto::hkdf_expand(prk, as_bytes(kInfo), 64));
    return RootStep{slice(okm, 0, 32), slice(okm, 32, 32)};
}

Result<ChainStep> kdf_ck(const SecretBytes& ck) {
    SC_TRY_ASSIGN(auto mk, hmac(ck, 0x01));
    SC_TRY_ASSIGN(auto next, hmac(ck, 0x02));
    return ChainStep{std::move(mk), std::move(next)};
}

Result<MessageKey> message_key(const SecretBytes& mk) {
    constexpr std::string_view kInfo = "securechat/v1 e2e message";
    SC_TRY_ASSIGN(auto prk, crypto::hkdf_extract(Bytes(32, 0), mk));
    SC_TRY_ASSIGN(auto okm, crypto::hkdf_expand(prk, as_bytes(kInfo), 44));
    return MessageKey{slice(okm, 0, 32), slice(okm, 32, 12)};
}

Result<Bytes> seal_with_message_key(const SecretBytes& mk, const SecretBytes& plaintext,
                                    ByteView ad) {
    SC_TRY_ASSIGN(auto keys, message_key(mk));
    SC_TRY_ASSIGN(auto key, crypto::Aes256GcmKey::create(keys.key));
    crypto::internal::AesGcmIv iv(keys.nonce.reveal(SecretAccess{}).data(), crypto::kAesGcmIvSize);
    return crypto::internal::seal(key, iv, plaintext.reveal(SecretAccess{}), ad);
}

Result<SecretBytes> open_with_message_key(const SecretBytes& mk, ByteView ct, ByteView ad) {
    SC_TRY_ASSIGN(auto keys, message_key(mk));
    SC_TRY_ASSIGN(auto key, crypto::Aes256GcmKey::create(keys.key));
    crypto::internal::AesGcmIv iv(keys.nonce.reveal(SecretAccess{}).data(), crypto::kAesGcmIvSize);
    SC_TRY_ASSIGN(auto plain, crypto::internal::open(key, iv, ct, ad));
    SecretBytes out(plain);
    crypto::secure_wipe(plain.data(), plain.size());
    return out;
}

Result<Ratchet> Ratchet::initiator(const SecretBytes& sk, ByteView peer_spk,
                                   crypto::X25519KeyPair dhs) {
    SC_TRY_ASSIGN(auto dh, dhs.agree(peer_spk));
    SC_TRY_ASSIGN(auto step, kdf_rk(sk, dh));
    Ratchet r(std::move(step.rk), std::move(dhs));
    r.dhr_ = Bytes(peer_spk.begin(), peer_spk.end());
    r.cks_ = std::move(step.ck);
    return r;
}

Ratchet Ratchet::responder(SecretBytes sk, crypto::X25519KeyPair spk) {
    return Ratchet(std::move(sk), std::move(spk));
}

Result<Ratchet::Sending> Ratchet::next_send() {
    if (!cks_) {
        return fail("this session cannot send before it has received");
    }
    if (ns_ == std::numeric_limits<std::uint32_t>::max()) {
        return fail("this sending chain is exhausted");
    }
    SC_TRY_ASSIGN(auto step, kdf_ck(*cks_));
    Sending out{RatchetHeader{dhs_.public_key(), pn_, ns_}, std::move(step.mk)};
    cks_ = std::move(step.ck);
    ++ns_;
    return out;
}

Status Ratchet::skip_until(std::uint32_t until) {
    if (until > nr_ && until - nr_ > proto::kMaxSkippedPerChain) {
        return fail("the header skips more than " + std::to_string(proto::kMaxSkippedPerChain) +
                    " messages of one chain");
    }
    if (!ckr_) {
        return {};
    }
    while (nr_ < until) {
        SC_TRY_ASSIGN(auto step, kdf_ck(*ckr_));
        skipped_.push_back(Skipped{*dhr_, nr_, std::move(step.mk)});
        ckr_ = std::move(step.ck);
        ++nr_;
        while (skipped_.size() > proto::kMaxSkippedKeys) {
            skipped_.pop_front();  // the oldest key goes first
        }
    }
    return {};
}

Status Ratchet::dh_step(const Bytes& peer, proto::Entropy& entropy) {
    pn_ = ns_;
    ns_ = 0;
    nr_ = 0;
    dhr_ = peer;
    SC_TRY_ASSIGN(auto dh_r, dhs_.agree(peer));
    SC_TRY_ASSIGN(auto recv, kdf_rk(rk_, dh_r));
    SC_TRY_ASSIGN(auto fresh_bytes, entropy.random(kKeyBytes));
    SecretBytes fresh_private(fresh_bytes);
    crypto::secure_wipe(fresh_bytes.data(), fresh_bytes.size());
    SC_TRY_ASSIGN(auto fresh, crypto::X25519KeyPair::from_private(std::move(fresh_private)));
    dhs_ = std::move(fresh);
    SC_TRY_ASSIGN(auto dh_s, dhs_.agree(peer));
    SC_TRY_ASSIGN(auto send, kdf_rk(recv.rk, dh_s));
    ckr_ = std::move(recv.ck);
    rk_ = std::move(send.rk);
    cks_ = std::move(send.ck);
    return {};
}

Result<SecretBytes> Ratchet::try_skipped(const RatchetHeader& header, ByteView ct, ByteView ad) {
    auto it = std::find_if(skipped_.begin(), skipped_.end(),
                           [&](const Skipped& s) { return s.n == header.n && s.dh == header.dh; });
    if (it == skipped_.end()) {
        return fail("no skipped key");
    }
    SC_TRY_ASSIGN(auto plain, open_with_message_key(it->mk, ct, ad));
    skipped_.erase(it);
    return plain;
}

Result<SecretBytes> Ratchet::decrypt(const RatchetHeader& header, ByteView ct, ByteView ad,
                                     proto::Entropy& entropy) {
    if (header.dh.size() != kKeyBytes) {
        return fail("the ratchet key is not 32 bytes");
    }
    if (auto plain = try_skipped(header, ct, ad)) {
        return plain;
    }
    Ratchet next = *this;  // kept only if the message opens
    if (!next.dhr_ || *next.dhr_ != header.dh) {
        SC_TRY(next.skip_until(header.pn));
        SC_TRY(next.dh_step(header.dh, entropy));
    }
    if (header.n < next.nr_) {
        return fail("the message key of this header was used or deleted");
    }
    SC_TRY(next.skip_until(header.n));
    if (!next.ckr_) {
        // The initiator's first ratchet key, before any DH step: nothing was sent in it.
        return fail("no receiving chain for this ratchet key");
    }
    SC_TRY_ASSIGN(auto step, kdf_ck(*next.ckr_));
    SC_TRY_ASSIGN(auto plain, open_with_message_key(step.mk, ct, ad));
    next.ckr_ = std::move(step.ck);
    ++next.nr_;
    *this = std::move(next);
    return plain;
}

SecretBytes Ratchet::serialize() const {
    SecretWriter w;
    w.u8(kStateVersion).secret(rk_).secret(dhs_.private_key());
    w.u8(dhr_ ? 1 : 0);
    if (dhr_) {
        w.raw(*dhr_);
    }
    for (const auto* chain : {&cks_, &ckr_}) {
        w.u8(chain->has_value() ? 1 : 0);
        if (chain->has_value()) {
            w.secret(**chain);
        }
    }
    w.u32(ns_).u32(nr_).u32(pn_).u32(static_cast<std::uint32_t>(skipped_.size()));
    for (const auto& s : skipped_) {
        w.raw(s.dh).u32(s.n).secret(s.mk);
    }
    return std::move(w).take();
}

Result<Ratchet> Ratchet::deserialize(ByteView state) {
    SecretReader r(state);
    SC_TRY_ASSIGN(auto version, r.u8());
    if (version != kStateVersion) {
        return fail("a ratchet state of another version");
    }
    SC_TRY_ASSIGN(auto rk, r.secret(kKeyBytes));
    SC_TRY_ASSIGN(auto dhs_private, r.secret(kKeyBytes));
    SC_TRY_ASSIGN(auto dhs, crypto::X25519KeyPair::from_private(std::move(dhs_private)));
    Ratchet out(std::move(rk), std::move(dhs));
    SC_TRY_ASSIGN(auto has_dhr, r.u8());
    if (has_dhr > 1) {
        return fail("a damaged ratchet state");
    }
    if (has_dhr == 1) {
        SC_TRY_ASSIGN(auto dhr, r.raw(kKeyBytes));
        out.dhr_ = Bytes(dhr.begin(), dhr.end());
    }
    for (auto* chain : {&out.cks_, &out.ckr_}) {
        SC_TRY_ASSIGN(auto has, r.u8());
        if (has > 1) {
            return fail("a damaged ratchet state");
        }
        if (has == 1) {
            SC_TRY_ASSIGN(auto ck, r.secret(kKeyBytes));
            *chain = std::move(ck);
        }
    }
    if (out.ckr_ && !out.dhr_) {
        return fail("a damaged ratchet state");
    }
    SC_TRY_ASSIGN(out.ns_, r.u32());
    SC_TRY_ASSIGN(out.nr_, r.u32());
    SC_TRY_ASSIGN(out.pn_, r.u32());
    SC_TRY_ASSIGN(auto skipped, r.count(proto::kMaxSkippedKeys, 2 * kKeyBytes + 4));
    for (std::uint32_t i = 0; i < skipped; ++i) {
        Skipped s;
        SC_TRY_ASSIGN(auto dh, r.raw(kKeyBytes));
        s.dh.assign(dh.begin(), dh.end());
        SC_TRY_ASSIGN(s.n, r.u32());
        SC_TRY_ASSIGN(s.mk, r.secret(kKeyBytes));
        out.skipped_.push_back(std::move(s));
    }
    if (!r.done()) {
        return fail("a ratchet state with trailing bytes");
    }
    return out;
}

}  // namespace sc::e2e
