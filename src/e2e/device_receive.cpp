// DeviceSessions: what it receives (docs/PROTOCOL.md §10.5): opening a message in §10.5's order
// (responding to an X3DH init when it starts a session, §10.3), and the delivered statements.
#include <algorithm>
#include <utility>

#include "common/display_text.h"
#include "crypto/sha256.h"
#include "e2e/device_sessions.h"
#include "e2e/device_state.h"
#include "e2e/envelope.h"
#include "e2e/x3dh.h"
#include "pki/certificate.h"
#include "proto/limits.h"

namespace sc::e2e {

using crypto::SecretAccess;
using crypto::SecretBytes;

namespace {

Failure<OpenError> refuse(std::string code, std::string message) {
    return fail(OpenError{std::move(code), std::move(message)});
}

// The device id a §10.1 certificate field names: the SHA-256 of its leaf's DER (the first
// certificate). A field that does not parse names nobody (all zero: no device has that id).
Fingerprint fingerprint_of(ByteView chain_der) {
    auto chain = pki::Certificate::chain_from_der(chain_der);
    return chain ? chain->front().fingerprint() : Fingerprint{};
}

const crypto::X25519KeyPair* find_signed_prekey(detail::StateData& d, std::uint64_t id,
                                                std::uint64_t now_ms) {
    if (d.spk && d.spk->id == id) {
        return &d.spk->pair;
    }
    if (d.previous_spk && d.previous_spk->key.id == id &&
        now_ms <= d.previous_spk->retired_at + proto::kSignedPrekeyGraceMs) {
        return &d.previous_spk->key.pair;
    }
    return nullptr;
}

}  // namespace

Result<OpenedMessage, OpenError> DeviceSessions::open(const ParsedEnvelope& parsed,
                                                      const VerifiedDevice& sender,
                                                      std::uint64_t now_ms) {
    auto& st = *state_;
    auto& d = st.data;
    if (parsed.kind != ParsedEnvelope::Kind::message) {
        return refuse("malformed", "not a message envelope");
    }
    auto parsed_env = parse_message_envelope(parsed.body);
    if (!parsed_env) {
        return refuse("malformed", parsed_env.error().message);
    }
    const auto& env = *parsed_env;
    const auto& h = env.head;
    if (h.to_fp != st.own.fp) {
        return refuse("malformed", "the envelope is for another device");
    }
    if (fingerprint_of(env.cert) != h.from_fp || sender.fp != h.from_fp ||
        sender.cert_der != env.cert) {
        return refuse("bad_certificate",
                      "the envelope's certificate is not the sending device's (fp_S)");
    }
    if (!h.conv.has(st.own.user) || !h.conv.has(sender.user)) {
        return refuse("malformed",
                      "the conversation does not hold both the sender's user and ours");
    }
    if (!sender.key.verify(message_signed(env.head_bytes, env.ct, env.commit), env.sig).ok()) {
        return refuse("bad_message_signature", "the envelope's signature does not verify");
    }
    const std::pair<Bytes, Conversation> sender_key{
        Bytes(h.from_fp.view().begin(), h.from_fp.view().end()), h.conv};
    auto received_it = d.received.find(sender_key);
    if (received_it != d.received.end()) {
        const auto& mids = received_it->second.mids;
        if (std::find(mids.begin(), mids.end(), h.mid) != mids.end()) {
            return refuse("replay", "a message already accepted from this device");
        }
    }

    // Decrypt: in the session this init names, or a new one it starts, or else in each session
    // with the sender, newest first — each on a copy, kept only once every check below has
    // passed, so a refused message changes no ratchet, uses up no one-time prekey and evicts no
    // session.
    auto sessions_it = d.sessions.find(h.from_fp);
    const std::vector<detail::Session> no_sessions;
    const auto& sessions = sessions_it != d.sessions.end() ? sessions_it->second : no_sessions;
    std::optional<SecretBytes> plain;
    std::size_t used = 0;
    std::optional<Ratchet> advanced;  // sessions[used]'s ratchet after this message
    std::string why = "no session with the sending device opens it";
    std::optional<detail::Session> started;
    auto used_otk = d.one_time.end();
    auto init_session =
        h.init ? std::find_if(sessions.begin(), sessions.end(),
                              [&](const detail::Session& s) { return s.init_ek == h.init->ek; })
               : sessions.end();
    if (h.init && init_session == sessions.end()) {
        const auto* spk = find_signed_prekey(d, h.init->spk_id, now_ms);
        auto otk =
            std::find_if(d.one_time.begin(), d.one_time.end(),
                         [&](const detail::OwnedPrekey& k) { return k.id == h.init->opk_id; });
        if (spk == nullptr) {
            why = "it names a signed prekey this device does not hold";
        } else if (h.init->opk_id != 0 && otk == d.one_time.end()) {
            why = "it names a one-time prekey this device does not hold (or used)";
        } else {
            X3dhContext ctx{h.from_fp, st.own.fp, h.init->spk_id, h.init->opk_id, h.init->ek};
            auto sk = x3dh_responder(ctx, *spk, h.init->opk_id != 0 ? &otk->pair : nullptr);
            if (sk) {
                auto ratchet = Ratchet::responder(std::move(sk).value(), *spk);
                auto opened = ratchet.decrypt(h.ratchet, env.ct, env.head_bytes, *st.entropy);
                if (opened) {
                    plain = std::move(opened).value();
                    started = detail::Session{std::move(ratchet), h.init->ek, std::nullopt};
                    used_otk = h.init->opk_id != 0 ? otk : d.one_time.end();
                }
            }
        }
    } else {
        for (std::size_t i = 0; i < sessions.size() && !plain; ++i) {
            if (h.init && sessions.begin() + static_cast<std::ptrdiff_t>(i) != init_session) {
                continue;
            }
            Ratchet candidate = sessions[i].ratchet;
            auto opened = candidate.decrypt(h.ratchet, env.ct, env.head_bytes, *st.entropy);
            if (opened) {
                plain = std::move(opened).value();
                used = i;
                advanced = std::move(candidate);
            }
        }
    }
    if (!plain) {
        return refuse("decrypt_failed", "the message does not open: " + why);
    }

    auto bytes = plain->reveal(SecretAccess{});
    ByteView salt = bytes.first(proto::kSaltBytes);
    Bytes kept_salt(salt.begin(), salt.end());
    std::string text(bytes.begin() + static_cast<std::ptrdiff_t>(proto::kSaltBytes), bytes.end());
    if (!crypto::ct_equal(message_commitment(salt, text), env.commit)) {
        return refuse("bad_message_signature", "the commitment does not match the text");
    }
    if (!is_valid_utf8(text)) {
        return refuse("bad_text", "the text is not valid UTF-8");
    }
    if (h.ts > now_ms + proto::kE2eFutureSkewMs ||
        (now_ms > h.ts && now_ms - h.ts > proto::kE2eMaxAgeMs)) {
        return refuse("stale_timestamp", "the message's time is outside the accepted window");
    }

    // Accepted: the message key is gone; the session we received in is the one we send in next.
    auto& live = d.sessions[h.from_fp];
    if (started) {
        live.insert(live.begin(), std::move(*started));
        if (used_otk != d.one_time.end()) {
            d.one_time.erase(used_otk);  // §10.2: a used one-time key is deleted
        }
    } else {
        live[used].ratchet = std::move(*advanced);
        std::rotate(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(used),
                    live.begin() + static_cast<std::ptrdiff_t>(used) + 1);
    }
    live.front().pending_init.reset();
    detail::trim_sessions(live);

    OpenedMessage out;
    auto& rec = d.received[sender_key];
    if (received_it == d.received.end()) {
        out.sequence = Sequence::first;
    } else if (h.seq == rec.last_seq + 1) {
        out.sequence = Sequence::next;
    } else if (h.seq > rec.last_seq + 1) {
        out.sequence = Sequence::gap;
        out.missing_from = rec.last_seq + 1;
        out.missing_to = h.seq - 1;
    } else {
        out.sequence = Sequence::out_of_order;
    }
    rec.last_seq = std::max(rec.last_seq, h.seq);
    rec.mids.push_back(h.mid);
    while (rec.mids.size() > proto::kMaxSeenMessageIds) {
        rec.mids.pop_front();
    }

    out.conv = h.conv;
    out.sender_user = sender.user;
    out.sender_device = sender.name;
    out.sender_fp = sender.fp;
    out.mid = h.mid;
    out.seq = h.seq;
    out.ts = h.ts;
    out.text = std::move(text);
    out.salt = std::move(kept_salt);
    auto digest = crypto::sha256(parsed.body);
    out.envelope_sha256.assign(digest.begin(), digest.end());
    out.details = detail::details_of(h, env.ct, env.sig, env.commit);
    return out;
}

Result<Bytes> DeviceSessions::make_delivered(const OpenedMessage& message, std::uint64_t now_ms) {
    const auto& st = *state_;
    Delivered statement{message.conv, message.sender_fp,       st.own.fp, message.mid,
                        message.seq,  message.envelope_sha256, now_ms};
    Bytes delivered = encode_delivered(statement);
    SC_TRY_ASSIGN(auto sig, st.key->sign(delivered_signed(delivered)));
    return encode_delivered_envelope(delivered, st.own.cert_der, sig);
}

Result<DeliveredStatement> DeviceSessions::check_delivered(const ParsedEnvelope& parsed,
                                                           const VerifiedDevice& recipient,
                                                           const SentCopy& sent) {
    const auto& st = *state_;
    if (parsed.kind != ParsedEnvelope::Kind::delivered) {
        return fail("not a delivered statement");
    }
    SC_TRY_ASSIGN(auto env, parse_delivered_envelope(parsed.body));
    const auto& s = env.statement;
    if (s.fp_s != st.own.fp) {
        return fail("the delivered statement is about another device's message");
    }
    if (s.fp_r != recipient.fp || fingerprint_of(env.cert) != recipient.fp ||
        env.cert != recipient.cert_der) {
        return fail("the delivered statement's certificate is not the recipient device's");
    }
    if (!s.conv.has(st.own.user) || !s.conv.has(recipient.user)) {
        return fail("the delivered statement's conversation does not hold both users");
    }
    if (!crypto::ct_equal(s.envelope_sha256, sent.envelope_sha256)) {
        return fail("the delivered statement names another envelope");
    }
    if (!(s.mid == sent.mid) || s.seq != sent.seq) {
        return fail(
            "the delivered statement names another message id or counter than the one "
            "we sent");
    }
    if (!recipient.key.verify(delivered_signed(env.delivered_bytes), env.sig).ok()) {
        return fail("the delivered statement's signature does not verify");
    }
    return DeliveredStatement{s.conv, s.fp_r, s.mid, s.seq, s.ts};
}

}  // namespace sc::e2e
