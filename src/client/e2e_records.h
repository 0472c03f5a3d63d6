// The pure parts of the client's end-to-end messaging (e2e_messaging.h), tested directly:
//   - which devices one /msg goes to (copy_targets);
//   - what we sent to each device, to check its delivered statement against (SentLedger);
//   - the per-conversation record on disk (ConversationLog): an append-only JSON-lines file
//     data_dir/e2e/<own fingerprint hex>/conversations/<peer>.jsonl (0600), one object a line:
//       {"event":"sent", "ts", "to", "device", "fingerprint", "seq", "mid", "envelope", "sig",
//        "commit"}  one per device copy (envelope: the whole envelope, hex);
//       {"event":"received", "ts", "from", "device", "fingerprint", "seq", "mid", "envelope",
//        "sig", "commit"};
//       {"event":"delivered", "ts", "to", "device", "fingerprint", "seq", "mid"};
//       {"event":"warning", "ts", "code", "user", "device", "old_fingerprint", "fingerprint",
//        "message"}.
//     Issue 12 formalizes transcripts; this one keeps what a later check needs (the envelopes
//     carry the signatures and commitments) and every security warning.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/chat_events.h"
#include "common/bytes.h"
#include "common/result.h"
#include "e2e/device_sessions.h"
#include "proto/messages.h"

namespace sc::client {

// What protects a message, for the interfaces (never a key).
note::Protection protection_of(const e2e::MessageDetails& details);

// One device copy of a message: to whom, and which device (the server's device_list entry).
struct CopyTarget {
    std::string user;  // canonical
    std::string fingerprint;
    std::string name;  // the server's hint; the certificate's name is the truth
};
// The devices of `to` and our own other devices (not `own_fp`), each once, in the server's order.
std::vector<CopyTarget> copy_targets(const std::string& to, const proto::msg::DeviceList& theirs,
                                     const std::string& me, const proto::msg::DeviceList& ours,
                                     const std::string& own_fp);

// What we sealed for one device, until its delivered statement arrives. Bounded: the oldest
// entries go first past kMaxEntries.
class SentLedger {
  public:
    static constexpr std::size_t kMaxEntries = 4096;
    struct Entry {
        std::string to;
        std::string device;  // name
        std::uint64_t seq = 0;
        Bytes envelope_sha256;
        bool delivered = false;
    };
    void record(const std::string& mid_hex, const std::string& fp_hex, Entry entry);
    Entry* find(const std::string& mid_hex, const std::string& fp_hex);
    std::size_t size() const { return entries_.size(); }

  private:
    std::map<std::string, Entry> entries_;  // mid hex + "/" + fp hex
    std::deque<std::string> order_;
};

class ConversationLog {
  public:
    explicit ConversationLog(std::filesystem::path dir) : dir_(std::move(dir)) {}
    // Appends one line to `peer`'s file (created 0600); `peer` is a checked username.
    Status append(const std::string& peer, const std::string& json_line) const;
    std::filesystem::path file_of(const std::string& peer) const;

    static std::string warning_line(std::uint64_t ts, const note::Warning& w);
    static std::string envelope_line(const char* event, std::uint64_t ts, const char* party_key,
                                     const std::string& party, const std::string& device,
                                     const std::string& fingerprint, std::uint64_t seq,
                                     const std::string& mid, ByteView envelope,
                                     const note::Protection& p);
    static std::string delivered_line(std::uint64_t ts, const note::Delivered& d);

  private:
    std::filesystem::path dir_;
};

}  // namespace sc::client
