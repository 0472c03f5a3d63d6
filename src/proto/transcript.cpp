#include "proto/transcript.h"

#include "common/base64.h"

namespace sc::proto {

std::string TranscriptLine::format() const {
    return std::to_string(seqno) + "|" + std::to_string(ts) + "|" +
           std::string(direction_name(dir)) + "|" + base64_encode(ct) + "|" + to_hex(commit) + "|" +
           base64_encode(sig) + "|" + signer_fingerprint.hex() + "\n";
}

std::string AckLine::format() const {
    return std::to_string(seqno) + "|ack|" + std::string(direction_name(dir)) + "|" +
           base64_encode(sig) + "|" + signer_fingerprint.hex() + "\n";
}

std::string transcript_header(const SessionId& session_id, ByteView client_certs_der,
                              ByteView server_certs_der) {
    return "securechat-transcript v1|" + session_id.hex() + "|" + base64_encode(client_certs_der) +
           "|" + base64_encode(server_certs_der) + "\n";
}

TranscriptHasher::TranscriptHasher(std::string_view header)
    : header_hash_(crypto::sha256(as_bytes(header))) {}

void TranscriptHasher::append(Direction dir, std::string_view line) {
    (dir == Direction::c2s ? c2s_ : s2c_).update(as_bytes(line));
}

crypto::Sha256Digest TranscriptHasher::running(Direction dir) const {
    return (dir == Direction::c2s ? c2s_ : s2c_).peek();
}

crypto::Sha256Digest TranscriptHasher::running_with(Direction dir, std::string_view line) const {
    auto copy = (dir == Direction::c2s ? c2s_ : s2c_).clone();
    copy.update(as_bytes(line));
    return copy.peek();
}

TranscriptHash TranscriptHasher::digest() const {
    return transcript_digest(header_hash_, c2s_.peek(), s2c_.peek());
}

}  // namespace sc::proto
