// Offline checking of a session's evidence (docs/PROTOCOL.md §7): a transcript, a receipt file
// and the certificate of the party who signed the receipt, against the CA alone. Pure functions
// over texts and certificates; reading the files is the caller's business.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/sha256.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/time_text.h"
#include "proto/hashes.h"
#include "proto/limits.h"
#include "proto/signed_strings.h"

namespace sc::evidence {

// Whom the checker trusts: one CA, optionally its CRLs, and the clock skew tolerated.
struct EvidenceTrust {
    explicit EvidenceTrust(pki::Certificate ca_cert) : ca(std::move(ca_cert)) {}

    pki::Certificate ca;
    std::vector<pki::Crl> crls;  // each must be current at `now`
    std::chrono::seconds clock_skew = proto::kDefaultCertificateSkew;
    // Accept leaves without extendedKeyUsage, for sessions of the seeds' certificates that the
    // server and the client accepted with the same opt-in (review L11).
    bool allow_legacy_seed_certs = false;
    // The checker's clock: CRLs must be current at it, and a transcript without messages has its
    // certificates checked at it.
    pki::TimePoint now = std::chrono::system_clock::now();
};

enum class Role { client, server };
std::string_view role_name(Role role);  // "client" / "server"

// How far one direction's messages are proven by the other party's signed acks (M5).
struct DirectionProof {
    std::uint64_t messages = 0;
    std::uint64_t acked_through = 0;   // the last seqno the receiver's signed ack covers; 0: none
    std::uint64_t unacknowledged = 0;  // msg lines after the last ack of the direction
};

struct EvidenceSummary {
    SessionId session_id;
    std::string client_name;  // CN of the client's certificate
    std::string server_name;  // CN of the server's certificate
    bool has_receipt = false;
    Role signer = Role::client;  // whose receipt was checked (when has_receipt)
    std::uint64_t c2s_messages = 0;
    std::uint64_t s2c_messages = 0;
    DirectionProof c2s;                     // acks signed by the server
    DirectionProof s2c;                     // acks signed by the client
    std::optional<std::uint64_t> first_ts;  // earliest and latest `ts` of any line (ms since 1970)
    std::optional<std::uint64_t> last_ts;
    proto::TranscriptHash transcript_sha256;
    std::uint64_t receipt_first_seq = 0;  // the range of messages the signer received
    std::uint64_t receipt_last_seq = 0;
    pki::TimePoint certificates_checked_at{};     // the earliest `ts` (or now)
    pki::TimePoint certificates_checked_until{};  // the latest `ts` (or now)
};

// Checks, stopping at the first problem:
//  - the header's form and both certificates against trust.ca (client purpose for the client's,
//    server purpose for the server's, any name), as of both the earliest and the latest `ts`
//    (or trust.now without messages); with CRLs, each must be signed by the CA and current now,
//    and a certificate fails only if revoked at or before the latest `ts` (M5(d));
//  - every msg line: its 7 fields, the signer fingerprint of its direction's sender, seqnos
//    consecutive from 1 per direction, and its signature (message_signed, §6);
//  - every ack line: it follows the msg line it acknowledges (in that direction), its signer is
//    the msg's receiver, and its signature verifies over ack_signed with the running hash.
// Without a receipt (lines-only mode) that is all: the summary says how far the acks reach.
// The error names the place: "line 3 (c2s seqno 2): signature does not verify".
Result<EvidenceSummary> verify_transcript(std::string_view transcript_text,
                                          const EvidenceTrust& trust);

// verify_transcript, then the receipt file: session_id, signer (= signer_cert, one of the
// header's certificates), peer (= the other certificate), transcript_sha256 (recomputed),
// first_seq/last_seq (= the range of the direction the signer received), and its signature.
Result<EvidenceSummary> verify_evidence(std::string_view transcript_text,
                                        std::string_view receipt_text,
                                        const pki::Certificate& signer_cert,
                                        const EvidenceTrust& trust);

struct Disclosure {
    std::size_t line_number = 0;  // 1 is the header
    std::uint64_t seqno = 0;
    proto::Direction dir = proto::Direction::c2s;
    std::uint64_t ts = 0;
};

// Finds the line of `dir` with `seqno` and checks that commitment(salt, text) is its commit
// field (§6). This says nothing about the line's authenticity: run verify_evidence first.
Result<Disclosure> check_disclosure(std::string_view transcript_text, std::uint64_t seqno,
                                    proto::Direction dir, std::string_view text,
                                    std::string_view salt_hex);

// A line's `ts` as a time point (for printing). `ts` values verify_evidence accepted fit.
pki::TimePoint time_from_ms(std::uint64_t ms);

}  // namespace sc::evidence
