#include "proto/wire/json_reader.h"

#include <algorithm>

#include "common/base64.h"
#include "proto/limits.h"

namespace sc::proto {
namespace {

// Nesting depth of a JSON text, counted outside strings, so hostile nesting never reaches the
// parser.
bool depth_within(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) {
                return false;
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

Failure<ProtocolError> malformed(std::string message) {
    return proto_fail(ErrorCode::malformed, std::move(message));
}

}  // namespace

ProtoResult<JsonReader> JsonReader::parse(std::string_view payload) {
    if (!depth_within(payload, kMaxJsonDepth)) {
        return malformed("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    // nlohmann keeps the last of duplicate keys; we refuse them, so that no two readers of one
    // frame can see different values. One key set per open object (depth is bounded above).
    std::vector<std::vector<std::string>> open_objects;
    bool duplicate = false;
    bool too_many = false;
    auto on_event = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                        nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            open_objects.emplace_back();
        } else if (event == E::object_end && !open_objects.empty()) {
            open_objects.pop_back();
        } else if (event == E::key && !open_objects.empty() && parsed.is_string()) {
            auto& keys = open_objects.back();
            const auto& key = parsed.get_ref<const std::string&>();
            if (keys.size() >= kMaxJsonMembers) {
                too_many = true;
            } else if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
                duplicate = true;
            } else {
                keys.push_back(key);
            }
        }
        return true;
    };
    auto object = nlohmann::json::parse(payload.begin(), payload.end(), on_event, false);
    if (object.is_discarded()) {
        return malformed("payload is not valid JSON");
    }
    if (too_many) {
        return malformed("payload has an object with more than " + std::to_string(kMaxJsonMembers) +
                         " members");
    }
    if (duplicate) {
        return malformed("payload has an object with a duplicate key");
    }
    if (!object.is_object()) {
        return malformed("payload is not a JSON object");
    }
    auto it = object.find("type");
    if (it == object.end() || !it->is_string()) {
        return malformed("message has no string field \"type\"");
    }
    std::string type = it->get<std::string>();
    return JsonReader(std::move(object), std::move(type));
}

ProtoResult<bool> JsonReader::expect_fields(std::span<const std::string_view> fields) const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (it.key() == "type" && !item_) {
            continue;
        }
        if (std::find(fields.begin(), fields.end(), it.key()) == fields.end()) {
            return malformed("'" + type_ + "' has an unknown field \"" + quote_peer(it.key(), 64) +
                             "\"");
        }
    }
    for (auto name : fields) {
        if (!object_.contains(name)) {
            return malformed("'" + type_ + "' lacks the field \"" + std::string(name) + "\"");
        }
    }
    return true;
}

ProtoResult<const nlohmann::json*> JsonReader::field(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
        return malformed("'" + type_ + "' lacks the field \"" + std::string(key) + "\"");
    }
    return &*it;
}

ProtoResult<const nlohmann::json*> JsonReader::array(std::string_view key, std::size_t min_items,
                                                     std::size_t max_items) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, field(key));
    if (!value->is_array() || value->size() < min_items || value->size() > max_items) {
        return malformed("\"" + std::string(key) + "\" of '" + type_ + "' must be an array of " +
                         std::to_string(min_items) + "-" + std::to_string(max_items) + " items");
    }
    return value;
}

ProtoResult<std::string> JsonReader::string(std::string_view key, std::size_t max_bytes) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, field(key));
    if (!value->is_string()) {
        return malformed("\"" + std::string(key) + "\" of '" + type_ + "' is not a string");
    }
    const auto& s = value->get_ref<const std::string&>();
    if (s.size() > max_bytes) {
        return malformed("\"" + std::string(key) + "\" is longer than " +
                         std::to_string(max_bytes) + " bytes");
    }
    return s;
}

ProtoResult<crypto::SecretBytes> JsonReader::secret_string(std::string_view key,
                                                           std::size_t max_bytes) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) {
        return malformed("'" + type_ + "' lacks the string field \"" + std::string(key) + "\"");
    }
    auto& s = it->get_ref<std::string&>();
    crypto::SecretBytes secret(as_bytes(s));
    crypto::secure_wipe(s.data(), s.size());
    if (secret.size() > max_bytes) {
        return malformed("\"" + std::string(key) + "\" is longer than " +
                         std::to_string(max_bytes) + " bytes");
    }
    return secret;
}

ProtoResult<std::uint64_t> JsonReader::integer(std::string_view key) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, field(key));
    if (!value->is_number_unsigned()) {
        return malformed("\"" + std::string(key) + "\" of '" + type_ +
                         "' is not a non-negative integer");
    }
    return value->get<std::uint64_t>();
}

ProtoResult<Bytes> JsonReader::base64(std::string_view key, std::size_t min_bytes,
                                      std::size_t max_bytes, ErrorCode size_error) const {
    // No length limit before decoding: the frame bounds the text, and a limit here would turn
    // a line break in a short field into `malformed` instead of `bad_base64`.
    SC_TRY_ASSIGN(std::string text, string(key, kMaxFramePayload));
    auto bytes = base64_decode(text);
    if (!bytes) {
        return proto_fail(ErrorCode::bad_base64,
                          "\"" + std::string(key) + "\" of '" + type_ + "' is not valid base64");
    }
    if (bytes->size() < min_bytes || bytes->size() > max_bytes) {
        return proto_fail(size_error, "\"" + std::string(key) + "\" of '" + type_ + "' has " +
                                          std::to_string(bytes->size()) + " bytes; expected " +
                                          std::to_string(min_bytes) + "-" +
                                          std::to_string(max_bytes));
    }
    return std::move(bytes).value();
}

ProtoResult<std::vector<Bytes>> JsonReader::base64_array(std::string_view key,
                                                         std::size_t min_items,
                                                         std::size_t max_items,
                                                         std::size_t max_bytes) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, array(key, min_items, max_items));
    std::vector<Bytes> out;
    for (const auto& item : *value) {
        if (!item.is_string()) {
            return malformed("\"" + std::string(key) + "\" holds a non-string");
        }
        auto bytes = base64_decode(item.get_ref<const std::string&>());
        if (!bytes) {
            return proto_fail(ErrorCode::bad_base64,
                              "\"" + std::string(key) + "\" holds invalid base64");
        }
        if (bytes->empty() || bytes->size() > max_bytes) {
            return malformed("\"" + std::string(key) + "\" holds an item of bad size");
        }
        out.push_back(std::move(bytes).value());
    }
    return out;
}

ProtoResult<std::vector<std::string>> JsonReader::string_array(std::string_view key,
                                                               std::size_t min_items,
                                                               std::size_t max_items,
                                                               std::size_t max_bytes) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, array(key, min_items, max_items));
    std::vector<std::string> out;
    for (const auto& item : *value) {
        if (!item.is_string() || item.get_ref<const std::string&>().size() > max_bytes) {
            return malformed("\"" + std::string(key) + "\" holds a bad string");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

ProtoResult<std::vector<std::uint64_t>> JsonReader::integer_array(std::string_view key,
                                                                  std::size_t min_items,
                                                                  std::size_t max_items) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, array(key, min_items, max_items));
    std::vector<std::uint64_t> out;
    for (const auto& item : *value) {
        if (!item.is_number_unsigned()) {
            return malformed("\"" + std::string(key) + "\" holds a non-integer");
        }
        out.push_back(item.get<std::uint64_t>());
    }
    return out;
}

ProtoResult<bool> JsonReader::boolean(std::string_view key) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, field(key));
    if (!value->is_boolean()) {
        return malformed("\"" + std::string(key) + "\" of '" + type_ + "' is not true or false");
    }
    return value->get<bool>();
}

ProtoResult<std::vector<JsonReader>> JsonReader::object_array(std::string_view key,
                                                              std::size_t min_items,
                                                              std::size_t max_items) const {
    SC_TRY_ASSIGN(const nlohmann::json* value, array(key, min_items, max_items));
    std::vector<JsonReader> out;
    out.reserve(value->size());
    for (const auto& item : *value) {
        if (!item.is_object()) {
            return malformed("\"" + std::string(key) + "\" of '" + type_ +
                             "' holds an item that is not an object");
        }
        out.push_back(JsonReader(item, type_ + "." + std::string(key) + "[]", true));
    }
    return out;
}

}  // namespace sc::proto
