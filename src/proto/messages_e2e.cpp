#include "proto/messages_e2e.h"

#include <algorithm>
#include <set>
#include <span>

#include "common/base64.h"
#include "common/ids.h"
#include "common/usernames.h"
#include "proto/limits.h"

namespace sc::proto::msg::e2e_codec {

using nlohmann::json;

bool is_device_id(std::string_view text) {
    return text.size() == kHexDigestChars && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

namespace {

ProtoResult<std::string> device_id(const JsonReader& r, std::string_view key) {
    SC_TRY_ASSIGN(auto text, r.string(key, kHexDigestChars));
    if (!is_device_id(text)) {
        return proto_fail(ErrorCode::malformed,
                          "\"" + std::string(key) + "\" of '" + r.type() +
                              "' is not a device id (64 lowercase hex digits)");
    }
    return text;
}

// What the server says names users: a username, or malformed (as in §2.3).
ProtoResult<std::string> username(const JsonReader& r, std::string_view key) {
    SC_TRY_ASSIGN(auto name, r.string(key, kMaxUsernameBytes));
    if (!is_valid_username(name)) {
        return proto_fail(ErrorCode::malformed, "\"" + std::string(key) + "\" of '" + r.type() +
                                                    "' holds something that is not a username");
    }
    return name;
}

ProtoResult<std::uint64_t> nonzero(const JsonReader& r, std::string_view key) {
    SC_TRY_ASSIGN(auto value, r.integer(key));
    if (value == 0) {
        return proto_fail(ErrorCode::malformed,
                          "\"" + std::string(key) + "\" of '" + r.type() + "' must not be 0");
    }
    return value;
}

// A key id with its key, time and signature: all empty/0 when `id` is 0 and `optional`.
struct KeyFields {
    std::uint64_t id = 0;
    Bytes key;
    std::uint64_t ts = 0;
    Bytes sig;
};

ProtoResult<KeyFields> key_fields(const JsonReader& r, std::string_view id_key,
                                  std::string_view key_key, std::string_view ts_key,
                                  std::string_view sig_key, bool optional) {
    KeyFields k;
    SC_TRY_ASSIGN(k.id, r.integer(id_key));
    const bool none = k.id == 0;
    if (none && !optional) {
        return proto_fail(ErrorCode::malformed,
                          "\"" + std::string(id_key) + "\" of '" + r.type() + "' must not be 0");
    }
    SC_TRY_ASSIGN(k.key, r.base64(key_key, none ? 0 : kPrekeyBytes, none ? 0 : kPrekeyBytes));
    SC_TRY_ASSIGN(k.ts, r.integer(ts_key));
    SC_TRY_ASSIGN(k.sig, r.base64(sig_key, none ? 0 : 1, none ? 0 : kMaxSigBytes));
    if (none && k.ts != 0) {
        return proto_fail(ErrorCode::malformed, "\"" + std::string(ts_key) + "\" of '" + r.type() +
                                                    "' must be 0 without a key");
    }
    return k;
}

}  // namespace

ProtoResult<PublishPrekeys> decode_body(JsonReader& r, std::type_identity<PublishPrekeys>) {
    PublishPrekeys m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(auto spk, key_fields(r, "spk_id", "spk", "spk_ts", "spk_sig", true));
    m.spk_id = spk.id;
    m.spk = std::move(spk.key);
    m.spk_ts = spk.ts;
    m.spk_sig = std::move(spk.sig);
    SC_TRY_ASSIGN(auto items, r.object_array("one_time", 0, kMaxOneTimePrekeysPerPublish));
    std::set<std::uint64_t> ids;
    for (auto& item : items) {
        SC_TRY(item.expect_fields(std::span<const std::string_view>(OneTimePrekey::kFields)));
        SC_TRY_ASSIGN(auto k, key_fields(item, "key_id", "key", "ts", "sig", false));
        if (!ids.insert(k.id).second) {
            return proto_fail(ErrorCode::malformed, "'prekeys' names one key_id twice");
        }
        m.one_time.push_back({k.id, std::move(k.key), k.ts, std::move(k.sig)});
    }
    return m;
}

ProtoResult<PrekeyStatus> decode_body(JsonReader& r, std::type_identity<PrekeyStatus>) {
    PrekeyStatus m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.spk_id, r.integer("spk_id"));
    SC_TRY_ASSIGN(m.spk_ts, r.integer("spk_ts"));
    SC_TRY_ASSIGN(m.one_time_left, r.integer("one_time_left"));
    if (m.one_time_left > kMaxOneTimePrekeys) {
        return proto_fail(ErrorCode::malformed,
                          "'prekey_status' says more one-time prekeys than "
                          "a device may have");
    }
    return m;
}

ProtoResult<ListDevices> decode_body(JsonReader& r, std::type_identity<ListDevices>) {
    ListDevices m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.user, r.string("user", kMaxCredentialBytes));
    return m;
}

ProtoResult<DeviceList> decode_body(JsonReader& r, std::type_identity<DeviceList>) {
    DeviceList m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.user, username(r, "user"));
    SC_TRY_ASSIGN(auto items, r.object_array("devices", 0, kMaxDevicesPerUser));
    std::set<std::string> seen;
    for (auto& item : items) {
        DeviceEntry entry;
        SC_TRY(item.expect_fields(std::span<const std::string_view>(DeviceEntry::kFields)));
        SC_TRY_ASSIGN(entry.device, device_id(item, "device"));
        SC_TRY_ASSIGN(entry.name, item.string("name", kMaxDeviceNameBytes));
        if (!is_valid_device_name(entry.name)) {
            return proto_fail(ErrorCode::malformed, "'device_list' holds a bad device name");
        }
        if (!seen.insert(entry.device).second) {
            return proto_fail(ErrorCode::malformed, "'device_list' names one device twice");
        }
        m.devices.push_back(std::move(entry));
    }
    return m;
}

ProtoResult<FetchBundle> decode_body(JsonReader& r, std::type_identity<FetchBundle>) {
    FetchBundle m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.user, r.string("user", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.device, device_id(r, "device"));
    return m;
}

ProtoResult<KeyBundle> decode_body(JsonReader& r, std::type_identity<KeyBundle>) {
    KeyBundle m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.user, username(r, "user"));
    SC_TRY_ASSIGN(m.device, device_id(r, "device"));
    SC_TRY_ASSIGN(m.cert, r.base64("cert", 1, kMaxCertBytes));
    SC_TRY_ASSIGN(auto spk, key_fields(r, "spk_id", "spk", "spk_ts", "spk_sig", false));
    m.spk_id = spk.id;
    m.spk = std::move(spk.key);
    m.spk_ts = spk.ts;
    m.spk_sig = std::move(spk.sig);
    SC_TRY_ASSIGN(auto otk, key_fields(r, "otk_id", "otk", "otk_ts", "otk_sig", true));
    m.otk_id = otk.id;
    m.otk = std::move(otk.key);
    m.otk_ts = otk.ts;
    m.otk_sig = std::move(otk.sig);
    return m;
}

ProtoResult<Relay> decode_body(JsonReader& r, std::type_identity<Relay>) {
    Relay m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.to, r.string("to", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.device, device_id(r, "device"));
    SC_TRY_ASSIGN(m.mid, r.base64("mid", kMessageIdBytes, kMessageIdBytes));
    SC_TRY_ASSIGN(m.body, r.base64("body", 1, kMaxEnvelopeBytes));
    return m;
}

ProtoResult<Envelope> decode_body(JsonReader& r, std::type_identity<Envelope>) {
    Envelope m;
    SC_TRY_ASSIGN(m.from, username(r, "from"));
    SC_TRY_ASSIGN(m.device, device_id(r, "device"));
    SC_TRY_ASSIGN(m.mid, r.base64("mid", kMessageIdBytes, kMessageIdBytes));
    SC_TRY_ASSIGN(m.held, nonzero(r, "held"));
    SC_TRY_ASSIGN(m.ts, r.integer("ts"));
    SC_TRY_ASSIGN(m.body, r.base64("body", 1, kMaxEnvelopeBytes));
    return m;
}

ProtoResult<Stored> decode_body(JsonReader& r, std::type_identity<Stored>) {
    Stored m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.held, nonzero(r, "held"));
    SC_TRY_ASSIGN(m.ts, r.integer("ts"));
    SC_TRY_ASSIGN(m.expires, r.integer("expires"));
    if (m.expires <= m.ts) {
        return proto_fail(ErrorCode::malformed, "\"expires\" of 'stored' is not after its \"ts\"");
    }
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    return m;
}

ProtoResult<Received> decode_body(JsonReader& r, std::type_identity<Received>) {
    Received m;
    SC_TRY_ASSIGN(m.id, r.integer("id"));
    SC_TRY_ASSIGN(m.held, r.integer_array("held", 1, kMaxReceivedPerRequest));
    std::set<std::uint64_t> seen;
    for (auto held : m.held) {
        if (held == 0 || !seen.insert(held).second) {
            return proto_fail(ErrorCode::malformed,
                              "\"held\" of 'received' holds 0 or one id twice");
        }
    }
    return m;
}

json encode_body(const PublishPrekeys& m) {
    json items = json::array();
    for (const auto& k : m.one_time) {
        items.push_back({{"key_id", k.key_id},
                         {"key", base64_encode(k.key)},
                         {"ts", k.ts},
                         {"sig", base64_encode(k.sig)}});
    }
    return {{"id", m.id},
            {"spk_id", m.spk_id},
            {"spk", base64_encode(m.spk)},
            {"spk_ts", m.spk_ts},
            {"spk_sig", base64_encode(m.spk_sig)},
            {"one_time", std::move(items)}};
}
json encode_body(const PrekeyStatus& m) {
    return {{"id", m.id},
            {"spk_id", m.spk_id},
            {"spk_ts", m.spk_ts},
            {"one_time_left", m.one_time_left}};
}
json encode_body(const ListDevices& m) {
    return {{"id", m.id}, {"user", m.user}};
}
json encode_body(const DeviceList& m) {
    json items = json::array();
    for (const auto& d : m.devices) {
        items.push_back({{"device", d.device}, {"name", d.name}});
    }
    return {{"id", m.id}, {"user", m.user}, {"devices", std::move(items)}};
}
json encode_body(const FetchBundle& m) {
    return {{"id", m.id}, {"user", m.user}, {"device", m.device}};
}
json encode_body(const KeyBundle& m) {
    return {{"id", m.id},         {"user", m.user},
            {"device", m.device}, {"cert", base64_encode(m.cert)},
            {"spk_id", m.spk_id}, {"spk", base64_encode(m.spk)},
            {"spk_ts", m.spk_ts}, {"spk_sig", base64_encode(m.spk_sig)},
            {"otk_id", m.otk_id}, {"otk", base64_encode(m.otk)},
            {"otk_ts", m.otk_ts}, {"otk_sig", base64_encode(m.otk_sig)}};
}
json encode_body(const Relay& m) {
    return {{"id", m.id},
            {"to", m.to},
            {"device", m.device},
            {"mid", base64_encode(m.mid)},
            {"body", base64_encode(m.body)}};
}
json encode_body(const Envelope& m) {
    return {{"from", m.from}, {"device", m.device}, {"mid", base64_encode(m.mid)},
            {"held", m.held}, {"ts", m.ts},         {"body", base64_encode(m.body)}};
}
json encode_body(const Stored& m) {
    return {{"id", m.id},
            {"held", m.held},
            {"ts", m.ts},
            {"expires", m.expires},
            {"sig", base64_encode(m.sig)}};
}
json encode_body(const Received& m) {
    return {{"id", m.id}, {"held", m.held}};
}

void add_e2e_vocabulary(std::vector<std::string_view>& out) {
    auto add = [&](std::string_view word) {
        if (std::find(out.begin(), out.end(), word) == out.end()) {
            out.push_back(word);
        }
    };
    std::for_each(OneTimePrekey::kFields.begin(), OneTimePrekey::kFields.end(), add);
    std::for_each(DeviceEntry::kFields.begin(), DeviceEntry::kFields.end(), add);
}

}  // namespace sc::proto::msg::e2e_codec
