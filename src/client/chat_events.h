// What a chat session tells its user interface, independent of how it is shown: line mode prints
// these as text or JSON, a full-screen interface draws them. The names match the `event` field
// of `securechat chat --json`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace sc::client {

namespace note {
struct Connected {            // handshake done: the server proved it holds a certificate we accept
    std::string server;       // "127.0.0.1:6000"
    std::string server_name;  // the name its certificate was checked for
    std::string subject;      // its certificate's common name
    std::string fingerprint;  // SHA-256 of its certificate, "AB:CD:..."
    std::string session_id;   // hex
};
struct Registered {  // account created and logged in; chat keys installed
    std::string username;
};
struct LoggedIn {
    std::string username;
};
// What protects one end-to-end message (docs/PROTOCOL.md §10.5), for /details: never a key.
struct Protection {
    std::string ciphertext_hex;  // the start of ct, hex, shortened
    std::size_t ciphertext_bytes = 0;
    std::string ct_sha256;       // hex
    std::string signature_hex;   // hex
    std::string commitment_hex;  // hex
    std::string sender_fp;       // hex: the signing device's certificate SHA-256
    std::string ratchet_key_fp;  // hex SHA-256 of the ratchet public key in the header
    std::uint32_t ratchet_n = 0;
    std::uint32_t ratchet_pn = 0;
    bool initial = false;  // it carried the X3DH init fields (§10.3)
};
struct Sent {
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;  // ms since 1970, our clock, signed into the message
    std::string text;
    // A message to a user (/msg, end to end, docs/PROTOCOL.md §10); empty for one to the server.
    std::string to;           // the user it went to
    std::string mid;          // hex: the message id, the same in every device's copy
    std::size_t devices = 0;  // the device copies the server took (theirs and our other ones)
    Protection protection;    // of the copy to the recipient's first device
};
struct Acked {
    std::uint64_t seqno = 0;
};
struct Rekeyed {  // a fresh DH exchange replaced the session key (docs/PROTOCOL.md §4.2)
    std::uint32_t epoch = 0;
};
struct Message {
    std::string from;  // the sender's certificate common name
    std::uint64_t seqno = 0;
    std::uint64_t ts = 0;
    std::string text;
    // From a user, end to end (§10); empty for a message of the server's.
    std::string device;        // the sending device's name (its certificate's)
    std::string fingerprint;   // the sending device's id, hex
    std::string conversation;  // the other user of the conversation, seen from us: `from`,
                               // or whom we wrote to when it is our own copy from another device
    std::string mid;           // hex
    Protection protection;
};
// One device copy of a /msg and what the server did with it.
struct Relayed {
    std::string to;
    std::string device;  // name
    std::string fingerprint;
    std::uint64_t seqno = 0;
    std::string mid;
    std::string status;  // "relayed", or an error code: "quota_exceeded", ...
};
// A recipient device's signed delivered statement (§10.5), checked.
struct Delivered {
    std::string to;
    std::string device;  // name
    std::string fingerprint;
    std::uint64_t seqno = 0;
    std::string mid;
    std::uint64_t ts = 0;  // when that device accepted it, by its clock
};
// The server's signed stored statement for one copy (§10.6), checked with the certificate of
// this session's handshake: the server has committed it and keeps it until `expires`.
struct Stored {
    std::string to;
    std::string device;  // name
    std::string fingerprint;
    std::uint64_t seqno = 0;
    std::string mid;
    std::uint64_t expires = 0;  // unix ms
};
// A stored copy whose `expires` passed with no delivered statement: the server dropped it.
struct Expired {
    std::string to;
    std::string device;  // name
    std::string fingerprint;
    std::uint64_t seqno = 0;
    std::string mid;
};
// The answer to /history USER [N] (and what a conversation shows when it opens): the messages
// kept in this device's history (history_store.h), oldest first.
struct HistoryCopy {
    std::string to;
    std::string device;  // name
    std::string fingerprint;
    std::string state;          // "sent", "stored", "delivered", "expired", "refused"
    std::uint64_t expires = 0;  // once stored
    std::uint64_t delivered_ts = 0;
};
struct HistoryEntry {
    bool outgoing = false;
    std::string from;  // the sending user
    std::string device;
    std::string fingerprint;
    std::uint64_t seqno = 0;
    std::string mid;
    std::uint64_t ts = 0;
    std::string text;
    std::string mark;  // "received", or the message's mark (history_store.h message_mark)
    std::vector<HistoryCopy> copies;
};
struct History {
    std::string with;  // the conversation's other user
    std::vector<HistoryEntry> messages;
};
// Something the user must know about a conversation's security: a device added or changed
// for a known contact (with both fingerprints), or an envelope replayed, out of order, or
// missing. Recorded in the conversation's transcript too.
struct Warning {
    std::string code;  // "device_added", "device_changed", "replayed", "out_of_order",
                       // "messages_missing"
    std::string user;
    std::string device;           // name
    std::string old_fingerprint;  // device_changed: the pinned one
    std::string fingerprint;      // the one seen now
    std::string message;          // plain words
};
struct KnownDevice {
    std::string name;
    std::string fingerprint;
    std::uint64_t first_seen = 0;     // unix ms
    std::string state;                // "trusted", "changed" (held until /trust), "refused"
    std::string pending_fingerprint;  // the changed certificate's, when state is "changed"
};
struct Devices {  // the answer to /devices USER
    std::string user;
    std::vector<KnownDevice> devices;
};
struct ReceiptSaved {  // the session ended properly; its evidence is on disk
    std::filesystem::path transcript;
    std::filesystem::path own_receipt;
    std::filesystem::path peer_receipt;
    std::filesystem::path peer_cert;
    std::string transcript_sha256;
};
// Something went wrong, in words a user can act on (client/errors_text.h). `code` is a protocol
// error code (docs/PROTOCOL.md §8) when the failure comes from the protocol, else one of
// client::code.
struct Error {
    std::string code;
    std::string message;
};
struct Closed {  // the connection is gone; "quit", "error", "kicked" or "aborted"
    std::string reason;
};

// ---- users (docs/PROTOCOL.md §2.3): answers to requests and the server's pushes ----
// Every string in them comes from the server: shown only through display_text.
struct Done {             // a request succeeded (a `result` without a code)
    std::string request;  // its wire type: "friend", "user_add", "user_admin"
    std::string op;       // "request", "accept", ..., "add", "disable", "kick"; may be empty
    std::string user;     // whom it was about; may be empty
    std::string message;  // the server's words, may be empty
};
struct FriendRequest {  // someone asks to be our friend
    std::string from;
};
struct FriendAdded {  // a request was accepted, either way
    std::string user;
};
struct FriendRemoved {
    std::string user;
};
struct Friend {
    std::string user;
    bool online = false;
};
struct Friends {  // the answer to /friends
    std::vector<Friend> friends;
    std::vector<std::string> incoming;  // requests to us, to accept or decline
    std::vector<std::string> outgoing;  // our requests, not answered yet
};
struct Presence {
    std::string user;
    bool online = false;
};
struct Device {
    std::string id;  // the device id: its certificate's SHA-256, hex
    std::string name;
    std::uint64_t since = 0;  // unix ms of this session's login
};
struct ConnectedUser {
    std::string user;
    std::vector<Device> devices;
    std::uint64_t since = 0;  // the earliest of its devices' logins, unix ms
};
struct Who {  // the answer to /who: connected users, each with its devices
    std::vector<ConnectedUser> users;
    bool truncated = false;  // the server had more sessions than it may list
};
struct Kicked {           // the server ended this session (session_end); receipts follow
    std::string code;     // "kicked", "account_disabled", ...
    std::string message;  // in plain words (client/errors_text.h)
};
}  // namespace note

using Notification =
    std::variant<note::Connected, note::Registered, note::LoggedIn, note::Sent, note::Acked,
                 note::Rekeyed, note::Message, note::ReceiptSaved, note::Error, note::Closed,
                 note::Done, note::FriendRequest, note::FriendAdded, note::FriendRemoved,
                 note::Friends, note::Presence, note::Who, note::Kicked, note::Relayed,
                 note::Delivered, note::Warning, note::Devices, note::Stored, note::Expired,
                 note::History>;

// The `event` name of a notification in JSON output: "connected", "ack", "receipt_saved", ...
const char* notification_name(const Notification& n);

class ChatListener {
  public:
    virtual ~ChatListener() = default;
    // Called on the controller's io_context thread, in the order things happened. It must not
    // call back into the controller synchronously (post instead).
    virtual void notify(const Notification& n) = 0;
};

// A command's result. Every failure is also reported to the listener as a note::Error, once, so
// interfaces show errors from notifications and use outcomes only to sequence commands.
using Outcome = Result<void, note::Error>;

}  // namespace sc::client
