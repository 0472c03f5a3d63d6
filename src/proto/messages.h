// Every message of docs/PROTOCOL.md §2 as its own type, with strict decoding and encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret.h"
#include "proto/errors.h"

namespace sc::proto::msg {

// ---- plaintext frames (handshake) ----
struct Hello {
    std::vector<std::uint64_t> versions;
    std::vector<std::string> groups;
    Bytes nonce;
    std::vector<Bytes> certs;  // DER, leaf first
};
struct ServerHello {
    std::uint64_t version = 0;
    std::string group;
    Bytes nonce;
    std::vector<Bytes> certs;
};
struct DhServer {
    Bytes share;
    Bytes sig;
};
struct DhClient {
    Bytes share;
    Bytes sig;
};
struct Error {
    std::string code;
    std::string message;
};
struct Record {
    std::uint64_t seq = 0;
    Bytes ct;
};

using Outer = std::variant<Hello, ServerHello, DhServer, DhClient, Error, Record>;

// ---- inside records ----
struct Register {
    std::string email;
    std::string username;
    crypto::SecretBytes password;
};
struct Login {
    std::string username;
    crypto::SecretBytes password;
};
struct AuthOk {
    std::string username;
    std::string action;  // "registered" or "logged_in"
};
struct ChatDhClient {
    Bytes share;
};
struct ChatDhServer {
    Bytes share;
};
struct Chat {  // wire type "msg"
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;
    Bytes ct;
    Bytes sig;
};
struct Ack {
    std::uint64_t seqno = 0;
    std::string status;
    Bytes sig;  // the receiver's signature over ack_signed (§6)
};
struct Rekey {
    Bytes share;
};
struct RekeyRequest {};
struct Receipt {
    std::string peer;  // hex SHA-256 of the peer's leaf certificate
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::string transcript_sha256;  // hex
    Bytes sig;
};

using Inner = std::variant<Register, Login, AuthOk, ChatDhClient, ChatDhServer, Chat, Ack, Rekey,
                           RekeyRequest, Receipt, Error>;

ProtoResult<Outer> decode_outer(std::string_view payload);
// Decodes an inner payload; `payload` may hold a password, so callers wipe it afterwards.
ProtoResult<Inner> decode_inner(std::string_view payload);

std::string encode(const Outer& message);
// The result may hold a password: it is returned in wiped memory.
crypto::SecretBytes encode(const Inner& message);

std::string_view type_name(const Outer& message);
std::string_view type_name(const Inner& message);

}  // namespace sc::proto::msg
