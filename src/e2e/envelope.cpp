#include "e2e/envelope.h"

#include <algorithm>
#include <string>

#include "common/byte_writer.h"
#include "crypto/sha256.h"
#include "e2e/device_sessions.h"
#include "proto/limits.h"

namespace sc::e2e {
namespace {

constexpr std::uint8_t kKindMessage = 1;
constexpr std::uint8_t kKindDelivered = 2;
constexpr std::uint8_t kKindStored = 3;  // §10.6: made by the server, never an envelope
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMinCt = proto::kSaltBytes + proto::kAeadTagBytes;

// Reads an envelope front to back; every failure is one sentence naming the field.
class Reader {
  public:
    explicit Reader(ByteView in) : in_(in) {}

    Result<ByteView> raw(std::size_t n, std::string_view what) {
        if (in_.size() - pos_ < n) {
            return fail("the envelope ends inside its " + std::string(what));
        }
        ByteView out = in_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    Result<std::uint64_t> uint(std::size_t width, std::string_view what) {
        SC_TRY_ASSIGN(auto bytes, raw(width, what));
        std::uint64_t v = 0;
        for (auto b : bytes) {
            v = (v << 8) | b;
        }
        return v;
    }
    // A length prefix of `width` bytes, then min..max bytes.
    Result<Bytes> sized(std::size_t width, std::size_t min, std::size_t max,
                        std::string_view what) {
        SC_TRY_ASSIGN(auto n, uint(width, what));
        if (n < min || n > max) {
            return fail("the envelope's " + std::string(what) + " is " + std::to_string(n) +
                        " bytes; it must be " + std::to_string(min) + " to " + std::to_string(max));
        }
        SC_TRY_ASSIGN(auto bytes, raw(static_cast<std::size_t>(n), what));
        return Bytes(bytes.begin(), bytes.end());
    }
    template <class Strong>
    Result<Strong> strong(std::string_view what) {
        SC_TRY_ASSIGN(auto bytes, raw(Strong::kSize, what));
        return *Strong::from_view(bytes);
    }
    Result<Conversation> conv() {
        std::string names[2];
        std::size_t start = pos_;
        for (auto& name : names) {
            SC_TRY_ASSIGN(auto len, uint(1, "conversation"));
            SC_TRY_ASSIGN(auto bytes, raw(static_cast<std::size_t>(len), "conversation"));
            name.assign(bytes.begin(), bytes.end());
        }
        auto conv = Conversation::between(names[0], names[1]);
        if (!conv) {
            return fail("the envelope's conversation is not two usernames");
        }
        auto canonical = conv->encode();
        ByteView got = in_.subspan(start, pos_ - start);
        if (!std::equal(canonical.begin(), canonical.end(), got.begin(), got.end())) {
            return fail("the envelope's conversation is not two canonical names in order");
        }
        return std::move(conv).value();
    }
    std::size_t pos() const { return pos_; }
    Status end() const {
        if (pos_ != in_.size()) {
            return fail("the envelope has " + std::to_string(in_.size() - pos_) +
                        " trailing bytes");
        }
        return {};
    }

  private:
    ByteView in_;
    std::size_t pos_ = 0;
};

Status check_size(ByteView body) {
    if (body.empty() || body.size() > proto::kMaxEnvelopeBytes) {
        return fail("an envelope is 1 to " + std::to_string(proto::kMaxEnvelopeBytes) +
                    " bytes, not " + std::to_string(body.size()));
    }
    return {};
}

Status expect_kind(Reader& r, std::uint8_t kind) {
    SC_TRY_ASSIGN(auto version, r.uint(1, "version"));
    if (version != kEnvelopeVersion) {
        return fail("an envelope of version " + std::to_string(version) + ", not 1");
    }
    SC_TRY_ASSIGN(auto got, r.uint(1, "kind"));
    if (got != kind) {
        return fail("an envelope of kind " + std::to_string(got) + ", not " + std::to_string(kind));
    }
    return {};
}

Bytes sha256_bytes(ByteView data) {
    auto digest = crypto::sha256(data);
    return Bytes(digest.begin(), digest.end());
}

}  // namespace

Bytes encode_head(const MessageHead& head) {
    ByteWriter w;
    w.u8(kEnvelopeVersion)
        .u8(kKindMessage)
        .raw(head.conv.encode())
        .raw(head.from_fp.view())
        .raw(head.to_fp.view())
        .raw(head.mid.view())
        .u64(head.seq)
        .u64(head.ts)
        .raw(head.ratchet.dh)
        .u32(head.ratchet.pn)
        .u32(head.ratchet.n)
        .u8(head.init ? 1 : 0);
    if (head.init) {
        w.u64(head.init->spk_id).u64(head.init->opk_id).raw(head.init->ek);
    }
    return std::move(w).bytes();
}

Bytes message_commitment(ByteView salt, std::string_view text) {
    ByteWriter w;
    w.context("securechat/v1 e2e commitment").raw(salt).text(text);
    return sha256_bytes(w.bytes());
}

Bytes message_signed(ByteView head, ByteView ct, ByteView commit) {
    ByteWriter w;
    w.context("securechat/v1 e2e message").raw(head).raw(sha256_bytes(ct)).raw(commit);
    return std::move(w).bytes();
}

Bytes encode_message_envelope(ByteView head, ByteView commit, ByteView cert, ByteView ct,
                              ByteView sig) {
    ByteWriter w;
    w.raw(head)
        .raw(commit)
        .u16(static_cast<std::uint16_t>(cert.size()))
        .raw(cert)
        .u32(static_cast<std::uint32_t>(ct.size()))
        .raw(ct)
        .u16(static_cast<std::uint16_t>(sig.size()))
        .raw(sig);
    return std::move(w).bytes();
}

Result<MessageEnvelope> parse_message_envelope(ByteView body) {
    SC_TRY(check_size(body));
    Reader r(body);
    SC_TRY(expect_kind(r, kKindMessage));
    MessageEnvelope env;
    auto& h = env.head;
    SC_TRY_ASSIGN(h.conv, r.conv());
    SC_TRY_ASSIGN(h.from_fp, r.strong<Fingerprint>("sender fingerprint"));
    SC_TRY_ASSIGN(h.to_fp, r.strong<Fingerprint>("recipient fingerprint"));
    SC_TRY_ASSIGN(h.mid, r.strong<MessageId>("mid"));
    SC_TRY_ASSIGN(h.seq, r.uint(8, "seq"));
    SC_TRY_ASSIGN(h.ts, r.uint(8, "ts"));
    SC_TRY_ASSIGN(auto dh, r.raw(kKeyBytes, "ratchet key"));
    h.ratchet.dh.assign(dh.begin(), dh.end());
    SC_TRY_ASSIGN(auto pn, r.uint(4, "pn"));
    SC_TRY_ASSIGN(auto n, r.uint(4, "n"));
    h.ratchet.pn = static_cast<std::uint32_t>(pn);
    h.ratchet.n = static_cast<std::uint32_t>(n);
    SC_TRY_ASSIGN(auto init, r.uint(1, "init flag"));
    if (init > 1) {
        return fail("the envelope's init flag is " + std::to_string(init) + ", not 0 or 1");
    }
    if (init == 1) {
        InitFields f;
        SC_TRY_ASSIGN(f.spk_id, r.uint(8, "spk_id"));
        SC_TRY_ASSIGN(f.opk_id, r.uint(8, "opk_id"));
        SC_TRY_ASSIGN(auto ek, r.raw(kKeyBytes, "ephemeral key"));
        f.ek.assign(ek.begin(), ek.end());
        if (f.spk_id == 0) {
            return fail("the envelope's spk_id is 0");
        }
        h.init = std::move(f);
    }
    env.head_bytes.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(r.pos()));
    SC_TRY_ASSIGN(auto commit, r.raw(32, "commitment"));
    env.commit.assign(commit.begin(), commit.end());
    SC_TRY_ASSIGN(env.cert, r.sized(2, 1, proto::kMaxCertBytes, "certificate"));
    SC_TRY_ASSIGN(env.ct, r.sized(4, kMinCt, proto::kMaxChatCt, "ciphertext"));
    SC_TRY_ASSIGN(env.sig, r.sized(2, 1, proto::kMaxSigBytes, "signature"));
    SC_TRY(r.end());
    return env;
}

Bytes encode_delivered(const Delivered& s) {
    ByteWriter w;
    w.u8(kEnvelopeVersion)
        .u8(kKindDelivered)
        .raw(s.conv.encode())
        .raw(s.fp_s.view())
        .raw(s.fp_r.view())
        .raw(s.mid.view())
        .u64(s.seq)
        .raw(s.envelope_sha256)
        .u64(s.ts);
    return std::move(w).bytes();
}

Bytes delivered_signed(ByteView delivered) {
    ByteWriter w;
    w.context("securechat/v1 e2e delivered").raw(delivered);
    return std::move(w).bytes();
}

Bytes encode_stored(const StoredStatement& s) {
    ByteWriter w;
    w.u8(kEnvelopeVersion)
        .u8(kKindStored)
        .raw(s.fp_s.view())
        .raw(s.fp_r.view())
        .raw(s.mid.view())
        .raw(s.envelope_sha256)
        .u64(s.held)
        .u64(s.ts)
        .u64(s.expires);
    return std::move(w).bytes();
}

Bytes stored_signed(ByteView stored) {
    ByteWriter w;
    w.context("securechat/v1 e2e stored").raw(stored);
    return std::move(w).bytes();
}

Bytes encode_delivered_envelope(ByteView delivered, ByteView cert, ByteView sig) {
    ByteWriter w;
    w.raw(delivered)
        .u16(static_cast<std::uint16_t>(cert.size()))
        .raw(cert)
        .u16(static_cast<std::uint16_t>(sig.size()))
        .raw(sig);
    return std::move(w).bytes();
}

Result<DeliveredEnvelope> parse_delivered_envelope(ByteView body) {
    SC_TRY(check_size(body));
    Reader r(body);
    SC_TRY(expect_kind(r, kKindDelivered));
    DeliveredEnvelope env;
    auto& s = env.statement;
    SC_TRY_ASSIGN(s.conv, r.conv());
    SC_TRY_ASSIGN(s.fp_s, r.strong<Fingerprint>("sender fingerprint"));
    SC_TRY_ASSIGN(s.fp_r, r.strong<Fingerprint>("recipient fingerprint"));
    SC_TRY_ASSIGN(s.mid, r.strong<MessageId>("mid"));
    SC_TRY_ASSIGN(s.seq, r.uint(8, "seq"));
    SC_TRY_ASSIGN(auto hash, r.raw(32, "envelope hash"));
    s.envelope_sha256.assign(hash.begin(), hash.end());
    SC_TRY_ASSIGN(s.ts, r.uint(8, "ts"));
    env.delivered_bytes.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(r.pos()));
    SC_TRY_ASSIGN(env.cert, r.sized(2, 1, proto::kMaxCertBytes, "certificate"));
    SC_TRY_ASSIGN(env.sig, r.sized(2, 1, proto::kMaxSigBytes, "signature"));
    SC_TRY(r.end());
    return env;
}

Result<ParsedEnvelope> parse_envelope(ByteView body) {
    SC_TRY(check_size(body));
    if (body.size() < 2) {
        return fail("the envelope ends inside its kind");
    }
    ParsedEnvelope out;
    out.body.assign(body.begin(), body.end());
    if (body[1] == kKindDelivered) {
        SC_TRY_ASSIGN(auto env, parse_delivered_envelope(body));
        out.kind = ParsedEnvelope::Kind::delivered;
        out.conv = env.statement.conv;
        out.from_fp = env.statement.fp_r;
        out.to_fp = env.statement.fp_s;
        out.mid = env.statement.mid;
        out.seq = env.statement.seq;
        out.ts = env.statement.ts;
        out.cert_der = std::move(env.cert);
        return out;
    }
    SC_TRY_ASSIGN(auto env, parse_message_envelope(body));
    out.kind = ParsedEnvelope::Kind::message;
    out.conv = env.head.conv;
    out.from_fp = env.head.from_fp;
    out.to_fp = env.head.to_fp;
    out.mid = env.head.mid;
    out.seq = env.head.seq;
    out.ts = env.head.ts;
    out.cert_der = std::move(env.cert);
    return out;
}

}  // namespace sc::e2e
