// Reading a transcript file (docs/PROTOCOL.md §7): its lines, the header, and each msg or ack
// line in its one canonical spelling. Parsing only; what the lines prove is verify_evidence's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "pki/certificate.h"
#include "pki/time_text.h"
#include "proto/transcript.h"

namespace sc::evidence {

struct RawLine {
    std::size_t number;     // 1-based; 1 is the header
    std::string_view text;  // including the final '\n' when there is one
    bool terminated;
    std::string_view body() const { return terminated ? text.substr(0, text.size() - 1) : text; }
};
std::vector<RawLine> split_lines(std::string_view text);

struct Header {
    SessionId session_id;
    // Each side's handshake `certs`: a leaf, then the intermediates it was sent with.
    std::vector<pki::Certificate> client_certs;
    std::vector<pki::Certificate> server_certs;
    const pki::Certificate& client() const { return client_certs.front(); }
    const pki::Certificate& server() const { return server_certs.front(); }
};
Result<Header> parse_header(const RawLine& raw);

// A msg line (7 fields) or an ack line (5 fields, the second is "ack").
using ParsedLine = std::variant<proto::TranscriptLine, proto::AckLine>;
// Errors name the line: "line 5: malformed: expected 7 fields separated by '|', found 6".
Result<ParsedLine> parse_line(const RawLine& raw);

// "line 3 (c2s seqno 2)", "line 4 (ack of c2s seqno 2)".
std::string line_label(std::size_t number, const ParsedLine& line);
// Untrusted file text for an error message: at most 40 bytes, made visible, in quotes.
std::string quoted(std::string_view s);

// The latest `ts` a line may carry: what a time point can hold (libstdc++'s system_clock counts
// nanoseconds in 64 bits, which ends in 2262) less two days, so that adding the verifier's clock
// skew (at most one day) to it cannot overflow.
inline constexpr std::uint64_t kMaxTs = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
        (pki::TimePoint::max() - std::chrono::hours(48)).time_since_epoch())
        .count());

}  // namespace sc::evidence
