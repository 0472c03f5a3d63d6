#include "e2e/device_sessions.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include "common/display_text.h"
#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"
#include "e2e/device_state.h"
#include "e2e/envelope.h"
#include "e2e/x3dh.h"
#include "proto/limits.h"

namespace sc::e2e {

using crypto::SecretAccess;
using crypto::SecretBytes;

namespace detail {

Result<crypto::X25519KeyPair> fresh_pair(proto::Entropy& entropy) {
    SC_TRY_ASSIGN(auto bytes, entropy.random(crypto::kX25519KeyBytes));
    SecretBytes secret(bytes);
    crypto::secure_wipe(bytes.data(), bytes.size());
    return crypto::X25519KeyPair::from_private(std::move(secret));
}

void trim_sessions(std::vector<Session>& sessions) {
    while (sessions.size() > proto::kMaxSessionsPerPeerDevice) {
        sessions.pop_back();
    }
}

MessageDetails details_of(const MessageHead& head, ByteView ct, ByteView sig, ByteView commit) {
    MessageDetails d;
    d.ciphertext_hex = to_hex(ct.first(std::min<std::size_t>(ct.size(), 32)));
    if (ct.size() > 32) {
        d.ciphertext_hex += "…";
    }
    d.ciphertext_bytes = ct.size();
    d.ct_sha256 = to_hex(crypto::sha256(ct));
    d.signature_hex = to_hex(sig);
    d.commitment_hex = to_hex(commit);
    d.sender_fp = head.from_fp.hex();
    d.ratchet_key_fp = to_hex(crypto::sha256(head.ratchet.dh));
    d.ratchet_n = head.ratchet.n;
    d.ratchet_pn = head.ratchet.pn;
    d.initial = head.init.has_value();
    return d;
}

}  // namespace detail

DeviceSessions::DeviceSessions(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeviceSessions::DeviceSessions(DeviceSessions&&) noexcept = default;
DeviceSessions& DeviceSessions::operator=(DeviceSessions&&) noexcept = default;
DeviceSessions::~DeviceSessions() = default;

Result<DeviceSessions> DeviceSessions::open(std::filesystem::path state_file, VerifiedDevice own,
                                            const crypto::PrivateKey& own_key,
                                            proto::Entropy& entropy) {
    detail::StateData data;
    std::error_code ec;
    if (std::filesystem::exists(state_file, ec)) {
        SC_TRY_ASSIGN(auto bytes, crypto::read_secret_file(state_file, detail::kMaxStateFileBytes));
        auto parsed = detail::parse_state(bytes.reveal(SecretAccess{}));
        if (!parsed) {
            return fail(state_file.string() + ": " + parsed.error().message);
        }
        data = std::move(parsed).value();
        if (data.own_fp != own.fp) {
            return fail(state_file.string() + " holds the end-to-end state of another device");
        }
    } else if (ec) {
        return fail(state_file.string() + ": " + ec.message());
    } else {
        data.own_fp = own.fp;
    }
    auto state = std::make_unique<State>(
        State{std::move(state_file), std::move(own), &own_key, &entropy, std::move(data)});
    return DeviceSessions(std::move(state));
}

const VerifiedDevice& DeviceSessions::own() const {
    return state_->own;
}

bool DeviceSessions::has_session(const Fingerprint& peer) const {
    auto it = state_->data.sessions.find(peer);
    return it != state_->data.sessions.end() && !it->second.empty();
}

void DeviceSessions::drop_sessions(const Fingerprint& peer) {
    state_->data.sessions.erase(peer);
}

std::uint64_t DeviceSessions::next_seq(const Conversation& conv) {
    auto& next = state_->data.next_seq[conv];
    if (next == 0) {
        next = 1;
    }
    return next++;
}

Result<SealedEnvelope> DeviceSessions::seal(const VerifiedDevice& peer,
                                            const VerifiedBundle* bundle,
                                            const OutgoingMessage& message) {
    auto& st = *state_;
    if (message.text.size() > proto::kMaxTextBytes || !is_valid_utf8(message.text)) {
        return fail("a message is valid UTF-8 of at most " + std::to_string(proto::kMaxTextBytes) +
                    " bytes");
    }
    if (!message.conv.has(st.own.user) || !message.conv.has(peer.user)) {
        return fail("the conversation does not hold both this device's user and the peer's");
    }
    if (peer.fp == st.own.fp) {
        return fail("a device does not seal messages for itself");
    }
    auto& sessions = st.data.sessions[peer.fp];
    if (sessions.empty()) {
        if (bundle == nullptr || bundle->device.fp != peer.fp) {
            return fail("no session with device " + peer.fp.hex() + " and no bundle for it");
        }
        SC_TRY_ASSIGN(auto ek, detail::fresh_pair(*st.entropy));
        X3dhContext ctx{st.own.fp, peer.fp, bundle->spk_id, bundle->otk_id, ek.public_key()};
        SC_TRY_ASSIGN(auto sk, x3dh_initiator(ctx, ek, bundle->spk, bundle->otk));
        SC_TRY_ASSIGN(auto dhs, detail::fresh_pair(*st.entropy));
        SC_TRY_ASSIGN(auto ratchet, Ratchet::initiator(sk, bundle->spk, std::move(dhs)));
        sessions.insert(sessions.begin(),
                        detail::Session{std::move(ratchet), ek.public_key(),
                                        InitFields{ctx.spk_id, ctx.opk_id, ek.public_key()}});
        detail::trim_sessions(sessions);
    }
    auto& session = sessions.front();
    SC_TRY_ASSIGN(auto sending, session.ratchet.next_send());
    MessageHead head{message.conv, st.own.fp,  peer.fp,        message.mid,
                     message.seq,  message.ts, sending.header, session.pending_init};
    Bytes head_bytes = encode_head(head);
    SC_TRY_ASSIGN(auto salt, st.entropy->random(proto::kSaltBytes));
    Bytes commit = message_commitment(salt, message.text);
    SecretBytes plaintext(salt);
    plaintext.append(as_bytes(message.text));
    SC_TRY_ASSIGN(auto ct, seal_with_message_key(sending.mk, plaintext, head_bytes));
    SC_TRY_ASSIGN(auto sig, st.key->sign(message_signed(head_bytes, ct, commit)));
    SealedEnvelope out;
    out.body = encode_message_envelope(head_bytes, commit, st.own.cert_der, ct, sig);
    if (out.body.size() > proto::kMaxEnvelopeBytes) {
        return fail("the envelope would exceed " + std::to_string(proto::kMaxEnvelopeBytes) +
                    " bytes");
    }
    auto digest = crypto::sha256(out.body);
    out.envelope_sha256.assign(digest.begin(), digest.end());
    out.salt = salt;
    out.details = detail::details_of(head, ct, sig, commit);
    return out;
}

Status DeviceSessions::save() {
    auto bytes = detail::serialize_state(state_->data);
    SC_TRY_ASSIGN(auto file, AtomicFile::create(state_->path, FileMode::private_0600));
    SC_TRY(file.write(bytes.reveal(SecretAccess{})));
    return file.commit(Replace::yes);
}

Result<SecretBytes> DeviceSessions::export_session_for_test(const Fingerprint& peer) const {
    if (!has_session(peer)) {
        return fail("no session with that device");
    }
    return detail::serialize_session(state_->data.sessions.at(peer).front());
}

Status DeviceSessions::import_session_for_test(const Fingerprint& peer, const SecretBytes& state) {
    SC_TRY_ASSIGN(auto session, detail::parse_session(state.reveal(SecretAccess{})));
    auto& sessions = state_->data.sessions[peer];
    sessions.insert(sessions.begin(), std::move(session));
    detail::trim_sessions(sessions);
    return {};
}

}  // namespace sc::e2e
