#include "proto/messages.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "proto/limits.h"
#include "proto/wire/json_reader.h"

namespace sc::proto::msg {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCertBytes = 8192;
constexpr std::size_t kMaxShareBytes = 512;
constexpr std::size_t kMaxSigBytes = 1024;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxChatCt = kSaltBytes + kMaxTextBytes + 16;

ProtoResult<Outer> decode_hello(JsonReader& r) {
    SC_TRY(r.expect_fields({"versions", "groups", "nonce", "certs"}));
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
    return Outer{std::move(m)};
}

ProtoResult<Outer> decode_server_hello(JsonReader& r) {
    SC_TRY(r.expect_fields({"version", "group", "nonce", "certs"}));
    ServerHello m;
    SC_TRY_ASSIGN(m.version, r.integer("version"));
    SC_TRY_ASSIGN(m.group, r.string("group", kMaxNameBytes));
    SC_TRY_ASSIGN(m.nonce, r.base64("nonce", kNonceBytes, kNonceBytes));
    SC_TRY_ASSIGN(m.certs, r.base64_array("certs", 1, kMaxCertsInChain, kMaxCertBytes));
    return Outer{std::move(m)};
}

template <class T>
ProtoResult<T> decode_share_sig(JsonReader& r) {
    SC_TRY(r.expect_fields({"share", "sig"}));
    T m;
    SC_TRY_ASSIGN(m.share, r.base64("share", 1, kMaxShareBytes, ErrorCode::bad_share));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    return m;
}

ProtoResult<Error> decode_error(JsonReader& r) {
    SC_TRY(r.expect_fields({"code", "message"}));
    Error m;
    SC_TRY_ASSIGN(m.code, r.string("code", kMaxNameBytes));
    SC_TRY_ASSIGN(m.message, r.string("message", kMaxErrorMessageBytes));
    return m;
}

ProtoResult<Outer> decode_record(JsonReader& r) {
    SC_TRY(r.expect_fields({"seq", "ct"}));
    Record m;
    SC_TRY_ASSIGN(m.seq, r.integer("seq"));
    SC_TRY_ASSIGN(m.ct, r.base64("ct", 16, kMaxFramePayload));
    return Outer{std::move(m)};
}

template <class T>
ProtoResult<T> decode_share(JsonReader& r) {
    SC_TRY(r.expect_fields({"share"}));
    T m;
    SC_TRY_ASSIGN(m.share, r.base64("share", 1, kMaxShareBytes, ErrorCode::bad_share));
    return m;
}

ProtoResult<Inner> decode_register(JsonReader& r) {
    SC_TRY(r.expect_fields({"email", "username", "password"}));
    Register m;
    SC_TRY_ASSIGN(m.email, r.string("email", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.password, r.secret_string("password", kMaxCredentialBytes));
    return Inner{std::move(m)};
}

ProtoResult<Inner> decode_login(JsonReader& r) {
    SC_TRY(r.expect_fields({"username", "password"}));
    Login m;
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.password, r.secret_string("password", kMaxCredentialBytes));
    return Inner{std::move(m)};
}

ProtoResult<Inner> decode_auth_ok(JsonReader& r) {
    SC_TRY(r.expect_fields({"username", "action"}));
    AuthOk m;
    SC_TRY_ASSIGN(m.username, r.string("username", kMaxCredentialBytes));
    SC_TRY_ASSIGN(m.action, r.string("action", kMaxNameBytes));
    if (m.action != "registered" && m.action != "logged_in") {
        return proto_fail(ErrorCode::malformed, "auth_ok action must be registered or logged_in");
    }
    return Inner{std::move(m)};
}

ProtoResult<Inner> decode_chat(JsonReader& r) {
    SC_TRY(r.expect_fields({"seqno", "ts", "ct", "sig"}));
    Chat m;
    SC_TRY_ASSIGN(m.seqno, r.integer("seqno"));
    SC_TRY_ASSIGN(m.ts, r.integer("ts"));
    SC_TRY_ASSIGN(m.ct, r.base64("ct", kSaltBytes + 16, kMaxChatCt));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    return Inner{std::move(m)};
}

ProtoResult<Inner> decode_ack(JsonReader& r) {
    SC_TRY(r.expect_fields({"seqno", "status", "sig"}));
    Ack m;
    SC_TRY_ASSIGN(m.seqno, r.integer("seqno"));
    SC_TRY_ASSIGN(m.status, r.string("status", kMaxNameBytes));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    if (m.status != "delivered") {
        return proto_fail(ErrorCode::malformed, "ack status must be delivered");
    }
    return Inner{std::move(m)};
}

ProtoResult<Inner> decode_receipt(JsonReader& r) {
    SC_TRY(r.expect_fields({"peer", "first_seq", "last_seq", "transcript_sha256", "sig"}));
    Receipt m;
    SC_TRY_ASSIGN(m.peer, r.string("peer", 64));
    SC_TRY_ASSIGN(m.first_seq, r.integer("first_seq"));
    SC_TRY_ASSIGN(m.last_seq, r.integer("last_seq"));
    SC_TRY_ASSIGN(m.transcript_sha256, r.string("transcript_sha256", 64));
    SC_TRY_ASSIGN(m.sig, r.base64("sig", 1, kMaxSigBytes));
    if (m.peer.size() != 64 || m.transcript_sha256.size() != 64 || m.first_seq > m.last_seq) {
        return proto_fail(ErrorCode::malformed, "receipt fields are inconsistent");
    }
    return Inner{std::move(m)};
}

json b64_array(const std::vector<Bytes>& items) {
    json out = json::array();
    for (const auto& item : items) {
        out.push_back(base64_encode(item));
    }
    return out;
}

Failure<ProtocolError> unknown_type(const std::string& type) {
    return proto_fail(ErrorCode::malformed, "unknown message type '" + quote_peer(type, 64) + "'");
}

}  // namespace

ProtoResult<Outer> decode_outer(std::string_view payload) {
    SC_TRY_ASSIGN(auto r, JsonReader::parse(payload));
    const auto& type = r.type();
    if (type == "hello") {
        return decode_hello(r);
    }
    if (type == "server_hello") {
        return decode_server_hello(r);
    }
    if (type == "dh_server") {
        SC_TRY_ASSIGN(auto m, decode_share_sig<DhServer>(r));
        return Outer{std::move(m)};
    }
    if (type == "dh_client") {
        SC_TRY_ASSIGN(auto m, decode_share_sig<DhClient>(r));
        return Outer{std::move(m)};
    }
    if (type == "error") {
        SC_TRY_ASSIGN(auto m, decode_error(r));
        return Outer{std::move(m)};
    }
    if (type == "record") {
        return decode_record(r);
    }
    return unknown_type(type);
}

ProtoResult<Inner> decode_inner(std::string_view payload) {
    SC_TRY_ASSIGN(auto r, JsonReader::parse(payload));
    const auto& type = r.type();
    if (type == "register") {
        return decode_register(r);
    }
    if (type == "login") {
        return decode_login(r);
    }
    if (type == "auth_ok") {
        return decode_auth_ok(r);
    }
    if (type == "dh_client") {
        SC_TRY_ASSIGN(auto m, decode_share<ChatDhClient>(r));
        return Inner{std::move(m)};
    }
    if (type == "dh_server") {
        SC_TRY_ASSIGN(auto m, decode_share<ChatDhServer>(r));
        return Inner{std::move(m)};
    }
    if (type == "msg") {
        return decode_chat(r);
    }
    if (type == "ack") {
        return decode_ack(r);
    }
    if (type == "rekey") {
        SC_TRY_ASSIGN(auto m, decode_share<Rekey>(r));
        return Inner{std::move(m)};
    }
    if (type == "rekey_request") {
        SC_TRY(r.expect_fields({}));
        return Inner{RekeyRequest{}};
    }
    if (type == "receipt") {
        return decode_receipt(r);
    }
    if (type == "error") {
        SC_TRY_ASSIGN(auto m, decode_error(r));
        return Inner{std::move(m)};
    }
    return unknown_type(type);
}

namespace {

struct OuterEncoder {
    json operator()(const Hello& m) const {
        return {{"type", "hello"},
                {"versions", m.versions},
                {"groups", m.groups},
                {"nonce", base64_encode(m.nonce)},
                {"certs", b64_array(m.certs)}};
    }
    json operator()(const ServerHello& m) const {
        return {{"type", "server_hello"},
                {"version", m.version},
                {"group", m.group},
                {"nonce", base64_encode(m.nonce)},
                {"certs", b64_array(m.certs)}};
    }
    json operator()(const DhServer& m) const {
        return {{"type", "dh_server"},
                {"share", base64_encode(m.share)},
                {"sig", base64_encode(m.sig)}};
    }
    json operator()(const DhClient& m) const {
        return {{"type", "dh_client"},
                {"share", base64_encode(m.share)},
                {"sig", base64_encode(m.sig)}};
    }
    json operator()(const Error& m) const {
        return {{"type", "error"}, {"code", m.code}, {"message", m.message}};
    }
    json operator()(const Record& m) const {
        return {{"type", "record"}, {"seq", m.seq}, {"ct", base64_encode(m.ct)}};
    }
};

struct InnerEncoder {
    json operator()(const Register& m) const {
        return {{"type", "register"},
                {"email", m.email},
                {"username", m.username},
                {"password", std::string(m.password.reveal_text(crypto::SecretAccess{}))}};
    }
    json operator()(const Login& m) const {
        return {{"type", "login"},
                {"username", m.username},
                {"password", std::string(m.password.reveal_text(crypto::SecretAccess{}))}};
    }
    json operator()(const AuthOk& m) const {
        return {{"type", "auth_ok"}, {"username", m.username}, {"action", m.action}};
    }
    json operator()(const ChatDhClient& m) const {
        return {{"type", "dh_client"}, {"share", base64_encode(m.share)}};
    }
    json operator()(const ChatDhServer& m) const {
        return {{"type", "dh_server"}, {"share", base64_encode(m.share)}};
    }
    json operator()(const Chat& m) const {
        return {{"type", "msg"},
                {"seqno", m.seqno},
                {"ts", m.ts},
                {"ct", base64_encode(m.ct)},
                {"sig", base64_encode(m.sig)}};
    }
    json operator()(const Ack& m) const {
        return {{"type", "ack"},
                {"seqno", m.seqno},
                {"status", m.status},
                {"sig", base64_encode(m.sig)}};
    }
    json operator()(const Rekey& m) const {
        return {{"type", "rekey"}, {"share", base64_encode(m.share)}};
    }
    json operator()(const RekeyRequest&) const { return {{"type", "rekey_request"}}; }
    json operator()(const Receipt& m) const {
        return {{"type", "receipt"},
                {"peer", m.peer},
                {"first_seq", m.first_seq},
                {"last_seq", m.last_seq},
                {"transcript_sha256", m.transcript_sha256},
                {"sig", base64_encode(m.sig)}};
    }
    json operator()(const Error& m) const {
        return {{"type", "error"}, {"code", m.code}, {"message", m.message}};
    }
};

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

}  // namespace

std::string encode(const Outer& message) {
    return dump(std::visit(OuterEncoder{}, message));
}

crypto::SecretBytes encode(const Inner& message) {
    json j = std::visit(InnerEncoder{}, message);
    std::string text = dump(j);
    crypto::SecretBytes out(as_bytes(text));
    crypto::secure_wipe(text.data(), text.size());
    wipe_strings(j);
    return out;
}

std::string_view type_name(const Outer& message) {
    static constexpr std::string_view kNames[] = {"hello",     "server_hello", "dh_server",
                                                  "dh_client", "error",        "record"};
    return kNames[message.index()];
}

std::string_view type_name(const Inner& message) {
    static constexpr std::string_view kNames[] = {
        "register", "login", "auth_ok",       "dh_client", "dh_server", "msg",
        "ack",      "rekey", "rekey_request", "receipt",   "error"};
    return kNames[message.index()];
}

}  // namespace sc::proto::msg
