// A session's evidence on disk (docs/PROTOCOL.md §7), written by both the server and the client:
//   <dir>/<session_id hex>.transcript          0600, append-only, one write per TranscriptAppend
//   <dir>/<session_id hex>.receipt.own.json    0644, our receipt, written at the end
//   <dir>/<session_id hex>.receipt.peer.json   0644, the peer's receipt
#pragma once

#include <filesystem>
#include <string_view>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "pki/certificate.h"
#include "proto/messages.h"

namespace sc::evidence {

class SessionFiles {
  public:
    // Creates the transcript file; fails if it exists (a session id never repeats, so an
    // existing file is someone else's, or a symlink planted for us to write through).
    static Result<SessionFiles> create(const std::filesystem::path& dir,
                                       const SessionId& session_id);

    SessionFiles(SessionFiles&& other) noexcept;
    SessionFiles& operator=(SessionFiles&&) = delete;
    SessionFiles(const SessionFiles&) = delete;
    SessionFiles& operator=(const SessionFiles&) = delete;
    ~SessionFiles();

    // Appends the text of one event::TranscriptAppend (the header first, then the lines).
    Status append(std::string_view text);

    // Syncs the transcript, then writes both receipt files atomically. `session_id` must be the
    // one the files were created for. `own` is signed by own_leaf's key, `peer` by peer_leaf's.
    Status save_receipts(const proto::msg::Receipt& own, const proto::msg::Receipt& peer,
                         const SessionId& session_id, const pki::Certificate& own_leaf,
                         const pki::Certificate& peer_leaf);

    // Made when asked, not kept: a session holds one path (at 10,000 idle sessions, three more
    // paths and their component lists would be megabytes).
    std::filesystem::path transcript_path() const { return file(".transcript"); }
    std::filesystem::path own_receipt_path() const { return file(".receipt.own.json"); }
    std::filesystem::path peer_receipt_path() const { return file(".receipt.peer.json"); }

  private:
    SessionFiles(std::filesystem::path dir, SessionId session_id, int fd);

    std::filesystem::path file(std::string_view suffix) const;

    std::filesystem::path dir_;
    SessionId session_id_;
    int fd_ = -1;
};

}  // namespace sc::evidence
