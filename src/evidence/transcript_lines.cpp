#include "evidence/transcript_lines.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

#include "common/base64.h"
#include "common/display_text.h"
#include "pki/time_text.h"
#include "proto/errors.h"

namespace sc::evidence {
namespace {

using proto::Direction;

constexpr std::string_view kHeaderPrefix = "securechat-transcript v1|";

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

Failure<Error> malformed(const RawLine& line, const std::string& what) {
    return fail("line " + std::to_string(line.number) + ": malformed: " + what);
}

// The fields msg lines and ack lines share, each with the one spelling the format allows.
Result<std::uint64_t> seqno_field(const RawLine& raw, std::string_view f) {
    auto seqno = parse_decimal(f);
    if (!seqno || *seqno == 0) {
        return malformed(raw, "seqno " + quoted(f) + " is not a decimal number from 1");
    }
    return *seqno;
}

Result<Direction> direction_field(const RawLine& raw, std::string_view f) {
    if (f == "c2s") {
        return Direction::c2s;
    }
    if (f == "s2c") {
        return Direction::s2c;
    }
    return malformed(raw, "direction " + quoted(f) + " is neither c2s nor s2c");
}

Result<Bytes> base64_field(const RawLine& raw, std::string_view f, const char* name) {
    auto bytes = base64_decode(f);
    if (!bytes || bytes->empty()) {
        return malformed(raw, std::string(name) + " is not non-empty base64");
    }
    return std::move(bytes).value();
}

Result<crypto::Sha256Digest> digest_field(const RawLine& raw, std::string_view f,
                                          const char* name) {
    auto digest = digest_field(f);
    if (!digest) {
        return malformed(raw, std::string(name) + " is not 64 lower-case hex digits");
    }
    return *digest;
}

Result<Fingerprint> fingerprint_field(const RawLine& raw, std::string_view f) {
    SC_TRY_ASSIGN(auto digest, digest_field(raw, f, "signer fingerprint"));
    return Fingerprint(digest);
}

Result<proto::AckLine> parse_ack_line(const RawLine& raw, const std::vector<std::string_view>& f) {
    if (f.size() != 5) {
        return malformed(
            raw, "an ack line has 5 fields separated by '|', found " + std::to_string(f.size()));
    }
    proto::AckLine line;
    SC_TRY_ASSIGN(line.seqno, seqno_field(raw, f[0]));
    SC_TRY_ASSIGN(line.dir, direction_field(raw, f[2]));
    SC_TRY_ASSIGN(line.sig, base64_field(raw, f[3], "sig"));
    SC_TRY_ASSIGN(line.signer_fingerprint, fingerprint_field(raw, f[4]));
    if (line.format() != raw.text) {
        return malformed(raw, "not in the canonical form");
    }
    return line;
}

}  // namespace

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

std::string quoted(std::string_view s) {
    constexpr std::size_t kMaxShown = 40;
    return "'" + display_text(proto::utf8_prefix(s, kMaxShown)) +
           (s.size() > kMaxShown ? "...'" : "'");
}

std::string line_label(std::size_t number, const ParsedLine& parsed) {
    auto show = [&](std::string_view kind, Direction dir, std::uint64_t seqno) {
        return "line " + std::to_string(number) + " (" + std::string(kind) +
               std::string(proto::direction_name(dir)) + " seqno " + std::to_string(seqno) + ")";
    };
    if (const auto* ack = std::get_if<proto::AckLine>(&parsed)) {
        return show("ack of ", ack->dir, ack->seqno);
    }
    const auto& msg = std::get<proto::TranscriptLine>(parsed);
    return show("", msg.dir, msg.seqno);
}

Result<ParsedLine> parse_line(const RawLine& raw) {
    if (!raw.terminated) {
        return malformed(raw, "it does not end with a newline (was the file cut short?)");
    }
    auto f = split_fields(raw.body());
    if (f.size() >= 2 && f[1] == "ack") {
        SC_TRY_ASSIGN(auto ack, parse_ack_line(raw, f));
        return ParsedLine{std::move(ack)};
    }
    if (f.size() != 7) {
        return malformed(raw,
                         "expected 7 fields separated by '|', found " + std::to_string(f.size()));
    }
    proto::TranscriptLine line;
    SC_TRY_ASSIGN(line.seqno, seqno_field(raw, f[0]));
    auto ts = parse_decimal(f[1]);
    if (!ts || *ts > kMaxTs) {
        return malformed(raw, "ts " + quoted(f[1]) + " is not a decimal number of milliseconds");
    }
    line.ts = *ts;
    SC_TRY_ASSIGN(line.dir, direction_field(raw, f[2]));
    SC_TRY_ASSIGN(line.ct, base64_field(raw, f[3], "ct"));
    SC_TRY_ASSIGN(line.commit, digest_field(raw, f[4], "commit"));
    SC_TRY_ASSIGN(line.sig, base64_field(raw, f[5], "sig"));
    SC_TRY_ASSIGN(line.signer_fingerprint, fingerprint_field(raw, f[6]));
    // Every field above has one spelling, so this holds; it guards the hash, which covers the
    // text rather than the values.
    if (line.format() != raw.text) {
        return malformed(raw, "not in the canonical form");
    }
    return ParsedLine{std::move(line)};
}

namespace {

Result<std::vector<pki::Certificate>> header_certificates(std::string_view b64, const char* role) {
    auto der = base64_decode(b64);
    if (!der || der->empty()) {
        return fail(std::string("line 1 (header): malformed: the ") + role +
                    " certificate is not base64");
    }
    auto chain = pki::Certificate::chain_from_der(*der);
    if (!chain) {
        return fail(std::string("line 1 (header): malformed: the ") + role +
                    " certificate does not parse: " + chain.error().message);
    }
    return std::move(chain).value();
}

}  // namespace

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
    SC_TRY_ASSIGN(auto client, header_certificates(f[1], "client"));
    SC_TRY_ASSIGN(auto server, header_certificates(f[2], "server"));
    return Header{*SessionId::from_view(*id), std::move(client), std::move(server)};
}

}  // namespace sc::evidence
