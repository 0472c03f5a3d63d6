// One device's end-to-end state (docs/PROTOCOL.md §10): its prekeys, its Double Ratchet
// sessions with other devices, its counters per conversation, and the message ids it has
// accepted. The client's only door to end-to-end crypto: it seals a text for one peer device,
// opens an envelope from one, and makes and checks delivered statements. It never touches a
// socket; certificates are checked by the caller (device_trust.h) before they reach it.
//
// THE CONTRACT OF ISSUE 11 (lead): the e2e helper implements it; the client helper codes
// against it. Change a signature only together, and say so.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "e2e/conversation.h"
#include "proto/environment.h"
#include "proto/messages.h"

namespace sc::e2e {

// A device whose certificate passed §10.1 (device_trust.h makes these, nobody else).
struct VerifiedDevice {
    std::string user;  // canonical username: the certificate's CN
    std::string name;  // device name: the SAN URI, or "default"
    Fingerprint fp;    // SHA-256 of the leaf's DER: the device id
    Bytes cert_der;    // the leaf and its intermediates, concatenated DER (§10.1)
    crypto::PublicKey key;
};

// A key_bundle whose certificate passed §10.1 and whose two prekey signatures verified (§10.2).
struct VerifiedBundle {
    VerifiedDevice device;
    std::uint64_t spk_id = 0;
    Bytes spk;
    std::uint64_t otk_id = 0;  // 0: none
    Bytes otk;
};

// What protects one message, for /details: never a key.
struct MessageDetails {
    std::string ciphertext_hex;  // the first 32 bytes of ct, hex, then "…"
    std::size_t ciphertext_bytes = 0;
    std::string ct_sha256;        // hex
    std::string signature_hex;    // hex (shortened by the UI)
    std::string commitment_hex;   // hex
    std::string sender_fp;        // hex: the signing device's certificate SHA-256
    std::string ratchet_key_fp;   // hex SHA-256 of the header's ratchet public key
    std::uint32_t ratchet_n = 0;  // the message number in its chain (header n)
    std::uint32_t ratchet_pn = 0;
    bool initial = false;  // it carried the X3DH init fields
};

struct OutgoingMessage {
    Conversation conv;
    MessageId mid;
    std::uint64_t seq = 0;  // next_seq(conv)
    std::uint64_t ts = 0;   // unix ms
    std::string text;       // valid UTF-8, at most kMaxTextBytes
};

struct SealedEnvelope {
    Bytes body;             // the envelope of §10.5, kind 1
    Bytes envelope_sha256;  // H(body): what the recipient's delivered statement names
    Bytes salt;             // the commitment's salt (kSaltBytes): disclosing the text needs it
    MessageDetails details;
};

// What a sender keeps of one copy it sealed, to check the recipient's delivered statement.
struct SentCopy {
    ByteView envelope_sha256;  // SealedEnvelope::envelope_sha256 of that copy
    MessageId mid;
    std::uint64_t seq = 0;
};

// An envelope parsed (§10.5) but not yet believed: the caller checks `cert_der` (device_trust)
// before handing it back to open() / check_delivered().
struct ParsedEnvelope {
    enum class Kind { message = 1, delivered = 2 } kind = Kind::message;
    Conversation conv;
    Fingerprint from_fp;  // the signer: fp_S for a message, fp_R for a delivered statement
    Fingerprint to_fp;
    MessageId mid;
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;
    Bytes cert_der;  // the signer's certificate chain (leaf first, §10.1)
    Bytes body;      // all of it
};
Result<ParsedEnvelope> parse_envelope(ByteView body);

// How a received message's counter compares with what this device accepted before (§10.5).
enum class Sequence { next, first, gap, out_of_order };

struct OpenedMessage {
    Conversation conv;
    std::string sender_user;
    std::string sender_device;  // name
    Fingerprint sender_fp;
    MessageId mid;
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;
    std::string text;
    Sequence sequence = Sequence::next;
    std::uint64_t missing_from = 0, missing_to = 0;  // the gap, when sequence == gap
    Bytes envelope_sha256;
    Bytes salt;  // the commitment's salt (kSaltBytes): disclosing the text needs it
    MessageDetails details;
};

// Why open() refused: `code` is a protocol error code of §8 ("replay" for a duplicate mid,
// "decrypt_failed", "bad_message_signature", "stale_timestamp", "bad_text", "malformed").
struct OpenError {
    std::string code;
    std::string message;  // plain words
};

struct DeliveredStatement {
    Conversation conv;
    Fingerprint recipient_fp;  // who signed it
    MessageId mid;
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;  // when the recipient accepted the message
};

class DeviceSessions {
  public:
    // Loads this device's state from `state_file`, or starts an empty one when there is none.
    // The file (mode 0600) holds private keys: save() writes it atomically (AtomicFile, fsync)
    // and the client saves before any envelope it sealed leaves, so a crash never reuses a
    // message key. `own_key` must outlive this object.
    static Result<DeviceSessions> open(std::filesystem::path state_file, VerifiedDevice own,
                                       const crypto::PrivateKey& own_key, proto::Entropy& entropy);
    DeviceSessions(DeviceSessions&&) noexcept;
    DeviceSessions& operator=(DeviceSessions&&) noexcept;
    ~DeviceSessions();

    const VerifiedDevice& own() const;

    // After the server's prekey_status: a new signed prekey when it has none or ours is older
    // than kSignedPrekeyRotationMs, and one-time prekeys up to kMaxOneTimePrekeys (at most
    // kMaxOneTimePrekeysPerPublish per request) when fewer than kOneTimePrekeysLowWater are
    // left. Nothing when all is current. The private halves are kept (save() before sending).
    Result<std::optional<proto::msg::PublishPrekeys>> prekeys_to_publish(
        const proto::msg::PrekeyStatus& status, std::uint64_t now_ms);

    bool has_session(const Fingerprint& peer) const;
    // Forgets every session with `peer` (a device that changed, or was distrusted).
    void drop_sessions(const Fingerprint& peer);
    // Our next counter in `conv` (§10.5), counted from 1 and kept.
    std::uint64_t next_seq(const Conversation& conv);

    // Seals `message` for `peer`. Without a session with it, `bundle` (for that device) is
    // needed: an X3DH init (§10.3) starts one.
    Result<SealedEnvelope> seal(const VerifiedDevice& peer, const VerifiedBundle* bundle,
                                const OutgoingMessage& message);
    // Opens a kind-1 envelope whose signer `sender` the caller has verified from
    // parsed.cert_der (and pinned). Checks in §10.5's order; a duplicate mid is "replay".
    Result<OpenedMessage, OpenError> open(const ParsedEnvelope& parsed,
                                          const VerifiedDevice& sender, std::uint64_t now_ms);
    // Our signed delivered statement (kind 2) for a message we accepted.
    Result<Bytes> make_delivered(const OpenedMessage& message, std::uint64_t now_ms);
    // Checks a kind-2 envelope from `recipient` (verified by the caller) against the copy we
    // sealed for it (§10.5: the same mid, seq and envelope hash).
    Result<DeliveredStatement> check_delivered(const ParsedEnvelope& parsed,
                                               const VerifiedDevice& recipient,
                                               const SentCopy& sent);

    // Writes the state file atomically (mode 0600).
    Status save();

    // Tests only: the serialized ratchet state with `peer` (to play a thief), and a session
    // made from such a state.
    Result<crypto::SecretBytes> export_session_for_test(const Fingerprint& peer) const;
    Status import_session_for_test(const Fingerprint& peer, const crypto::SecretBytes& state);

  private:
    struct State;
    explicit DeviceSessions(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace sc::e2e
