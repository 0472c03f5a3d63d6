// The bytes of end-to-end envelopes (docs/PROTOCOL.md §10.5): a message (kind 1) and a
// delivered statement (kind 2), their signed strings and the commitment. Encoding is exact and
// parsing strict: every length within proto/limits.h, a canonical `conv`, no trailing bytes.
// No keys here: ratchet.h seals, device_sessions.h decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "e2e/conversation.h"
#include "e2e/ratchet.h"

namespace sc::e2e {

inline constexpr std::uint8_t kEnvelopeVersion = 1;

struct InitFields {  // §10.3: carried until the sender has received in the session
    std::uint64_t spk_id = 0;
    std::uint64_t opk_id = 0;  // 0: no one-time prekey
    Bytes ek;                  // EK_A.pub, 32 bytes
};

struct MessageHead {
    Conversation conv;
    Fingerprint from_fp;  // fp_S
    Fingerprint to_fp;    // fp_R
    MessageId mid;
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;
    RatchetHeader ratchet;
    std::optional<InitFields> init;
};

// head = u8 1 ‖ u8 1 ‖ conv ‖ fp_S ‖ fp_R ‖ mid ‖ u64 seq ‖ u64 ts ‖ dh (32) ‖ u32 pn ‖ u32 n
//        ‖ u8 init ‖ [u64 spk_id ‖ u64 opk_id ‖ ek (32)]
Bytes encode_head(const MessageHead& head);
// commit = H("securechat/v1 e2e commitment" ‖ 0x00 ‖ salt ‖ text)
Bytes message_commitment(ByteView salt, std::string_view text);
// signed = "securechat/v1 e2e message" ‖ 0x00 ‖ head ‖ H(ct) ‖ commit
Bytes message_signed(ByteView head, ByteView ct, ByteView commit);
// envelope = head ‖ commit ‖ u16 len(cert) ‖ cert ‖ u32 len(ct) ‖ ct ‖ u16 len(sig) ‖ sig
Bytes encode_message_envelope(ByteView head, ByteView commit, ByteView cert, ByteView ct,
                              ByteView sig);

struct MessageEnvelope {
    MessageHead head;
    Bytes head_bytes;  // exactly as received: the AEAD's associated data
    Bytes commit;
    Bytes cert;
    Bytes ct;
    Bytes sig;
};
Result<MessageEnvelope> parse_message_envelope(ByteView body);

struct Delivered {
    Conversation conv;
    Fingerprint fp_s;  // who sent the message
    Fingerprint fp_r;  // who accepted it, and signs this
    MessageId mid;
    std::uint64_t seq = 0;
    Bytes envelope_sha256;  // H(message envelope), 32 bytes
    std::uint64_t ts = 0;   // when R accepted it
};

// delivered = u8 1 ‖ u8 2 ‖ conv ‖ fp_S ‖ fp_R ‖ mid ‖ u64 seq ‖ H(message envelope) ‖ u64 ts
Bytes encode_delivered(const Delivered& statement);
// dsigned = "securechat/v1 e2e delivered" ‖ 0x00 ‖ delivered
Bytes delivered_signed(ByteView delivered);
// envelope = delivered ‖ u16 len(cert_R) ‖ cert_R ‖ u16 len(sig) ‖ sig
Bytes encode_delivered_envelope(ByteView delivered, ByteView cert, ByteView sig);

// §10.6 (issue 12): the server's statement that it has durably committed one envelope copy for
// device R and keeps it until `expires`, signed with the server certificate's key.
struct StoredStatement {
    Fingerprint fp_s;  // the sending device (the session that sent it)
    Fingerprint fp_r;  // the device it is kept for
    MessageId mid;
    Bytes envelope_sha256;  // H(envelope body as sent), 32 bytes
    std::uint64_t held = 0;
    std::uint64_t ts = 0;       // unix ms of the commit
    std::uint64_t expires = 0;  // unix ms
    bool operator==(const StoredStatement&) const = default;
};
// stored  = u8 1 ‖ u8 3 ‖ fp_S ‖ fp_R ‖ mid ‖ H(envelope) ‖ u64 held ‖ u64 ts ‖ u64 expires
Bytes encode_stored(const StoredStatement& statement);
// ssigned = "securechat/v1 e2e stored" ‖ 0x00 ‖ stored
Bytes stored_signed(ByteView stored);

struct DeliveredEnvelope {
    Delivered statement;
    Bytes delivered_bytes;
    Bytes cert;
    Bytes sig;
};
Result<DeliveredEnvelope> parse_delivered_envelope(ByteView body);

}  // namespace sc::e2e
