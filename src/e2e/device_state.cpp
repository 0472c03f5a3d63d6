#include "e2e/device_state.h"

#include <string_view>
#include <utility>

#include "e2e/secret_codec.h"
#include "proto/limits.h"

namespace sc::e2e::detail {
namespace {

constexpr std::string_view kMagic = "securechat/v1 e2e state";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxItems = 1u << 24;
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxSessionBytes = 1u << 20;

void write_prekey(SecretWriter& w, const OwnedPrekey& key) {
    w.u64(key.id).u64(key.ts).secret(key.pair.private_key());
}

Result<OwnedPrekey> read_prekey(SecretReader& r) {
    SC_TRY_ASSIGN(auto id, r.u64());
    SC_TRY_ASSIGN(auto ts, r.u64());
    SC_TRY_ASSIGN(auto secret, r.secret(kKeyBytes));
    SC_TRY_ASSIGN(auto pair, crypto::X25519KeyPair::from_private(std::move(secret)));
    return OwnedPrekey{id, ts, std::move(pair)};
}

void write_conv(SecretWriter& w, const Conversation& conv) {
    w.text(conv.first()).text(conv.second());
}

Result<Conversation> read_conv(SecretReader& r) {
    SC_TRY_ASSIGN(auto a, r.text(kMaxNameBytes));
    SC_TRY_ASSIGN(auto b, r.text(kMaxNameBytes));
    return Conversation::between(a, b);
}

Result<Fingerprint> read_fp(SecretReader& r) {
    SC_TRY_ASSIGN(auto bytes, r.raw(kFingerprintBytes));
    return *Fingerprint::from_view(bytes);
}

Result<bool> read_flag(SecretReader& r) {
    SC_TRY_ASSIGN(auto flag, r.u8());
    if (flag > 1) {
        return fail("the e2e state is damaged (a flag that is neither 0 nor 1)");
    }
    return flag == 1;
}

}  // namespace

crypto::SecretBytes serialize_session(const Session& session) {
    SecretWriter w;
    w.blob(session.init_ek).u8(session.pending_init ? 1 : 0);
    if (session.pending_init) {
        w.u64(session.pending_init->spk_id)
            .u64(session.pending_init->opk_id)
            .raw(session.pending_init->ek);
    }
    w.blob(session.ratchet.serialize().reveal(crypto::SecretAccess{}));
    return std::move(w).take();
}

Result<Session> parse_session(ByteView bytes) {
    SecretReader r(bytes);
    SC_TRY_ASSIGN(auto ek, r.blob(kKeyBytes));
    SC_TRY_ASSIGN(auto pending, read_flag(r));
    std::optional<InitFields> init;
    if (pending) {
        InitFields f;
        SC_TRY_ASSIGN(f.spk_id, r.u64());
        SC_TRY_ASSIGN(f.opk_id, r.u64());
        SC_TRY_ASSIGN(auto init_ek, r.raw(kKeyBytes));
        f.ek.assign(init_ek.begin(), init_ek.end());
        init = std::move(f);
    }
    SC_TRY_ASSIGN(auto ratchet_bytes, r.blob(kMaxSessionBytes));
    SC_TRY_ASSIGN(auto ratchet, Ratchet::deserialize(ratchet_bytes));
    if (!r.done()) {
        return fail("a session state with trailing bytes");
    }
    return Session{std::move(ratchet), Bytes(ek.begin(), ek.end()), std::move(init)};
}

crypto::SecretBytes serialize_state(const StateData& s) {
    SecretWriter w;
    w.raw(as_bytes(kMagic)).u8(0).u8(kVersion).raw(s.own_fp.view());
    w.u64(s.next_key_id).u8(s.topping_up ? 1 : 0);
    w.u8(s.spk ? 1 : 0);
    if (s.spk) {
        write_prekey(w, *s.spk);
    }
    w.u8(s.previous_spk ? 1 : 0);
    if (s.previous_spk) {
        write_prekey(w, s.previous_spk->key);
        w.u64(s.previous_spk->retired_at);
    }
    w.u32(static_cast<std::uint32_t>(s.one_time.size()));
    for (const auto& key : s.one_time) {
        write_prekey(w, key);
    }
    w.u32(static_cast<std::uint32_t>(s.next_seq.size()));
    for (const auto& [conv, seq] : s.next_seq) {
        write_conv(w, conv);
        w.u64(seq);
    }
    w.u32(static_cast<std::uint32_t>(s.sessions.size()));
    for (const auto& [fp, sessions] : s.sessions) {
        w.raw(fp.view()).u32(static_cast<std::uint32_t>(sessions.size()));
        for (const auto& session : sessions) {
            w.blob(serialize_session(session).reveal(crypto::SecretAccess{}));
        }
    }
    w.u32(static_cast<std::uint32_t>(s.received.size()));
    for (const auto& [key, received] : s.received) {
        w.raw(key.first);
        write_conv(w, key.second);
        w.u64(received.last_seq).u32(static_cast<std::uint32_t>(received.mids.size()));
        for (const auto& mid : received.mids) {
            w.raw(mid.view());
        }
    }
    return std::move(w).take();
}

Result<StateData> parse_state(ByteView bytes) {
    SecretReader r(bytes);
    SC_TRY_ASSIGN(auto magic, r.raw(kMagic.size() + 1));
    SC_TRY_ASSIGN(auto version, r.u8());
    if (!std::equal(magic.begin(), magic.end() - 1, kMagic.begin(), kMagic.end()) ||
        magic.back() != 0 || version != kVersion) {
        return fail("not an e2e state file of version 1");
    }
    StateData s;
    SC_TRY_ASSIGN(s.own_fp, read_fp(r));
    SC_TRY_ASSIGN(s.next_key_id, r.u64());
    SC_TRY_ASSIGN(s.topping_up, read_flag(r));
    SC_TRY_ASSIGN(auto has_spk, read_flag(r));
    if (has_spk) {
        SC_TRY_ASSIGN(auto spk, read_prekey(r));
        s.spk = std::move(spk);
    }
    SC_TRY_ASSIGN(auto has_previous, read_flag(r));
    if (has_previous) {
        SC_TRY_ASSIGN(auto key, read_prekey(r));
        SC_TRY_ASSIGN(auto retired_at, r.u64());
        s.previous_spk = RetiredPrekey{std::move(key), retired_at};
    }
    SC_TRY_ASSIGN(auto otks, r.count(kMaxOneTimePrivateKeys, 48));
    for (std::uint32_t i = 0; i < otks; ++i) {
        SC_TRY_ASSIGN(auto key, read_prekey(r));
        s.one_time.push_back(std::move(key));
    }
    SC_TRY_ASSIGN(auto convs, r.count(kMaxItems, 16));
    for (std::uint32_t i = 0; i < convs; ++i) {
        SC_TRY_ASSIGN(auto conv, read_conv(r));
        SC_TRY_ASSIGN(auto seq, r.u64());
        s.next_seq[conv] = seq;
    }
    SC_TRY_ASSIGN(auto peers, r.count(kMaxItems, kFingerprintBytes + 4));
    for (std::uint32_t i = 0; i < peers; ++i) {
        SC_TRY_ASSIGN(auto fp, read_fp(r));
        SC_TRY_ASSIGN(auto n, r.count(proto::kMaxSessionsPerPeerDevice, 4));
        auto& list = s.sessions[fp];
        for (std::uint32_t j = 0; j < n; ++j) {
            SC_TRY_ASSIGN(auto blob, r.blob(kMaxSessionBytes));
            SC_TRY_ASSIGN(auto session, parse_session(blob));
            list.push_back(std::move(session));
        }
    }
    SC_TRY_ASSIGN(auto senders, r.count(kMaxItems, kFingerprintBytes + 20));
    for (std::uint32_t i = 0; i < senders; ++i) {
        SC_TRY_ASSIGN(auto fp, r.raw(kFingerprintBytes));
        SC_TRY_ASSIGN(auto conv, read_conv(r));
        Received received;
        SC_TRY_ASSIGN(received.last_seq, r.u64());
        SC_TRY_ASSIGN(auto mids, r.count(proto::kMaxSeenMessageIds, kMessageIdBytes));
        for (std::uint32_t j = 0; j < mids; ++j) {
            SC_TRY_ASSIGN(auto mid, r.raw(kMessageIdBytes));
            received.mids.push_back(*MessageId::from_view(mid));
        }
        s.received[{Bytes(fp.begin(), fp.end()), conv}] = std::move(received);
    }
    if (!r.done()) {
        return fail("the e2e state file has trailing bytes");
    }
    return s;
}

}  // namespace sc::e2e::detail
