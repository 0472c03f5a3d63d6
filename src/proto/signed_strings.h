// The exact bytes that are signed, hashed or authenticated (docs/PROTOCOL.md §3.2, §5-7).
// Every signed string starts with its own context string and a 0x00, so a signature made for
// one purpose can never be accepted for another.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/sha256.h"
#include "proto/hashes.h"

namespace sc::proto {

enum class Direction : std::uint8_t { c2s = 1, s2c = 2 };
std::string_view direction_name(Direction d);  // "c2s" / "s2c"
inline Direction opposite(Direction d) {
    return d == Direction::c2s ? Direction::s2c : Direction::c2s;
}

inline constexpr std::string_view kContextHandshakeServer = "securechat/v1 handshake server";
inline constexpr std::string_view kContextHandshakeClient = "securechat/v1 handshake client";
inline constexpr std::string_view kContextRecord = "securechat/v1 record";
inline constexpr std::string_view kContextMessage = "securechat/v1 message";
inline constexpr std::string_view kContextCommitment = "securechat/v1 commitment";
inline constexpr std::string_view kContextReceipt = "securechat/v1 receipt";
inline constexpr std::string_view kContextAck = "securechat/v1 ack";
inline constexpr std::string_view kContextTranscript = "securechat/v1 transcript";

// What the server signs in dh_server: TH_hs = H(F(hello) ‖ F(server_hello)).
Bytes handshake_server_signed(const crypto::Sha256Digest& th_hs, ByteView share);
// What the client signs in dh_client: TH_dhs = H(F(hello) ‖ F(server_hello) ‖ F(dh_server)).
Bytes handshake_client_signed(const crypto::Sha256Digest& th_dhs, ByteView share);

Bytes record_ad(Direction dir, std::uint64_t seq, std::uint32_t epoch);

crypto::Sha256Digest commitment(ByteView salt, std::string_view text);
// `epoch` is the epoch of the record that carries the msg (§6).
Bytes message_ad(const SessionId& session_id, Direction dir, std::uint64_t seqno, std::uint64_t ts,
                 std::uint32_t epoch);

// Both leaf fingerprints make a line say, on its own, between whom it was sent (§6).
struct SessionParties {
    SessionId session_id;
    Fingerprint client_fingerprint;
    Fingerprint server_fingerprint;
};
Bytes message_signed(std::uint8_t version, const SessionParties& parties, Direction dir,
                     std::uint64_t seqno, std::uint64_t ts, ByteView ct,
                     const crypto::Sha256Digest& commit);

// What the receiver of msg `seqno` of direction `dir` signs in its ack (§6): `header_hash` is
// H(transcript header), `running_hash` the hash of that direction's transcript lines up to and
// including the msg's line.
Bytes ack_signed(const SessionId& session_id, Direction dir, std::uint64_t seqno,
                 const crypto::Sha256Digest& header_hash, const crypto::Sha256Digest& running_hash);

Bytes receipt_signed(const SessionId& session_id, const Fingerprint& peer_fingerprint,
                     std::uint64_t first_seq, std::uint64_t last_seq,
                     const TranscriptHash& transcript_sha256);

TranscriptHash transcript_digest(const crypto::Sha256Digest& header_hash,
                                 const crypto::Sha256Digest& c2s_hash,
                                 const crypto::Sha256Digest& s2c_hash);

}  // namespace sc::proto
