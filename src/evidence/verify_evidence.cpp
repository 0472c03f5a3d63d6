#include "evidence/verify_evidence.h"

#include <algorithm>
#include <charconv>

#include "common/base64.h"
#include "evidence/certificate_checks.h"
#include "evidence/receipt_file.h"
#include "evidence/transcript_lines.h"
#include "pki/crl_entries.h"
#include "pki/verify.h"
#include "proto/limits.h"
#include "proto/transcript.h"

namespace sc::evidence {
namespace {

using proto::Direction;

const SignedWhen kSessionTime{"the session", "the session's last message"};

std::string header_who(const pki::Certificate& cert, pki::Purpose purpose) {
    return "line 1 (header): the " + std::string(pki::purpose_name(purpose)) + " certificate " +
           describe(cert);
}

struct DirectionRange {
    std::uint64_t count = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

Status check_receipt(std::string_view receipt_text, const Header& header,
                     const pki::Certificate& signer_cert, Role signer,
                     const proto::TranscriptHash& digest, const DirectionRange& received) {
    SC_TRY_ASSIGN(auto file, parse_receipt_file(receipt_text));
    const auto& receipt = file.receipt;
    if (file.session_id != header.session_id) {
        return fail("receipt: its session_id " + to_hex(file.session_id) +
                    " is not the transcript's session " + to_hex(header.session_id));
    }
    if (!file.signer.same_as(signer_cert)) {
        return fail("receipt: it names the signer " + describe(file.signer) + " (SHA-256 " +
                    to_hex(file.signer.fingerprint()) + "), not the expected signer " +
                    describe(signer_cert) + " (SHA-256 " + to_hex(signer_cert.fingerprint()) + ")");
    }
    const auto& other = signer == Role::client ? header.server() : header.client();
    auto other_fp = other.fingerprint();
    if (receipt.peer != to_hex(other_fp)) {
        return fail("receipt: peer " + receipt.peer + " is not the fingerprint of the " +
                    std::string(role_name(signer == Role::client ? Role::server : Role::client)) +
                    " certificate " + describe(other) + " (" + to_hex(other_fp) + ")");
    }
    if (receipt.transcript_sha256 != to_hex(digest)) {
        return fail("receipt: transcript_sha256 differs from the transcript (receipt " +
                    receipt.transcript_sha256 + ", transcript " + to_hex(digest) + ")");
    }
    auto dir = signer == Role::client ? Direction::s2c : Direction::c2s;
    if (receipt.first_seq != received.first || receipt.last_seq != received.last) {
        return fail("receipt: first_seq-last_seq is " + std::to_string(receipt.first_seq) + "-" +
                    std::to_string(receipt.last_seq) + ", but the " +
                    std::string(proto::direction_name(dir)) +
                    " messages in the transcript (those the " + std::string(role_name(signer)) +
                    " received) are " + std::to_string(received.first) + "-" +
                    std::to_string(received.last));
    }
    auto signed_bytes = proto::receipt_signed(header.session_id, other_fp, receipt.first_seq,
                                              receipt.last_seq, digest);
    if (!signer_cert.public_key().verify(signed_bytes, receipt.sig)) {
        return fail("receipt: signature does not verify with the key of " + describe(signer_cert));
    }
    return {};
}

// One direction's state while the lines are walked: consecutive seqnos from 1, the running hash
// of its lines (Hrun of the ack signatures), and how far the peer's signed acks reach.
struct DirectionWalk {
    DirectionRange range;
    crypto::Sha256 running;
    std::optional<std::uint64_t> awaiting_ack;  // the last msg line, when no ack follows yet
    std::uint64_t acked_through = 0;
    std::uint64_t unacknowledged = 0;
};

struct Walked {
    Header header;
    proto::TranscriptHasher hash;
    DirectionWalk c2s;
    DirectionWalk s2c;
    std::optional<std::uint64_t> first_ts;
    std::optional<std::uint64_t> last_ts;
};

Result<Walked> walk_lines(const std::vector<RawLine>& lines, Header header) {
    Walked w{std::move(header), proto::TranscriptHasher(lines.front().text), {}, {}, {}, {}};
    const auto& h = w.header;
    auto client_fp = h.client().fingerprint();
    auto server_fp = h.server().fingerprint();
    proto::SessionParties parties{h.session_id, client_fp, server_fp};
    for (std::size_t i = 1; i < lines.size(); ++i) {
        SC_TRY_ASSIGN(auto parsed, parse_line(lines[i]));
        auto label = line_label(lines[i].number, parsed);
        if (auto* ack = std::get_if<proto::AckLine>(&parsed)) {
            // Signed by the receiver of the msg: the server for c2s, the client for s2c.
            bool by_server = ack->dir == Direction::c2s;
            auto& d = ack->dir == Direction::c2s ? w.c2s : w.s2c;
            if (ack->signer_fingerprint != (by_server ? server_fp : client_fp)) {
                return fail(label + ": its signer fingerprint is not the " +
                            std::string(by_server ? "server" : "client") + " certificate's");
            }
            if (d.awaiting_ack != ack->seqno) {
                return fail(label + ": it does not follow the " +
                            std::string(proto::direction_name(ack->dir)) + " line of seqno " +
                            std::to_string(ack->seqno));
            }
            auto signed_bytes = proto::ack_signed(h.session_id, ack->dir, ack->seqno,
                                                  w.hash.header_hash(), d.running.peek());
            if (!(by_server ? h.server() : h.client())
                     .public_key()
                     .verify(signed_bytes, ack->sig)) {
                return fail(label + ": the ack signature does not verify");
            }
            d.running.update(as_bytes(lines[i].text));
            w.hash.append(ack->dir, lines[i].text);
            d.awaiting_ack.reset();
            d.acked_through = ack->seqno;
            d.unacknowledged = 0;
            continue;
        }
        const auto& line = std::get<proto::TranscriptLine>(parsed);
        bool from_client = line.dir == Direction::c2s;
        auto& d = from_client ? w.c2s : w.s2c;
        const auto& expected_fp = from_client ? client_fp : server_fp;
        if (line.signer_fingerprint != expected_fp) {
            return fail(label + ": its signer fingerprint is not the " +
                        std::string(from_client ? "client" : "server") + " certificate's (" +
                        to_hex(expected_fp) + ")");
        }
        // Seqnos are consecutive from 1 per direction (§6): a gap is a removed message.
        if (line.seqno != d.range.last + 1) {
            return fail(label + ": seqno is not the next " +
                        std::string(proto::direction_name(line.dir)) + " seqno " +
                        std::to_string(d.range.last + 1) +
                        " (seqnos are consecutive from 1; the previous is " +
                        std::to_string(d.range.last) + ")");
        }
        auto signed_bytes =
            proto::message_signed(static_cast<std::uint8_t>(proto::kProtocolVersion), parties,
                                  line.dir, line.seqno, line.ts, line.ct, line.commit);
        if (!(from_client ? h.client() : h.server()).public_key().verify(signed_bytes, line.sig)) {
            return fail(label + ": signature does not verify");
        }
        d.running.update(as_bytes(lines[i].text));
        w.hash.append(line.dir, lines[i].text);
        if (d.range.count == 0) {
            d.range.first = line.seqno;
        }
        d.range.last = line.seqno;
        ++d.range.count;
        d.awaiting_ack = line.seqno;
        ++d.unacknowledged;
        w.first_ts = std::min(w.first_ts.value_or(line.ts), line.ts);
        w.last_ts = std::max(w.last_ts.value_or(line.ts), line.ts);
    }
    return w;
}

DirectionProof proof_of(const DirectionWalk& d) {
    return DirectionProof{d.range.count, d.acked_through, d.unacknowledged};
}

// Everything but the receipt: the header, the certificates, every line and every ack.
Result<std::pair<Walked, EvidenceSummary>> verify_lines(std::string_view transcript_text,
                                                        const EvidenceTrust& trust) {
    auto lines = split_lines(transcript_text);
    if (lines.empty()) {
        return fail("the transcript is empty");
    }
    SC_TRY_ASSIGN(auto header, parse_header(lines.front()));
    if (header.client().same_as(header.server())) {
        return fail("line 1 (header): the client and the server certificate are the same");
    }
    SC_TRY_ASSIGN(auto walked, walk_lines(lines, std::move(header)));
    pki::TimePoint from = walked.first_ts ? time_from_ms(*walked.first_ts) : trust.now;
    pki::TimePoint to = walked.last_ts ? time_from_ms(*walked.last_ts) : trust.now;
    SC_TRY(check_crls(trust));
    SC_TRY(check_certificate(walked.header.client_certs, pki::Purpose::client, trust, from, to,
                             header_who(walked.header.client(), pki::Purpose::client),
                             kSessionTime));
    SC_TRY(check_certificate(walked.header.server_certs, pki::Purpose::server, trust, from, to,
                             header_who(walked.header.server(), pki::Purpose::server),
                             kSessionTime));

    EvidenceSummary summary;
    summary.session_id = walked.header.session_id;
    summary.client_name = walked.header.client().common_name();
    summary.server_name = walked.header.server().common_name();
    summary.c2s_messages = walked.c2s.range.count;
    summary.s2c_messages = walked.s2c.range.count;
    summary.c2s = proof_of(walked.c2s);
    summary.s2c = proof_of(walked.s2c);
    summary.first_ts = walked.first_ts;
    summary.last_ts = walked.last_ts;
    summary.transcript_sha256 = walked.hash.digest();
    summary.certificates_checked_at = from;
    summary.certificates_checked_until = to;
    return std::pair<Walked, EvidenceSummary>{std::move(walked), std::move(summary)};
}

}  // namespace

std::string_view role_name(Role role) {
    return role == Role::client ? "client" : "server";
}

pki::TimePoint time_from_ms(std::uint64_t ms) {
    auto clamped = static_cast<std::chrono::milliseconds::rep>(std::min(ms, kMaxTs));
    return pki::TimePoint(
        std::chrono::duration_cast<pki::TimePoint::duration>(std::chrono::milliseconds(clamped)));
}

Result<EvidenceSummary> verify_transcript(std::string_view transcript_text,
                                          const EvidenceTrust& trust) {
    SC_TRY_ASSIGN(auto checked, verify_lines(transcript_text, trust));
    return std::move(checked.second);
}

Result<EvidenceSummary> verify_evidence(std::string_view transcript_text,
                                        std::string_view receipt_text,
                                        const pki::Certificate& signer_cert,
                                        const EvidenceTrust& trust) {
    SC_TRY_ASSIGN(auto checked, verify_lines(transcript_text, trust));
    auto& [walked, summary] = checked;
    Role signer = Role::client;
    if (signer_cert.same_as(walked.header.client())) {
        signer = Role::client;
    } else if (signer_cert.same_as(walked.header.server())) {
        signer = Role::server;
    } else {
        return fail("the signer certificate " + describe(signer_cert) +
                    " is neither the client's nor the server's certificate in the transcript");
    }
    const auto& received = signer == Role::client ? walked.s2c.range : walked.c2s.range;
    SC_TRY(check_receipt(receipt_text, walked.header, signer_cert, signer,
                         summary.transcript_sha256, received));
    summary.has_receipt = true;
    summary.signer = signer;
    summary.receipt_first_seq = received.first;
    summary.receipt_last_seq = received.last;
    return std::move(summary);
}

Result<Disclosure> check_disclosure(std::string_view transcript_text, std::uint64_t seqno,
                                    proto::Direction dir, std::string_view text,
                                    std::string_view salt_hex) {
    auto salt = from_hex(salt_hex);
    if (!salt || salt->size() != proto::kSaltBytes) {
        return fail("disclosure: the salt is not " + std::to_string(proto::kSaltBytes * 2) +
                    " hex digits");
    }
    auto lines = split_lines(transcript_text);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        SC_TRY_ASSIGN(auto parsed, parse_line(lines[i]));
        const auto* line = std::get_if<proto::TranscriptLine>(&parsed);
        if (line == nullptr || line->seqno != seqno || line->dir != dir) {
            continue;
        }
        if (proto::commitment(*salt, text) != line->commit) {
            return fail("disclosure: the text and salt do not match the commitment of " +
                        line_label(lines[i].number, parsed));
        }
        return Disclosure{lines[i].number, line->seqno, line->dir, line->ts};
    }
    return fail("disclosure: the transcript has no " + std::string(proto::direction_name(dir)) +
                " line with seqno " + std::to_string(seqno));
}

}  // namespace sc::evidence
