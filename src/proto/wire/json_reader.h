// Strict reading of one JSON message object: every field present, of its type, within its
// bounds, and no field that is not listed for the message type.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "proto/errors.h"

namespace sc::proto {

class JsonReader {
  public:
    // Parses `payload` as a JSON object with a string "type" (nesting ≤ kMaxJsonDepth, no
    // object with the same key twice).
    static ProtoResult<JsonReader> parse(std::string_view payload);

    const std::string& type() const { return type_; }
    // Fails unless the object has exactly "type" and these fields.
    ProtoResult<bool> expect_fields(std::span<const std::string_view> fields) const;
    ProtoResult<bool> expect_fields(std::initializer_list<std::string_view> fields) const {
        return expect_fields(std::span<const std::string_view>(fields.begin(), fields.size()));
    }

    ProtoResult<std::string> string(std::string_view key, std::size_t max_bytes) const;
    // Reads a string into wiped memory and wipes the parser's copy.
    ProtoResult<crypto::SecretBytes> secret_string(std::string_view key, std::size_t max_bytes);
    ProtoResult<std::uint64_t> integer(std::string_view key) const;
    // Order of checks: a JSON string, then valid base64 (else bad_base64), then the decoded size
    // (else `size_error`: malformed, or bad_share for DH shares).
    ProtoResult<Bytes> base64(std::string_view key, std::size_t min_bytes, std::size_t max_bytes,
                              ErrorCode size_error = ErrorCode::malformed) const;
    ProtoResult<std::vector<Bytes>> base64_array(std::string_view key, std::size_t min_items,
                                                 std::size_t max_items,
                                                 std::size_t max_bytes) const;
    ProtoResult<std::vector<std::string>> string_array(std::string_view key, std::size_t min_items,
                                                       std::size_t max_items,
                                                       std::size_t max_bytes) const;
    ProtoResult<std::vector<std::uint64_t>> integer_array(std::string_view key,
                                                          std::size_t min_items,
                                                          std::size_t max_items) const;
    ProtoResult<bool> boolean(std::string_view key) const;
    // An array of objects, each read by its own reader (which has no "type": every member of
    // an item must be one of the fields it expects).
    ProtoResult<std::vector<JsonReader>> object_array(std::string_view key, std::size_t min_items,
                                                      std::size_t max_items) const;

  private:
    explicit JsonReader(nlohmann::json object, std::string type, bool item = false)
        : object_(std::move(object)), type_(std::move(type)), item_(item) {}
    ProtoResult<const nlohmann::json*> field(std::string_view key) const;
    ProtoResult<const nlohmann::json*> array(std::string_view key, std::size_t min_items,
                                             std::size_t max_items) const;

    nlohmann::json object_;
    std::string type_;  // for an item of an array: "<type>.<key>[]", in messages only
    bool item_ = false;
};

}  // namespace sc::proto
