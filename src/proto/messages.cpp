#include "proto/messages.h"

#include <algorithm>
#include <span>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "proto/limits.h"
#include "proto/messages_e2e.h"
#include "proto/messages_users.h"
#include "proto/wire/json_reader.h"

namespace sc::proto::msg {

std::string_view wire_name(AuthAction action) {
    return action == AuthAction::registered ? "registered" : "logged_in";
}

std::string_view wire_name(DeliveryStatus) {
    return "delivered";
}

namespace {

using nlohmann::json;

template <class T>
using As = std::type_identity<T>;

// The users' messages (§2.3) are read and written in messages_users.cpp.
using users_codec::decode_body;
using users_codec::encode_body;
// The end-to-end messages (§2.4) in messages_e2e.cpp.
using e2e_codec::decode_body;
using e2e_codec::encode_body;

// ---- decoding: one decode_body per message; "type" and the field set are checked before ----

ProtoResult<Hello> decode_body(JsonReader& r, As<Hello>) {
    Hello m;
    SC_TRY_ASSIGN(m.versions, r.integer_array("versions", 1, kMaxVersionsOffered));
    SC_TRY_ASSIGN(m.groups, r.string_array("groups", 1, kMaxGroupsOffered, kMaxNameBytes));
    for (std::size_t i = 0; i < m.groups.size(); ++i) {
        if (std::find(m.groups.begin() + static_cast<std::ptrdiff_t>(i) + 1, m.groups.end(),
                      m.groups[i]) != m.groups.end()) {
            return proto_fail(ErrorCode::malformed, "\"groups\" of 'hello' names a group twice (" +
                                                        quote_peer(m.groups[i], kMaxNameBytes) +
                                                        ")");
        }
    }
    SC_TRY_ASSIGN(m.nonce, r.base64("nonce", kNonceBytes, kNonceBytes));
    SC_TRY_ASSIGN(m.certs, r.base64_array("certs", 1, kMaxCertsInChain, kMaxCertBytes));
    return m;
}

ProtoResult<ServerHello> decode_body(JsonReader& r, As<ServerHello>) {
    ServerHello m;
    SC_TRY_ASSIGN(m.version, r.integer("version"));
    SC_TRY_ASSIGN(m.group, r.string("group", kMaxNameBytes));
    SC_TRY_ASSIGN(m.nonce, r.base64("nonce", kNonceBytes, kNonceBytes));
    SC_TRY_ASSIGN(m.certs, r.base64_array("certs", 1, kMaxCertsInChain, kMaxCertBytes));
    return m;
}

template <class T>
ProtoResult<T> decode_share_sig(JsonReader& r) {
    T m;
    SC_TRY_ASSIGN(m.share, r.base64("share", 1, kMaxShareBytes, ErrorCode::bad_share));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    return m;
}
ProtoResult<DhServer> decode_body(JsonReader& r, As<DhServer>) {
    return decode_share_sig<DhServer>(r);
}
ProtoResult<DhClient> decode_body(JsonReader& r, As<DhClient>) {
    return decode_share_sig<DhClient>(r);
}

ProtoResult<Error> decode_body(JsonReader& r, As<Error>) {
    Error m;
    SC_TRY_ASSIGN(m.code, r.string("code", kMaxNameBytes));
    SC_TRY_ASSIGN(m.message, r.string("message", kMaxErrorMessageBytes));
    return m;
}

ProtoResult<Record> decode_body(JsonReader& r, As<Record>) {
    Record m;
    SC_TRY_ASSIGN(m.seq, r.integer("seq"));
    SC_TRY_ASSIGN(m.ct, r.base64("ct", 16, kMaxFramePayload));
    return m;
}

template <class T>
ProtoResult<T> decode_share(JsonReader& r) {
    T m;
    SC_TRY_ASSIGN(m.share, r.base64("share", 1, kMaxShareBytes, ErrorCode::bad_share));
    return m;
}
ProtoResult<ChatDhClient> decode_body(JsonReader& r, As<ChatDhClient>) {
    return decode_share<ChatDhClient>(r);
}
ProtoResult<ChatDhServer> decode_body(JsonReader& r, As<ChatDhServer>) {
    return decode_share<ChatDhServer>(r);
}
ProtoResult<Rekey> decode_body(JsonReader& r, As<Rekey>) {
    return decode_share<Rekey>(r);
}
ProtoResult<RekeyRequest> decode_body(JsonReader&, As<RekeyRequest>) {
    return RekeyRequest{};
}

ProtoResult<Register> decode_body(JsonReader& r, As<Register>) {
    Register m;
    SC_TRY_ASSIGN(m.email, r.string("email", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.password, r.secret_string("password", kMaxCredentialBytes));
    return m;
}

ProtoResult<Login> decode_body(JsonReader& r, As<Login>) {
    Login m;
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.password, r.secret_string("password", kMaxCredentialBytes));
    return m;
}

ProtoResult<AuthOk> decode_body(JsonReader& r, As<AuthOk>) {
    AuthOk m;
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(auto action, r.string("action", kMaxNameBytes));
    if (action == wire_name(AuthAction::registered)) {
        m.action = AuthAction::registered;
    } else if (action == wire_name(AuthAction::logged_in)) {
        m.action = AuthAction::logged_in;
    } else {
        return proto_fail(ErrorCode::malformed, "auth_ok action must be registered or logged_in");
    }
    return m;
}

ProtoResult<Chat> decode_body(JsonReader& r, As<Chat>) {
    Chat m;
    SC_TRY_ASSIGN(m.seqno, r.integer("seqno"));
    SC_TRY_ASSIGN(m.ts, r.integer("ts"));
    SC_TRY_ASSIGN(m.ct, r.base64("ct", kSaltBytes + kAeadTagBytes, kMaxChatCt));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    return m;
}

ProtoResult<Ack> decode_body(JsonReader& r, As<Ack>) {
    Ack m;
    SC_TRY_ASSIGN(m.seqno, r.integer("seqno"));
    SC_TRY_ASSIGN(auto status, r.string("status", kMaxNameBytes));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    if (status != wire_name(DeliveryStatus::delivered)) {
        return proto_fail(ErrorCode::malformed, "ack status must be delivered");
    }
    m.status = DeliveryStatus::delivered;
    return m;
}

ProtoResult<Receipt> decode_body(JsonReader& r, As<Receipt>) {
    Receipt m;
    SC_TRY_ASSIGN(m.peer, r.string("peer", kHexDigestChars));
    SC_TRY_ASSIGN(m.first_seq, r.integer("first_seq"));
    SC_TRY_ASSIGN(m.last_seq, r.integer("last_seq"));
    SC_TRY_ASSIGN(m.transcript_sha256, r.string("transcript_sha256", kHexDigestChars));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    if (m.peer.size() != kHexDigestChars || m.transcript_sha256.size() != kHexDigestChars ||
        m.first_seq > m.last_seq) {
        return proto_fail(ErrorCode::malformed, "receipt fields are inconsistent");
    }
    return m;
}

// ---- the lookup: a fold over the variant's alternatives, keyed by their kType ----

template <class Variant>
using Decoder = ProtoResult<Variant> (*)(JsonReader&);

template <class Variant, class T>
ProtoResult<Variant> decode_as(JsonReader& r) {
    SC_TRY(r.expect_fields(std::span<const std::string_view>(T::kFields)));
    SC_TRY_ASSIGN(auto m, decode_body(r, As<T>{}));
    return Variant{std::move(m)};
}

template <class Variant, std::size_t... I>
Decoder<Variant> find_decoder(std::string_view type, std::index_sequence<I...>) {
    Decoder<Variant> found = nullptr;
    (void)((std::variant_alternative_t<I, Variant>::kType == type &&
            (found = &decode_as<Variant, std::variant_alternative_t<I, Variant>>, true)) ||
           ...);
    return found;
}

template <class Variant>
ProtoResult<Variant> decode_variant(std::string_view payload) {
    SC_TRY_ASSIGN(auto r, JsonReader::parse(payload));
    auto decoder =
        find_decoder<Variant>(r.type(), std::make_index_sequence<std::variant_size_v<Variant>>{});
    if (decoder == nullptr) {
        return proto_fail(ErrorCode::malformed,
                          "unknown message type '" + quote_peer(r.type(), 64) + "'");
    }
    return decoder(r);
}

}  // namespace

ProtoResult<Outer> decode_outer(std::string_view payload) {
    return decode_variant<Outer>(payload);
}

ProtoResult<Inner> decode_inner(std::string_view payload) {
    return decode_variant<Inner>(payload);
}

namespace {

// ---- encoding: one encode_body per message; encode() adds "type" from kType ----

json b64_array(const std::vector<Bytes>& items) {
    json out = json::array();
    for (const auto& item : items) {
        out.push_back(base64_encode(item));
    }
    return out;
}

json encode_body(const Hello& m) {
    return {{"versions", m.versions},
            {"groups", m.groups},
            {"nonce", base64_encode(m.nonce)},
            {"certs", b64_array(m.certs)}};
}
json encode_body(const ServerHello& m) {
    return {{"version", m.version},
            {"group", m.group},
            {"nonce", base64_encode(m.nonce)},
            {"certs", b64_array(m.certs)}};
}
json encode_body(const DhServer& m) {
    return {{"share", base64_encode(m.share)}, {"sig", base64_encode(m.sig)}};
}
json encode_body(const DhClient& m) {
    return {{"share", base64_encode(m.share)}, {"sig", base64_encode(m.sig)}};
}
json encode_body(const Error& m) {
    return {{"code", m.code}, {"message", m.message}};
}
json encode_body(const Record& m) {
    return {{"seq", m.seq}, {"ct", base64_encode(m.ct)}};
}
json encode_body(const Register& m) {
    return {{"email", m.email},
            {"username", m.username},
            {"password", std::string(m.password.reveal_text(crypto::SecretAccess{}))}};
}
json encode_body(const Login& m) {
    return {{"username", m.username},
            {"password", std::string(m.password.reveal_text(crypto::SecretAccess{}))}};
}
json encode_body(const AuthOk& m) {
    return {{"username", m.username}, {"action", wire_name(m.action)}};
}
json encode_body(const ChatDhClient& m) {
    return {{"share", base64_encode(m.share)}};
}
json encode_body(const ChatDhServer& m) {
    return {{"share", base64_encode(m.share)}};
}
json encode_body(const Chat& m) {
    return {{"seqno", m.seqno},
            {"ts", m.ts},
            {"ct", base64_encode(m.ct)},
            {"sig", base64_encode(m.sig)}};
}
json encode_body(const Ack& m) {
    return {{"seqno", m.seqno}, {"status", wire_name(m.status)}, {"sig", base64_encode(m.sig)}};
}
json encode_body(const Rekey& m) {
    return {{"share", base64_encode(m.share)}};
}
json encode_body(const RekeyRequest&) {
    return json::object();
}
json encode_body(const Receipt& m) {
    return {{"peer", m.peer},
            {"first_seq", m.first_seq},
            {"last_seq", m.last_seq},
            {"transcript_sha256", m.transcript_sha256},
            {"sig", base64_encode(m.sig)}};
}

template <class Variant>
json to_json(const Variant& message) {
    return std::visit(
        [](const auto& m) {
            json j = encode_body(m);
            j["type"] = std::decay_t<decltype(m)>::kType;
            return j;
        },
        message);
}

void wipe_strings(json& j) {
    if (j.is_string()) {
        auto& s = j.get_ref<std::string&>();
        crypto::secure_wipe(s.data(), s.size());
    } else if (j.is_object() || j.is_array()) {
        for (auto& item : j) {
            wipe_strings(item);
        }
    }
}

// §1: sorted keys (nlohmann's std::map), no whitespace, and never an exception: a string that
// is not UTF-8 (only error texts could hold one; they are built with quote_peer) gets U+FFFD.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

template <class... Alternatives>
void add_vocabulary(std::vector<std::string_view>& out, const std::variant<Alternatives...>*) {
    auto add = [&](std::string_view word) {
        if (std::find(out.begin(), out.end(), word) == out.end()) {
            out.push_back(word);
        }
    };
    (add(Alternatives::kType), ...);
    (std::for_each(Alternatives::kFields.begin(), Alternatives::kFields.end(), add), ...);
}

}  // namespace

std::string encode(const Outer& message) {
    return dump(to_json(message));
}

crypto::SecretBytes encode(const Inner& message) {
    json j = to_json(message);
    std::string text = dump(j);
    crypto::SecretBytes out(as_bytes(text));
    crypto::secure_wipe(text.data(), text.size());
    wipe_strings(j);
    return out;
}

ProtoResult<crypto::SecretBytes> encode_for_record(const Inner& message) {
    auto out = encode(message);
    if (out.size() > kMaxInnerPayload) {
        return proto_fail(ErrorCode::internal,
                          "message too large to send: '" + std::string(type_name(message)) +
                              "' is " + std::to_string(out.size()) + " bytes, a record carries " +
                              std::to_string(kMaxInnerPayload));
    }
    return out;
}

std::vector<std::string_view> wire_vocabulary() {
    std::vector<std::string_view> out{"type"};
    add_vocabulary(out, static_cast<const Outer*>(nullptr));
    add_vocabulary(out, static_cast<const Inner*>(nullptr));
    out.push_back(wire_name(AuthAction::registered));
    out.push_back(wire_name(AuthAction::logged_in));
    out.push_back(wire_name(DeliveryStatus::delivered));
    users_codec::add_users_vocabulary(out);
    e2e_codec::add_e2e_vocabulary(out);
    return out;
}

}  // namespace sc::proto::msg
