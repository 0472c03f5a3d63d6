// The pure parts of the client's end-to-end messaging (e2e_messaging.h), tested directly:
//   - which devices one /msg goes to (copy_targets);
//   - the per-conversation transcript on disk (ConversationLog, issue 12 item 7): an
//     append-only JSON-lines file data_dir/e2e/<own fingerprint hex>/conversations/<peer>.jsonl
//     (0600), each line fsync'd, in the format of evidence/conversation_transcript.h: a header
//     line first, then sent (per device copy), received, stored (with the server's certificate),
//     delivered (the whole kind-2 envelope), warning and expired lines.
// What we sent to each device, to check its delivered statement against, is in the history
// (history_store.h), so statements arriving in a later session still match.
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

class ConversationLog {
  public:
    // The transcripts of user `me` on device `own_fp_hex`, in `dir`.
    ConversationLog(std::filesystem::path dir, std::string me, std::string own_fp_hex)
        : dir_(std::move(dir)), me_(std::move(me)), own_fp_(std::move(own_fp_hex)) {}
    // Appends one line (a builder's of evidence/conversation_transcript.h) to `peer`'s file,
    // fsync'd; a new file (created 0600) gets the header line first. `peer` is a checked
    // username.
    Status append(const std::string& peer, const std::string& json_line,
                  std::uint64_t now_ms) const;
    std::filesystem::path file_of(const std::string& peer) const;

    static std::string warning_line(std::uint64_t ts, const note::Warning& w);

  private:
    std::filesystem::path dir_;
    std::string me_, own_fp_;
};

}  // namespace sc::client
