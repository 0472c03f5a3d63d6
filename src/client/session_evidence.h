// The evidence the client keeps of one chat session, in its transcripts directory: the transcript
// (evidence::SessionFiles, appended as the session goes), the server's certificate beside it (so
// `securechat verify` can be given the receipt's signer), and both receipts at the end. Only
// sessions that reach chat have any: a refused login leaves nothing.
#pragma once

#include <filesystem>
#include <string_view>

#include "client/chat_events.h"
#include "common/ids.h"
#include "common/result.h"
#include "evidence/session_files.h"
#include "pki/certificate.h"
#include "proto/events.h"

namespace sc::client {

class SessionEvidence {
  public:
    // Creates the directory (private), the transcript and the peer certificate file.
    static Result<SessionEvidence> create(const std::filesystem::path& dir,
                                          const SessionId& session_id,
                                          const pki::Certificate& peer);

    // One event::TranscriptAppend's text.
    Status append(std::string_view text) { return files_.append(text); }
    // Both receipts, next to the transcript; what the listener is told about them.
    Result<note::ReceiptSaved> save_receipts(const proto::event::ReceiptsExchanged& e,
                                             const SessionId& session_id,
                                             const pki::Certificate& own_leaf,
                                             const pki::Certificate& peer);

  private:
    SessionEvidence(evidence::SessionFiles files, std::filesystem::path peer_cert_path)
        : files_(std::move(files)), peer_cert_path_(std::move(peer_cert_path)) {}

    evidence::SessionFiles files_;
    std::filesystem::path peer_cert_path_;
};

}  // namespace sc::client
