// The client's conversation history (issue 12 item 10): a local SQLite database,
// data_dir/e2e/<own fp hex>/history.db (0600, synchronous=FULL, so every commit is fsync'd),
// with every end-to-end message this device sent or accepted: its text, salt, ids and times,
// and, for what we sent, each device copy's state (sent, stored, delivered, expired, refused).
// It is also what the sender checks a delivered statement against (the copy's H(envelope) and
// seqno), so a statement that arrives in a later session is still matched.
//
// The client talks to SQLite directly (sqlite3, prepared statements only) rather than through
// src/store, which is the server's accounts layer and links MariaDB.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace sc::client {

// Messages one /history or a conversation opening shows at most, and by default.
inline constexpr std::size_t kMaxHistoryShown = 500;
inline constexpr std::size_t kDefaultHistoryShown = 20;

// A copy's state only moves forward: sent → stored → delivered; stored → expired; a signed
// delivered statement still counts after an expiry. refused: the server said no (an error).
enum class CopyState { sent = 0, stored = 1, delivered = 2, expired = 3, refused = 4 };
const char* copy_state_name(CopyState state);

struct HistoryCopy {
    std::string to;           // the device's user (the recipient, or ourselves)
    std::string device;       // its name
    std::string fingerprint;  // hex
    Bytes envelope_sha256;
    CopyState state = CopyState::sent;
    std::uint64_t held = 0, stored_ts = 0, expires = 0, delivered_ts = 0;
    std::string refused_code;  // state refused: why
};

struct HistoryMessage {
    std::string peer;         // the conversation's other user
    bool outgoing = true;     // sent by this user (from this device, or another of ours)
    std::string from;         // the sending user
    std::string device;       // the sending device's name
    std::string fingerprint;  // the sending device, hex
    std::string mid;          // hex
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;           // the message's own (signed) time
    std::uint64_t recorded_ts = 0;  // when this device kept it
    std::string text;
    Bytes salt;
    std::vector<HistoryCopy> copies;  // outgoing from this device only
};

// One message's mark for the interfaces, from its copies to the recipient (not our other
// devices): "delivered" when every such copy is, "stored" when every one is at least stored,
// "expired" when one expired undelivered, "refused" when all were refused, else "sent".
// Received messages are "received".
std::string message_mark(const HistoryMessage& m);

// A delivered statement (§10.5) this device signed for a message it accepted, kept until the
// server has stored it for the sender's device: a crash, a lost connection or a refusal between
// the `received` and the server's answer would otherwise lose the sender's delivered mark.
struct PendingDelivered {
    std::string mid;      // hex, the message's
    std::string fp;       // hex, the sender's device (the statement's recipient)
    std::string to_user;  // that device's user
    Bytes body;           // the kind-2 envelope
    std::uint64_t created_ts = 0;
};
// At most this many are kept; each login sends them all again (in batches of this size).
inline constexpr std::size_t kMaxPendingDelivered = 10000;

class HistoryStore {
  public:
    // Opens (creating, 0600) the database at `path` and its schema.
    static Result<std::unique_ptr<HistoryStore>> open(const std::filesystem::path& path);
    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    // One message and its copies, and the delivered statement for it when there is one, in one
    // transaction (committed before it returns): a message kept is never without its statement.
    Status record(const HistoryMessage& m, const PendingDelivered* statement = nullptr);

    // Statements not yet stored by the server, oldest first (at most `limit`).
    Result<std::vector<PendingDelivered>> pending_delivered(std::size_t limit);
    // The server stored it (or refused it for good): it is not sent again.
    Status forget_delivered(const std::string& mid_hex, const std::string& fp_hex);
    // Drops statements made before `before_ms` (older than any held message lives); returns
    // how many.
    Result<std::size_t> drop_pending_before(std::uint64_t before_ms);
    // Whether the message (mid from that sending device) is already kept.
    Result<bool> has(const std::string& mid_hex, const std::string& sender_fp_hex);

    // Our copy `mid` for device `fp`, or nullopt.
    Result<std::optional<HistoryCopy>> copy(const std::string& mid_hex, const std::string& fp_hex);
    // Seqno of our message `mid` (0 when unknown).
    Result<std::uint64_t> seq_of(const std::string& mid_hex);
    Status mark_stored(const std::string& mid_hex, const std::string& fp_hex, std::uint64_t held,
                       std::uint64_t stored_ts, std::uint64_t expires);
    Status mark_delivered(const std::string& mid_hex, const std::string& fp_hex,
                          std::uint64_t delivered_ts);
    Status mark_refused(const std::string& mid_hex, const std::string& fp_hex,
                        const std::string& code);

    // Copies that are stored, undelivered, with `expires` ≤ now: each turned expired and
    // returned with its message's peer, mid and seq (at most `limit`).
    struct Expired {
        std::string peer, mid;
        std::uint64_t seq = 0;
        HistoryCopy copy;
    };
    Result<std::vector<Expired>> expire_due(std::uint64_t now_ms, std::size_t limit);
    // The earliest `expires` of a stored, undelivered copy, if any.
    Result<std::optional<std::uint64_t>> next_expiry();

    // The last `n` (≤ kMaxHistoryShown) messages with `peer`, oldest first.
    Result<std::vector<HistoryMessage>> recent(const std::string& peer, std::size_t n);
    // One message of the conversation with `peer` by mid (ours or theirs).
    Result<std::optional<HistoryMessage>> find(const std::string& peer, const std::string& mid_hex);

  private:
    struct Db;
    explicit HistoryStore(std::unique_ptr<Db> db);
    Status load_copies(HistoryMessage& m, std::int64_t row);
    std::unique_ptr<Db> db_;
};

}  // namespace sc::client
