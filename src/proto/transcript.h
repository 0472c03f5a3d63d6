// Transcripts (docs/PROTOCOL.md §7): the header, the line format, and the transcript hash with
// one running SHA-256 per direction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/sha256.h"
#include "proto/hashes.h"
#include "proto/signed_strings.h"

namespace sc::proto {

struct TranscriptLine {
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;
    Direction dir = Direction::c2s;
    Bytes ct;
    crypto::Sha256Digest commit{};
    Bytes sig;
    Fingerprint signer_fingerprint;

    std::string format() const;  // including the final '\n'
};

// The receiver's signed acknowledgement of msg `seqno` of `dir`; it follows that msg's line in
// both transcripts (§7).
struct AckLine {
    std::uint64_t seqno = 0;
    Direction dir = Direction::c2s;
    Bytes sig;
    Fingerprint signer_fingerprint;  // the msg's receiver

    std::string format() const;  // including the final '\n'
};

// Each side's `certs` of the handshake, concatenated DER (leaf first; §7).
std::string transcript_header(const SessionId& session_id, ByteView client_certs_der,
                              ByteView server_certs_der);

// Computes the TranscriptHash as lines are appended.
class TranscriptHasher {
  public:
    explicit TranscriptHasher(std::string_view header);
    void append(Direction dir, std::string_view line);
    TranscriptHash digest() const;
    const crypto::Sha256Digest& header_hash() const { return header_hash_; }
    // H(the lines of `dir` so far): Hrun_dir of the ack signature (§6).
    crypto::Sha256Digest running(Direction dir) const;
    // What running(dir) would be after appending `line`, without appending it.
    crypto::Sha256Digest running_with(Direction dir, std::string_view line) const;

  private:
    crypto::Sha256Digest header_hash_;
    crypto::Sha256 c2s_;
    crypto::Sha256 s2c_;
};

}  // namespace sc::proto
