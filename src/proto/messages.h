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
#include "proto/principal.h"

namespace sc::proto::msg {

template <class... Names>
constexpr std::array<std::string_view, sizeof...(Names)> field_names(Names... names) {
    return {std::string_view(names)...};
}

// Outcomes that travel as strings; the codec alone spells them (§2).
enum class AuthAction { registered, logged_in };
enum class DeliveryStatus { delivered };
enum class FriendOp { request, accept, decline, remove };
enum class UserOp { disable, enable, kick };
enum class FriendEventKind { request, added, removed };
std::string_view wire_name(AuthAction action);
std::string_view wire_name(DeliveryStatus status);
std::string_view wire_name(FriendOp op);
std::string_view wire_name(UserOp op);
std::string_view wire_name(FriendEventKind kind);

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

// ---- users (§2.3): requests with an `id`, answered once; pushes; the end of a session ----
// A request names the least role that may make it; a lesser one is answered `forbidden`.
struct FriendCommand {
    static constexpr std::string_view kType = "friend";
    static constexpr auto kFields = field_names("id", "op", "user");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    FriendOp op = FriendOp::request;
    std::string user;
};
struct ListFriends {
    static constexpr std::string_view kType = "list_friends";
    static constexpr auto kFields = field_names("id");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
};
struct Who {
    static constexpr std::string_view kType = "who";
    static constexpr auto kFields = field_names("id");
    static constexpr Role kLeastRole = Role::admin;
    std::uint64_t id = 0;
};
struct UserAdd {
    static constexpr std::string_view kType = "user_add";
    static constexpr auto kFields = field_names("id", "email", "username", "password");
    static constexpr Role kLeastRole = Role::admin;
    std::uint64_t id = 0;
    std::string email;
    std::string username;
    crypto::SecretBytes password;
};
struct UserCommand {
    static constexpr std::string_view kType = "user_admin";
    static constexpr auto kFields = field_names("id", "op", "user");
    static constexpr Role kLeastRole = Role::admin;
    std::uint64_t id = 0;
    UserOp op = UserOp::kick;
    std::string user;
};
struct Result {  // the answer to any request; `code` none = "ok"
    static constexpr std::string_view kType = "result";
    static constexpr auto kFields = field_names("id", "code", "message");
    std::uint64_t id = 0;
    std::optional<ErrorCode> code;
    std::string message;
};
struct FriendList {  // the answer to list_friends
    static constexpr std::string_view kType = "friend_list";
    static constexpr auto kFields = field_names("id", "friends", "online", "incoming", "outgoing");
    std::uint64_t id = 0;
    std::vector<std::string> friends;
    std::vector<std::string> online;  // the friends who are online now
    std::vector<std::string> incoming;
    std::vector<std::string> outgoing;
};
struct WhoEntry {  // one connected device
    static constexpr auto kFields = field_names("user", "device", "name", "since");
    std::string user;
    std::string device;       // the device id: the certificate's SHA-256, 64 hex digits
    std::string name;         // the device name from the certificate
    std::uint64_t since = 0;  // unix ms of the session's login
};
struct WhoList {  // the answer to who
    static constexpr std::string_view kType = "who_list";
    static constexpr auto kFields = field_names("id", "sessions", "truncated");
    std::uint64_t id = 0;
    std::vector<WhoEntry> sessions;
    bool truncated = false;  // more sessions than kMaxWhoEntries
};
struct Presence {
    static constexpr std::string_view kType = "presence";
    static constexpr auto kFields = field_names("user", "online");
    std::string user;
    bool online = false;
};
struct FriendEvent {
    static constexpr std::string_view kType = "friend_event";
    static constexpr auto kFields = field_names("event", "user");
    FriendEventKind event = FriendEventKind::request;
    std::string user;
};
struct SessionEnd {  // why the server ends this session; its receipt follows
    static constexpr std::string_view kType = "session_end";
    static constexpr auto kFields = field_names("code", "message");
    ErrorCode code = ErrorCode::kicked;
    std::string message;
};

// ---- end to end (§2.4): prekeys, devices, bundles, the relay of opaque envelopes ----
// The server keeps and hands out keys and relays envelopes; it can read none of them, and the
// client believes none of it without the signatures of §10.
struct OneTimePrekey {  // an item of `prekeys`
    static constexpr auto kFields = field_names("key_id", "key", "ts", "sig");
    std::uint64_t key_id = 0;  // never 0
    Bytes key;                 // X25519 public key, kPrekeyBytes
    std::uint64_t ts = 0;      // unix ms when it was made
    Bytes sig;                 // the device key's signature over prekey_signed (§10.2)
};
struct PublishPrekeys {  // this device's prekeys; with neither part, a status query
    static constexpr std::string_view kType = "prekeys";
    static constexpr auto kFields =
        field_names("id", "spk_id", "spk", "spk_ts", "spk_sig", "one_time");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    std::uint64_t spk_id = 0;  // 0: no new signed prekey (spk, spk_sig empty, spk_ts 0)
    Bytes spk;
    std::uint64_t spk_ts = 0;
    Bytes spk_sig;
    std::vector<OneTimePrekey> one_time;  // at most kMaxOneTimePrekeysPerPublish
};
struct PrekeyStatus {  // the answer to prekeys: what the server holds for this device now
    static constexpr std::string_view kType = "prekey_status";
    static constexpr auto kFields = field_names("id", "spk_id", "spk_ts", "one_time_left");
    std::uint64_t id = 0;
    std::uint64_t spk_id = 0;  // 0: none yet
    std::uint64_t spk_ts = 0;
    std::uint64_t one_time_left = 0;
};
struct ListDevices {
    static constexpr std::string_view kType = "devices";
    static constexpr auto kFields = field_names("id", "user");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    std::string user;
};
struct DeviceEntry {  // an item of device_list
    static constexpr auto kFields = field_names("device", "name");
    std::string device;  // the device id: SHA-256 of its certificate, 64 lowercase hex digits
    std::string name;    // its device name (a hint: the certificate in key_bundle is the truth)
};
struct DeviceList {  // the answer to devices: the user's devices that have a signed prekey
    static constexpr std::string_view kType = "device_list";
    static constexpr auto kFields = field_names("id", "user", "devices");
    std::uint64_t id = 0;
    std::string user;
    std::vector<DeviceEntry> devices;  // at most kMaxDevicesPerUser
};
struct FetchBundle {
    static constexpr std::string_view kType = "bundle";
    static constexpr auto kFields = field_names("id", "user", "device");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    std::string user;
    std::string device;  // 64 lowercase hex digits
};
struct KeyBundle {  // the answer to bundle; it hands out its one-time prekey only this once
    static constexpr std::string_view kType = "key_bundle";
    static constexpr auto kFields =
        field_names("id", "user", "device", "cert", "spk_id", "spk", "spk_ts", "spk_sig", "otk_id",
                    "otk", "otk_ts", "otk_sig");
    std::uint64_t id = 0;
    std::string user;
    std::string device;
    Bytes cert;  // the device's certificate, DER
    std::uint64_t spk_id = 0;
    Bytes spk;
    std::uint64_t spk_ts = 0;
    Bytes spk_sig;
    std::uint64_t otk_id = 0;  // 0: none left (otk, otk_sig empty, otk_ts 0)
    Bytes otk;
    std::uint64_t otk_ts = 0;
    Bytes otk_sig;
};
struct Relay {  // hand one envelope to one device of a user
    static constexpr std::string_view kType = "send";
    static constexpr auto kFields = field_names("id", "to", "device", "mid", "body");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    std::string to;
    std::string device;  // 64 lowercase hex digits
    Bytes mid;           // kMessageIdBytes: the sender's id of this envelope
    Bytes body;          // opaque to the server, at most kMaxEnvelopeBytes (§10.5)
};
struct Envelope {  // push: a stored envelope for this device, until it says `received`
    static constexpr std::string_view kType = "envelope";
    static constexpr auto kFields = field_names("from", "device", "mid", "held", "ts", "body");
    std::string from;    // the sending account (a username)
    std::string device;  // the sending device id, 64 lowercase hex digits
    Bytes mid;
    std::uint64_t held = 0;  // the server's id of this stored copy (never 0), for `received`
    std::uint64_t ts = 0;    // unix ms when the server committed it (its `stored` statement's ts)
    Bytes body;
};
// Issue 12 (§2.4, §10.6): nothing is lost. `send` is answered, once the envelope is durably
// committed, by the server's signed `stored` statement; the recipient device says `received`
// once it has durably taken what it was pushed, and only then is the stored copy deleted.
struct Stored {  // the answer to send: committed, kept for this device until `expires`
    static constexpr std::string_view kType = "stored";
    static constexpr auto kFields = field_names("id", "held", "ts", "expires", "sig");
    std::uint64_t id = 0;
    std::uint64_t held = 0;     // the server's id of the stored copy (never 0)
    std::uint64_t ts = 0;       // unix ms of the commit
    std::uint64_t expires = 0;  // unix ms after which it is deleted undelivered (> ts)
    Bytes sig;  // the server certificate key's signature over §10.6 (≤ kMaxSigBytes)
};
struct Received {  // this device holds these pushed envelopes durably: delete them
    static constexpr std::string_view kType = "received";
    static constexpr auto kFields = field_names("id", "held");
    static constexpr Role kLeastRole = Role::user;
    std::uint64_t id = 0;
    std::vector<std::uint64_t> held;  // 1 to kMaxReceivedPerRequest ids, none 0, none twice
};

using Inner = std::variant<Register, Login, AuthOk, ChatDhClient, ChatDhServer, Chat, Ack, Rekey,
                           RekeyRequest, Receipt, Error, FriendCommand, ListFriends, Who, UserAdd,
                           UserCommand, Result, FriendList, WhoList, Presence, FriendEvent,
                           SessionEnd, PublishPrekeys, PrekeyStatus, ListDevices, DeviceList,
                           FetchBundle, KeyBundle, Relay, Envelope, Stored, Received>;

// What a client may ask, what answers it, and what the server tells unasked.
using Request = std::variant<FriendCommand, ListFriends, Who, UserAdd, UserCommand, PublishPrekeys,
                             ListDevices, FetchBundle, Relay, Received>;
using Answer =
    std::variant<Result, FriendList, WhoList, PrekeyStatus, DeviceList, KeyBundle, Stored>;
using Push = std::variant<Presence, FriendEvent, Envelope>;

template <class... Alternatives>
std::uint64_t request_id(const std::variant<Alternatives...>& message) {
    return std::visit([](const auto& m) { return m.id; }, message);
}
template <class... Alternatives>
Role least_role(const std::variant<Alternatives...>& request) {
    return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kLeastRole; }, request);
}

// ---- what each role can receive ----
// `error` (plaintext or sealed) and `record` are handled by SessionBase for both roles; these
// are what reaches a role's own handlers, so a server cannot hold a received `server_hello`.
using ServerInbound = std::variant<Hello, DhClient>;
using ClientInbound = std::variant<ServerHello, DhServer>;
using ServerInboundRecord = std::variant<Register, Login, ChatDhClient, Chat, Ack, Rekey, Receipt,
                                         FriendCommand, ListFriends, Who, UserAdd, UserCommand,
                                         PublishPrekeys, ListDevices, FetchBundle, Relay, Received>;
using ClientInboundRecord =
    std::variant<AuthOk, ChatDhServer, Chat, Ack, Rekey, RekeyRequest, Receipt, Result, FriendList,
                 WhoList, Presence, FriendEvent, SessionEnd, PrekeyStatus, DeviceList, KeyBundle,
                 Envelope, Stored>;

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
static_assert(is_subset<Request, ServerInboundRecord>::value &&
              is_subset<Answer, ClientInboundRecord>::value &&
              is_subset<Push, ClientInboundRecord>::value);

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
