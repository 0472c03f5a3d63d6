#include "proto/signed_strings.h"

#include "common/byte_writer.h"

namespace sc::proto {

std::string_view direction_name(Direction d) {
    return d == Direction::c2s ? "c2s" : "s2c";
}

Bytes handshake_server_signed(const crypto::Sha256Digest& th_hs, ByteView share) {
    return ByteWriter()
        .context(kContextHandshakeServer)
        .raw(th_hs)
        .u16(static_cast<std::uint16_t>(share.size()))
        .raw(share)
        .bytes();
}

Bytes handshake_client_signed(const crypto::Sha256Digest& th_dhs, ByteView share) {
    return ByteWriter()
        .context(kContextHandshakeClient)
        .raw(th_dhs)
        .u16(static_cast<std::uint16_t>(share.size()))
        .raw(share)
        .bytes();
}

Bytes record_ad(Direction dir, std::uint64_t seq, std::uint32_t epoch) {
    return ByteWriter()
        .context(kContextRecord)
        .u8(static_cast<std::uint8_t>(dir))
        .u64(seq)
        .u32(epoch)
        .bytes();
}

crypto::Sha256Digest commitment(ByteView salt, std::string_view text) {
    return crypto::sha256(ByteWriter().context(kContextCommitment).raw(salt).text(text).bytes());
}

Bytes message_ad(const SessionId& session_id, Direction dir, std::uint64_t seqno, std::uint64_t ts,
                 std::uint32_t epoch) {
    return ByteWriter()
        .raw(session_id.view())
        .u8(static_cast<std::uint8_t>(dir))
        .u64(seqno)
        .u64(ts)
        .u32(epoch)
        .bytes();
}

Bytes message_signed(std::uint8_t version, const SessionParties& parties, Direction dir,
                     std::uint64_t seqno, std::uint64_t ts, ByteView ct,
                     const crypto::Sha256Digest& commit) {
    return ByteWriter()
        .context(kContextMessage)
        .u8(version)
        .raw(parties.session_id.view())
        .raw(parties.client_fingerprint.view())
        .raw(parties.server_fingerprint.view())
        .u8(static_cast<std::uint8_t>(dir))
        .u64(seqno)
        .u64(ts)
        .raw(crypto::sha256(ct))
        .raw(commit)
        .bytes();
}

Bytes ack_signed(const SessionId& session_id, Direction dir, std::uint64_t seqno,
                 const crypto::Sha256Digest& header_hash,
                 const crypto::Sha256Digest& running_hash) {
    return ByteWriter()
        .context(kContextAck)
        .raw(session_id.view())
        .u8(static_cast<std::uint8_t>(dir))
        .u64(seqno)
        .raw(header_hash)
        .raw(running_hash)
        .bytes();
}

Bytes receipt_signed(const SessionId& session_id, const Fingerprint& peer_fingerprint,
                     std::uint64_t first_seq, std::uint64_t last_seq,
                     const TranscriptHash& transcript_sha256) {
    return ByteWriter()
        .context(kContextReceipt)
        .raw(session_id.view())
        .raw(peer_fingerprint.view())
        .u64(first_seq)
        .u64(last_seq)
        .raw(transcript_sha256.view())
        .bytes();
}

TranscriptHash transcript_digest(const crypto::Sha256Digest& header_hash,
                                 const crypto::Sha256Digest& c2s_hash,
                                 const crypto::Sha256Digest& s2c_hash) {
    return TranscriptHash(crypto::sha256(ByteWriter()
                                             .context(kContextTranscript)
                                             .raw(header_hash)
                                             .raw(c2s_hash)
                                             .raw(s2c_hash)
                                             .bytes()));
}

}  // namespace sc::proto
