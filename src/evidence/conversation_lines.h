// Reading a conversation transcript (docs/PROTOCOL.md §11): each line of
// conversation_transcript.h's format as a typed value, strictly (every field present, of its
// type, hex and base64 canonical). Parsing only; what a line proves is verify_conversation's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "e2e/envelope.h"

namespace sc::evidence::conversation {

struct HeaderLine {
    std::string me;
    Fingerprint device;  // the writer's own device
    std::string peer;
    std::uint64_t created = 0;
};

// A sent or received line: a kind-1 envelope and the writer's index into it.
struct MessageLine {
    bool sent = true;
    std::uint64_t ts = 0;  // the writer's clock, unsigned
    std::string user;      // "to" of a sent line, "from" of a received one
    Fingerprint device;    // fp_R of a sent line, fp_S of a received one
    Bytes envelope;
};

struct StoredLine {
    std::uint64_t ts = 0;
    std::string to;
    e2e::StoredStatement statement;
    Bytes sig;
    Bytes server_cert;  // DER
};

struct DeliveredLine {
    std::uint64_t ts = 0;
    std::string to;
    Fingerprint device;  // fp_R
    Bytes envelope;      // kind 2
};

struct ExpiredLine {
    std::uint64_t ts = 0;
    std::string to;
    Fingerprint device;
    MessageId mid;
};

struct WarningLine {
    std::uint64_t ts = 0;
    std::string code;
    std::string user;
};

using Line = std::variant<MessageLine, StoredLine, DeliveredLine, ExpiredLine, WarningLine>;

// Errors are plain words without the line number ("malformed: the field \"mid\" is missing");
// the caller names the line. Fields the format does not name are ignored.
Result<HeaderLine> parse_header(std::string_view body);
Result<Line> parse_line(std::string_view body);
// Whether `body` is a JSON object at all (a torn last line is not).
bool is_json_object(std::string_view body);
std::string_view line_kind(const Line& line);  // "sent", "received", "stored", ...

struct DisclosureFile {
    MessageId mid;
    Bytes salt;
    std::string text;
};
Result<DisclosureFile> parse_disclosure(std::string_view text);

}  // namespace sc::evidence::conversation
