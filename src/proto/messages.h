// Every message of docs/PROTOCOL.md §2 as its own type, with strict decoding and encoding.
// Each struct names itself once: `kType` is its wire name and `kFields` its fields besides
// "type". The decoder lookup, type_name() and the fuzz dictionary's vocabulary are folds over
// the variants below, so adding a message is one struct, one codec pair, one handler.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "proto/errors.h"

namespace sc::proto::msg {

template <class... Names>
constexpr std::array<std::string_view, sizeof...(Names)> field_names(Names... names) {
    return {std::string_view(names)...};
}

// Outcomes that travel as strings; the codec alone spells them (§2).
enum class AuthAction { registered, logged_in };
enum class DeliveryStatus { delivered };
std::string_view wire_name(AuthAction action);
std::string_view wire_name(DeliveryStatus status);

// ---- plaintext frames (handshake) ----
struct Hello {
    static constexpr std::string_view kType = "hello";
    static constexpr auto kFields = field_names("versions", "groups", "nonce", "certs");
    std::vector<std::uint64_t> versions;
    std::vector<std::string> groups;
    Bytes nonce;
    std::vector<Bytes> certs;  // DER, leaf first
};
struct ServerHello {
    static constexpr std::string_view kType = "server_hello";
    static constexpr auto kFields = field_names("version", "group", "nonce", "certs");
    std::uint64_t version = 0;
    std::string group;
    Bytes nonce;
    std::vector<Bytes> certs;
};
struct DhServer {
    static constexpr std::string_view kType = "dh_server";
    static constexpr auto kFields = field_names("share", "sig");
    Bytes share;
    Bytes sig;
};
struct DhClient {
    static constexpr std::string_view kType = "dh_client";
    static constexpr auto kFields = field_names("share", "sig");
    Bytes share;
    Bytes sig;
};
struct Error {  // plaintext before the handshake completes, sealed after it
    static constexpr std::string_view kType = "error";
    static constexpr auto kFields = field_names("code", "message");
    std::string code;
    std::string message;
};
struct Record {
    static constexpr std::string_view kType = "record";
    static constexpr auto kFields = field_names("seq", "ct");
    std::uint64_t seq = 0;
    Bytes ct;
};

using Outer = std::variant<Hello, ServerHello, DhServer, DhClient, Error, Record>;

// ---- inside records ----
struct Register {
    static constexpr std::string_view kType = "register";
    static constexpr auto kFields = field_names("email", "username", "password");
    std::string email;
    std::string username;
    crypto::SecretBytes password;
};
struct Login {
    static constexpr std::string_view kType = "login";
    static constexpr auto kFields = field_names("username", "password");
    std::string username;
    crypto::SecretBytes password;
};
struct AuthOk {
    static constexpr std::string_view kType = "auth_ok";
    static constexpr auto kFields = field_names("username", "action");
    std::string username;
    AuthAction action = AuthAction::logged_in;
};
struct ChatDhClient {  // DH #2: the same wire name as the handshake's, inside a record
    static constexpr std::string_view kType = "dh_client";
    static constexpr auto kFields = field_names("share");
    Bytes share;
};
struct ChatDhServer {
    static constexpr std::string_view kType = "dh_server";
    static constexpr auto kFields = field_names("share");
    Bytes share;
};
struct Chat {
    static constexpr std::string_view kType = "msg";
    static constexpr auto kFields = field_names("seqno", "ts", "ct", "sig");
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;
    Bytes ct;
    Bytes sig;
};
struct Ack {
    static constexpr std::string_view kType = "ack";
    static constexpr auto kFields = field_names("seqno", "status", "sig");
    std::uint64_t seqno = 0;
    DeliveryStatus status = DeliveryStatus::delivered;
    Bytes sig;  // the receiver's signature over ack_signed (§6)
};
struct Rekey {
    static constexpr std::string_view kType = "rekey";
    static constexpr auto kFields = field_names("share");
    Bytes share;
};
struct RekeyRequest {
    static constexpr std::string_view kType = "rekey_request";
    static constexpr std::array<std::string_view, 0> kFields{};
};
struct Receipt {
    static constexpr std::string_view kType = "receipt";
    static constexpr auto kFields =
        field_names("peer", "first_seq", "last_seq", "transcript_sha256", "sig");
    std::string peer;  // hex SHA-256 of the peer's leaf certificate
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::string transcript_sha256;  // hex
    Bytes sig;
};

using Inner = std::variant<Register, Login, AuthOk, ChatDhClient, ChatDhServer, Chat, Ack, Rekey,
                           RekeyRequest, Receipt, Error>;

// ---- what each role can receive ----
// `error` (plaintext or sealed) and `record` are handled by SessionBase for both roles; these
// are what reaches a role's own handlers, so a server cannot hold a received `server_hello`.
using ServerInbound = std::variant<Hello, DhClient>;
using ClientInbound = std::variant<ServerHello, DhServer>;
using ServerInboundRecord = std::variant<Register, Login, ChatDhClient, Chat, Ack, Rekey, Receipt>;
using ClientInboundRecord =
    std::variant<AuthOk, ChatDhServer, Chat, Ack, Rekey, RekeyRequest, Receipt>;

template <class T, class Variant>
struct is_alternative;
template <class T, class... Alternatives>
struct is_alternative<T, std::variant<Alternatives...>>
    : std::disjunction<std::is_same<T, Alternatives>...> {};
template <class T, class Variant>
inline constexpr bool is_alternative_v = is_alternative<T, Variant>::value;

template <class Sub, class Variant>
struct is_subset;
template <class... Alternatives, class Variant>
struct is_subset<std::variant<Alternatives...>, Variant>
    : std::conjunction<is_alternative<Alternatives, Variant>...> {};

// No two alternatives of one variant share a wire name (the decoder could not tell them apart).
template <class... Alternatives>
constexpr bool has_distinct_types(const std::variant<Alternatives...>*) {
    constexpr std::array<std::string_view, sizeof...(Alternatives)> names{Alternatives::kType...};
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (std::size_t j = i + 1; j < names.size(); ++j) {
            if (names[i] == names[j]) {
                return false;
            }
        }
    }
    return true;
}
static_assert(has_distinct_types(static_cast<const Outer*>(nullptr)));
static_assert(has_distinct_types(static_cast<const Inner*>(nullptr)));
static_assert(is_subset<ServerInbound, Outer>::value && is_subset<ClientInbound, Outer>::value);
static_assert(is_subset<ServerInboundRecord, Inner>::value &&
              is_subset<ClientInboundRecord, Inner>::value);

template <class... Alternatives>
std::string_view type_name(const std::variant<Alternatives...>& message) {
    return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kType; }, message);
}

// The alternative of `message` as a `To`, or nothing when `To` cannot hold it.
template <class To, class... Alternatives>
std::optional<To> narrow(std::variant<Alternatives...>&& message) {
    return std::visit(
        [](auto&& m) -> std::optional<To> {
            using T = std::decay_t<decltype(m)>;
            if constexpr (is_alternative_v<T, To>) {
                return To{std::forward<decltype(m)>(m)};
            } else {
                return std::nullopt;
            }
        },
        std::move(message));
}

ProtoResult<Outer> decode_outer(std::string_view payload);
// Decodes an inner payload; `payload` may hold a password, so callers wipe it afterwards.
ProtoResult<Inner> decode_inner(std::string_view payload);

std::string encode(const Outer& message);
// The result may hold a password: it is returned in wiped memory.
crypto::SecretBytes encode(const Inner& message);
// `message` encoded for a record; refused (internal) when it is over kMaxInnerPayload bytes,
// so the caller has sealed nothing and spent no sequence number.
ProtoResult<crypto::SecretBytes> encode_for_record(const Inner& message);

// Every word a well-formed message can hold as a key or a fixed value: each kType, each field
// name, each enum's wire spelling (for the fuzz dictionary and its test).
std::vector<std::string_view> wire_vocabulary();

}  // namespace sc::proto::msg
