#include "evidence/conversation_lines.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "evidence/conversation_transcript.h"
#include "proto/limits.h"

namespace sc::evidence::conversation {
namespace {

using nlohmann::json;

constexpr std::string_view kDisclosureFormat = "securechat/v1 disclosure";

Result<json> object_of(std::string_view body) {
    // No exceptions: a bad line is a value, like every other error here.
    auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return fail("malformed: not one JSON object");
    }
    return parsed;
}

Result<const json*> field(const json& line, const char* name) {
    auto it = line.find(name);
    if (it == line.end()) {
        return fail(std::string("malformed: the field \"") + name + "\" is missing");
    }
    return &*it;
}

Result<std::string> text_field(const json& line, const char* name) {
    SC_TRY_ASSIGN(const auto* value, field(line, name));
    if (!value->is_string()) {
        return fail(std::string("malformed: the field \"") + name + "\" is not a string");
    }
    return value->get<std::string>();
}

Result<std::uint64_t> number_field(const json& line, const char* name) {
    SC_TRY_ASSIGN(const auto* value, field(line, name));
    if (!value->is_number_unsigned()) {
        return fail(std::string("malformed: the field \"") + name +
                    "\" is not an unsigned integer");
    }
    return value->get<std::uint64_t>();
}

// Hex of exactly `size` bytes, lower case as the writer spells it.
Result<Bytes> hex_field(const json& line, const char* name, std::size_t size) {
    SC_TRY_ASSIGN(auto text, text_field(line, name));
    auto bytes = from_hex(text);
    if (!bytes || bytes->size() != size || to_hex(*bytes) != text) {
        return fail(std::string("malformed: the field \"") + name + "\" is not " +
                    std::to_string(size * 2) + " lower-case hex digits");
    }
    return std::move(bytes).value();
}

Result<Bytes> base64_field(const json& line, const char* name) {
    SC_TRY_ASSIGN(auto text, text_field(line, name));
    if (text.size() > 2 * proto::kMaxEnvelopeBytes) {
        return fail(std::string("malformed: the field \"") + name + "\" is too long");
    }
    auto bytes = base64_decode(text);
    if (!bytes || base64_encode(*bytes) != text) {
        return fail(std::string("malformed: the field \"") + name + "\" is not canonical base64");
    }
    return std::move(bytes).value();
}

template <typename Id>
Result<Id> id_field(const json& line, const char* name) {
    SC_TRY_ASSIGN(auto bytes, hex_field(line, name, Id::kSize));
    return *Id::from_view(bytes);
}

Result<MessageLine> message_line(const json& j, bool sent) {
    MessageLine line;
    line.sent = sent;
    SC_TRY_ASSIGN(line.ts, number_field(j, "ts"));
    SC_TRY_ASSIGN(line.user, text_field(j, sent ? "to" : "from"));
    SC_TRY_ASSIGN(line.device, id_field<Fingerprint>(j, "device"));
    SC_TRY_ASSIGN(line.envelope, base64_field(j, "envelope"));
    return line;
}

Result<StoredLine> stored_line(const json& j) {
    StoredLine line;
    SC_TRY_ASSIGN(line.ts, number_field(j, "ts"));
    SC_TRY_ASSIGN(line.to, text_field(j, "to"));
    auto& s = line.statement;
    SC_TRY_ASSIGN(s.fp_r, id_field<Fingerprint>(j, "device"));
    SC_TRY_ASSIGN(s.fp_s, id_field<Fingerprint>(j, "from_device"));
    SC_TRY_ASSIGN(s.mid, id_field<MessageId>(j, "mid"));
    SC_TRY_ASSIGN(s.envelope_sha256, hex_field(j, "envelope_sha256", 32));
    SC_TRY_ASSIGN(s.held, number_field(j, "held"));
    SC_TRY_ASSIGN(s.ts, number_field(j, "stored_ts"));
    SC_TRY_ASSIGN(s.expires, number_field(j, "expires"));
    SC_TRY_ASSIGN(line.sig, base64_field(j, "sig"));
    SC_TRY_ASSIGN(line.server_cert, base64_field(j, "server_cert"));
    return line;
}

Result<DeliveredLine> delivered_line(const json& j) {
    DeliveredLine line;
    SC_TRY_ASSIGN(line.ts, number_field(j, "ts"));
    SC_TRY_ASSIGN(line.to, text_field(j, "to"));
    SC_TRY_ASSIGN(line.device, id_field<Fingerprint>(j, "device"));
    SC_TRY_ASSIGN(line.envelope, base64_field(j, "envelope"));
    return line;
}

Result<ExpiredLine> expired_line(const json& j) {
    ExpiredLine line;
    SC_TRY_ASSIGN(line.ts, number_field(j, "ts"));
    SC_TRY_ASSIGN(line.to, text_field(j, "to"));
    SC_TRY_ASSIGN(line.device, id_field<Fingerprint>(j, "device"));
    SC_TRY_ASSIGN(line.mid, id_field<MessageId>(j, "mid"));
    return line;
}

Result<WarningLine> warning_line(const json& j) {
    WarningLine line;
    SC_TRY_ASSIGN(line.ts, number_field(j, "ts"));
    SC_TRY_ASSIGN(line.code, text_field(j, "code"));
    SC_TRY_ASSIGN(line.user, text_field(j, "user"));
    return line;
}

}  // namespace

bool is_json_object(std::string_view body) {
    return static_cast<bool>(object_of(body));
}

Result<HeaderLine> parse_header(std::string_view body) {
    SC_TRY_ASSIGN(auto j, object_of(body));
    SC_TRY_ASSIGN(auto format, text_field(j, "transcript"));
    if (format != kFormat) {
        return fail("it is not a conversation transcript (\"transcript\" is not \"" +
                    std::string(kFormat) + "\")");
    }
    HeaderLine header;
    SC_TRY_ASSIGN(header.me, text_field(j, "me"));
    SC_TRY_ASSIGN(header.device, id_field<Fingerprint>(j, "device"));
    SC_TRY_ASSIGN(header.peer, text_field(j, "peer"));
    SC_TRY_ASSIGN(header.created, number_field(j, "created"));
    return header;
}

Result<Line> parse_line(std::string_view body) {
    SC_TRY_ASSIGN(auto j, object_of(body));
    SC_TRY_ASSIGN(auto kind, text_field(j, "line"));
    if (kind == "sent" || kind == "received") {
        SC_TRY_ASSIGN(auto line, message_line(j, kind == "sent"));
        return Line{std::move(line)};
    }
    if (kind == "stored") {
        SC_TRY_ASSIGN(auto line, stored_line(j));
        return Line{std::move(line)};
    }
    if (kind == "delivered") {
        SC_TRY_ASSIGN(auto line, delivered_line(j));
        return Line{std::move(line)};
    }
    if (kind == "expired") {
        SC_TRY_ASSIGN(auto line, expired_line(j));
        return Line{std::move(line)};
    }
    if (kind == "warning") {
        SC_TRY_ASSIGN(auto line, warning_line(j));
        return Line{std::move(line)};
    }
    return fail(
        "malformed: unknown line kind (\"line\" is not sent, received, stored, delivered, "
        "expired or warning)");
}

std::string_view line_kind(const Line& line) {
    struct Visitor {
        std::string_view operator()(const MessageLine& l) const {
            return l.sent ? "sent" : "received";
        }
        std::string_view operator()(const StoredLine&) const { return "stored"; }
        std::string_view operator()(const DeliveredLine&) const { return "delivered"; }
        std::string_view operator()(const ExpiredLine&) const { return "expired"; }
        std::string_view operator()(const WarningLine&) const { return "warning"; }
    };
    return std::visit(Visitor{}, line);
}

namespace {

Result<DisclosureFile> disclosure_fields(std::string_view text) {
    SC_TRY_ASSIGN(auto j, object_of(text));
    auto format = text_field(j, "disclosure");
    if (!format || *format != kDisclosureFormat) {
        return fail("it is not a disclosure (\"disclosure\" is not \"" +
                    std::string(kDisclosureFormat) + "\")");
    }
    DisclosureFile file;
    SC_TRY_ASSIGN(file.mid, id_field<MessageId>(j, "mid"));
    SC_TRY_ASSIGN(file.salt, hex_field(j, "salt", proto::kSaltBytes));
    SC_TRY_ASSIGN(file.text, text_field(j, "text"));
    if (file.text.size() > proto::kMaxTextBytes) {
        return fail("the text is longer than a message can be");
    }
    return file;
}

}  // namespace

Result<DisclosureFile> parse_disclosure(std::string_view text) {
    while (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    auto file = disclosure_fields(text);
    if (!file) {
        return fail("disclosure: " + file.error().message);
    }
    return std::move(file).value();
}

}  // namespace sc::evidence::conversation
