#include "evidence/verify_evidence.h"

#include <algorithm>
#include <charconv>

#include "common/base64.h"
#include "evidence/receipt_file.h"
#include "pki/verify.h"
#include "proto/limits.h"
#include "proto/transcript.h"

namespace sc::evidence {
namespace {

using proto::Direction;

constexpr std::string_view kHeaderPrefix = "securechat-transcript v1|";
constexpr std::size_t kSessionIdBytes = 32;

// The latest `ts` a time point can hold (libstdc++'s system_clock counts nanoseconds in 64 bits,
// which ends in 2262); anything later is refused rather than overflowed.
constexpr std::uint64_t kMaxTs = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(pki::TimePoint::max().time_since_epoch())
        .count());

struct RawLine {
    std::size_t number;     // 1-based; 1 is the header
    std::string_view text;  // including the final '\n' when there is one
    bool terminated;
    std::string_view body() const { return terminated ? text.substr(0, text.size() - 1) : text; }
};

std::vector<RawLine> split_lines(std::string_view text) {
    std::vector<RawLine> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        bool terminated = end != std::string_view::npos;
        auto stop = terminated ? end + 1 : text.size();
        lines.push_back(RawLine{lines.size() + 1, text.substr(pos, stop - pos), terminated});
        pos = stop;
    }
    return lines;
}

std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t pos = 0;
    while (true) {
        auto bar = text.find('|', pos);
        if (bar == std::string_view::npos) {
            fields.push_back(text.substr(pos));
            return fields;
        }
        fields.push_back(text.substr(pos, bar - pos));
        pos = bar + 1;
    }
}

// Canonical decimal, as std::to_string writes it: digits only, no leading zero, fits u64.
std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty() || (s.size() > 1 && s.front() == '0') ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

// Lower-case hex of exactly `bytes` bytes: the only spelling the transcript format produces.
std::optional<Bytes> canonical_hex(std::string_view s, std::size_t bytes) {
    auto decoded = from_hex(s);
    if (!decoded || decoded->size() != bytes || to_hex(*decoded) != s) {
        return std::nullopt;
    }
    return decoded;
}

std::optional<crypto::Sha256Digest> digest_field(std::string_view s) {
    auto bytes = canonical_hex(s, crypto::Sha256Digest{}.size());
    if (!bytes) {
        return std::nullopt;
    }
    crypto::Sha256Digest d{};
    std::copy(bytes->begin(), bytes->end(), d.begin());
    return d;
}

std::string quoted(std::string_view s) {
    constexpr std::size_t kMaxShown = 40;
    return "'" + std::string(s.substr(0, kMaxShown)) + (s.size() > kMaxShown ? "...'" : "'");
}

Failure<Error> malformed(const RawLine& line, const std::string& what) {
    return fail("line " + std::to_string(line.number) + ": malformed: " + what);
}

std::string line_label(std::size_t number, const proto::TranscriptLine& line) {
    return "line " + std::to_string(number) + " (" + std::string(proto::direction_name(line.dir)) +
           " seqno " + std::to_string(line.seqno) + ")";
}

Result<proto::TranscriptLine> parse_line(const RawLine& raw) {
    if (!raw.terminated) {
        return malformed(raw, "it does not end with a newline (was the file cut short?)");
    }
    auto f = split_fields(raw.body());
    if (f.size() != 7) {
        return malformed(raw,
                         "expected 7 fields separated by '|', found " + std::to_string(f.size()));
    }
    proto::TranscriptLine line;
    auto seqno = parse_decimal(f[0]);
    if (!seqno || *seqno == 0) {
        return malformed(raw, "seqno " + quoted(f[0]) + " is not a decimal number from 1");
    }
    line.seqno = *seqno;
    auto ts = parse_decimal(f[1]);
    if (!ts || *ts > kMaxTs) {
        return malformed(raw, "ts " + quoted(f[1]) + " is not a decimal number of milliseconds");
    }
    line.ts = *ts;
    if (f[2] == "c2s") {
        line.dir = Direction::c2s;
    } else if (f[2] == "s2c") {
        line.dir = Direction::s2c;
    } else {
        return malformed(raw, "direction " + quoted(f[2]) + " is neither c2s nor s2c");
    }
    auto ct = base64_decode(f[3]);
    if (!ct || ct->empty()) {
        return malformed(raw, "ct is not non-empty base64");
    }
    line.ct = std::move(ct).value();
    auto commit = digest_field(f[4]);
    if (!commit) {
        return malformed(raw, "commit is not 64 lower-case hex digits");
    }
    line.commit = *commit;
    auto sig = base64_decode(f[5]);
    if (!sig || sig->empty()) {
        return malformed(raw, "sig is not non-empty base64");
    }
    line.sig = std::move(sig).value();
    auto fingerprint = digest_field(f[6]);
    if (!fingerprint) {
        return malformed(raw, "signer fingerprint is not 64 lower-case hex digits");
    }
    line.signer_fingerprint = *fingerprint;
    // Every field above has one spelling, so this holds; it guards the hash, which covers the
    // text rather than the values.
    if (line.format() != raw.text) {
        return malformed(raw, "not in the canonical form");
    }
    return line;
}

struct Header {
    Bytes session_id;
    pki::Certificate client;
    pki::Certificate server;
};

Result<pki::Certificate> header_certificate(std::string_view b64, const char* role) {
    auto der = base64_decode(b64);
    if (!der || der->empty()) {
        return fail(std::string("line 1 (header): malformed: the ") + role +
                    " certificate is not base64");
    }
    auto cert = pki::Certificate::from_der(*der);
    if (!cert) {
        return fail(std::string("line 1 (header): malformed: the ") + role +
                    " certificate does not parse: " + cert.error().message);
    }
    return std::move(cert).value();
}

Result<Header> parse_header(const RawLine& raw) {
    if (!raw.terminated) {
        return fail("line 1 (header): malformed: it does not end with a newline");
    }
    auto body = raw.body();
    if (body.substr(0, kHeaderPrefix.size()) != kHeaderPrefix) {
        return fail("line 1 (header): malformed: it does not start with \"" +
                    std::string(kHeaderPrefix) + "\"");
    }
    auto f = split_fields(body.substr(kHeaderPrefix.size()));
    if (f.size() != 3) {
        return fail(
            "line 1 (header): malformed: expected the session id and two certificates, found " +
            std::to_string(f.size()) + " fields");
    }
    auto id = canonical_hex(f[0], kSessionIdBytes);
    if (!id) {
        return fail("line 1 (header): malformed: the session id is not 64 lower-case hex digits");
    }
    SC_TRY_ASSIGN(auto client, header_certificate(f[1], "client"));
    SC_TRY_ASSIGN(auto server, header_certificate(f[2], "server"));
    return Header{std::move(id).value(), std::move(client), std::move(server)};
}

std::string describe(const pki::Certificate& cert) {
    auto cn = cert.common_name();
    return "'" + (cn.empty() ? cert.subject() : cn) + "'";
}

Status check_crls_current(const EvidenceTrust& trust) {
    for (const auto& crl : trust.crls) {
        if (crl.next_update() == pki::TimePoint::min()) {
            return fail("CRL: it has no next-update time");
        }
        if (crl.next_update() < crl.this_update()) {
            return fail("CRL: its next update is before its own issue time");
        }
        if (trust.now > crl.next_update() + trust.clock_skew) {
            return fail("CRL: it is out of date: its next update was due " +
                        pki::format_utc(crl.next_update()) + "; use the CA's current CRL");
        }
        if (trust.now + trust.clock_skew < crl.this_update()) {
            return fail("CRL: it is issued in the future (" + pki::format_utc(crl.this_update()) +
                        ")");
        }
    }
    return {};
}

// Validity, chain and purpose are judged at `at` (the session). Revocation is judged by each
// CRL at the moment nearest to `at` at which that CRL was valid: a CRL published after the
// session still speaks for it, as long as the certificate had not expired when the CRL was
// issued (a CA may drop expired certificates from its CRLs, so such a CRL proves nothing).
Status check_certificate(const pki::Certificate& cert, pki::Purpose purpose,
                         const EvidenceTrust& trust, pki::TimePoint at) {
    std::string who = "line 1 (header): the " + std::string(pki::purpose_name(purpose)) +
                      " certificate " + describe(cert);
    pki::VerifyPolicy policy(trust.ca);
    policy.purpose = purpose;
    policy.clock_skew = trust.clock_skew;
    policy.now = at;
    auto verified = pki::verify_certificate({cert}, policy);
    if (!verified) {
        return fail(who + ": " + verified.error().message());
    }
    for (const auto& crl : trust.crls) {
        policy.crls = {crl};
        policy.now = std::clamp(at, crl.this_update(), crl.next_update());
        auto checked = pki::verify_certificate({cert}, policy);
        if (!checked) {
            auto code = checked.error().code;
            if (code == pki::CertError::expired || code == pki::CertError::not_yet_valid) {
                return fail(who + ": the CRL issued " + pki::format_utc(crl.this_update()) +
                            " cannot show whether it was revoked at the time of the session (" +
                            checked.error().message() + ")");
            }
            return fail(who + ": " + checked.error().message());
        }
    }
    return {};
}

struct DirectionRange {
    std::uint64_t count = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

Status check_receipt(std::string_view receipt_text, const Header& header,
                     const pki::Certificate& signer_cert, Role signer,
                     const crypto::Sha256Digest& digest, const DirectionRange& received) {
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
    const auto& other = signer == Role::client ? header.server : header.client;
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

}  // namespace

std::string_view role_name(Role role) {
    return role == Role::client ? "client" : "server";
}

pki::TimePoint time_from_ms(std::uint64_t ms) {
    auto clamped = static_cast<std::chrono::milliseconds::rep>(std::min(ms, kMaxTs));
    return pki::TimePoint(
        std::chrono::duration_cast<pki::TimePoint::duration>(std::chrono::milliseconds(clamped)));
}

Result<EvidenceSummary> verify_evidence(std::string_view transcript_text,
                                        std::string_view receipt_text,
                                        const pki::Certificate& signer_cert,
                                        const EvidenceTrust& trust) {
    auto lines = split_lines(transcript_text);
    if (lines.empty()) {
        return fail("the transcript is empty");
    }
    SC_TRY_ASSIGN(auto header, parse_header(lines.front()));

    // The certificates are checked as of the first message (see verify_evidence.h), so that
    // line's form is checked first.
    pki::TimePoint at = trust.now;
    if (lines.size() > 1) {
        SC_TRY_ASSIGN(auto first, parse_line(lines[1]));
        at = time_from_ms(first.ts);
    }
    SC_TRY(check_crls_current(trust));
    SC_TRY(check_certificate(header.client, pki::Purpose::client, trust, at));
    SC_TRY(check_certificate(header.server, pki::Purpose::server, trust, at));
    if (header.client.same_as(header.server)) {
        return fail("line 1 (header): the client and the server certificate are the same");
    }
    Role signer = Role::client;
    if (signer_cert.same_as(header.client)) {
        signer = Role::client;
    } else if (signer_cert.same_as(header.server)) {
        signer = Role::server;
    } else {
        return fail("the signer certificate " + describe(signer_cert) +
                    " is neither the client's nor the server's certificate in the transcript");
    }

    auto client_fp = header.client.fingerprint();
    auto server_fp = header.server.fingerprint();
    auto client_key = header.client.public_key();
    auto server_key = header.server.public_key();
    proto::TranscriptHash hash(lines.front().text);
    DirectionRange c2s;
    DirectionRange s2c;
    EvidenceSummary summary;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        SC_TRY_ASSIGN(auto line, parse_line(lines[i]));
        auto label = line_label(lines[i].number, line);
        bool from_client = line.dir == Direction::c2s;
        const auto& expected_fp = from_client ? client_fp : server_fp;
        if (line.signer_fingerprint != expected_fp) {
            return fail(label + ": its signer fingerprint is not the " +
                        std::string(from_client ? "client" : "server") + " certificate's (" +
                        to_hex(expected_fp) + ")");
        }
        auto& range = from_client ? c2s : s2c;
        if (range.count > 0 && line.seqno <= range.last) {
            return fail(label + ": seqno is not after the previous " +
                        std::string(proto::direction_name(line.dir)) + " seqno " +
                        std::to_string(range.last));
        }
        auto signed_bytes =
            proto::message_signed(static_cast<std::uint8_t>(proto::kProtocolVersion),
                                  proto::SessionParties{header.session_id, client_fp, server_fp},
                                  line.dir, line.seqno, line.ts, line.ct, line.commit);
        if (!(from_client ? client_key : server_key).verify(signed_bytes, line.sig)) {
            return fail(label + ": signature does not verify");
        }
        hash.append(line.dir, lines[i].text);
        if (range.count == 0) {
            range.first = line.seqno;
        }
        range.last = line.seqno;
        ++range.count;
        summary.first_ts = std::min(summary.first_ts.value_or(line.ts), line.ts);
        summary.last_ts = std::max(summary.last_ts.value_or(line.ts), line.ts);
    }
    auto digest = hash.digest();
    SC_TRY(check_receipt(receipt_text, header, signer_cert, signer, digest,
                         signer == Role::client ? s2c : c2s));

    summary.session_id = header.session_id;
    summary.client_name = header.client.common_name();
    summary.server_name = header.server.common_name();
    summary.signer = signer;
    summary.c2s_messages = c2s.count;
    summary.s2c_messages = s2c.count;
    summary.transcript_sha256 = digest;
    auto received = signer == Role::client ? s2c : c2s;
    summary.receipt_first_seq = received.first;
    summary.receipt_last_seq = received.last;
    summary.certificates_checked_at = at;
    return summary;
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
        SC_TRY_ASSIGN(auto line, parse_line(lines[i]));
        if (line.seqno != seqno || line.dir != dir) {
            continue;
        }
        if (proto::commitment(*salt, text) != line.commit) {
            return fail("disclosure: the text and salt do not match the commitment of " +
                        line_label(lines[i].number, line));
        }
        return Disclosure{lines[i].number, line.seqno, line.dir, line.ts};
    }
    return fail("disclosure: the transcript has no " + std::string(proto::direction_name(dir)) +
                " line with seqno " + std::to_string(seqno));
}

}  // namespace sc::evidence
