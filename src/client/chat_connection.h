// One connection of a ChatController, private to chat_controller*.cpp: the shared transport, the
// protocol session it feeds, the session's evidence, and what the controller tracks about how
// the connection ends. The transport's callbacks go back to the controller.
#pragma once

#include <optional>

#include "client/chat_controller.h"
#include "client/session_evidence.h"
#include "net/framed_connection.h"

namespace sc::client {

struct ChatController::Connection final : net::FramedConnection::Handler,
                                          std::enable_shared_from_this<ChatController::Connection> {
    Connection(ChatController& owner, proto::ClientConfig config);

    // net::FramedConnection::Handler
    void on_bytes(ByteView bytes) override;
    // An end of stream or a reset needs no words here: finalize() says what the end means.
    void on_stream_error(net::FramedConnection::Side, const asio::error_code&) override {}
    void on_tick(Clock::time_point now) override;

    // Flush what is queued, then close (within kClosingGrace).
    void mark_closing();

    ChatController& owner;
    net::FramedConnection transport;
    asio::steady_timer connect_timer;  // bounds resolve + connect
    proto::ClientSession session;
    Clock::time_point handshake_deadline{};
    bool aborted = false;  // by abort() or a quit before the handshake: no error to report
    bool quit_requested = false;
    bool needs_receipts = false;  // quit while chatting: a clean end has receipts
    bool receipts_saved = false;
    std::optional<note::Error> error;  // why it ended, already told to the listener
    bool ended_by_server = false;      // session_end: told as note::Kicked
    std::optional<pki::Certificate> peer;
    std::vector<pki::Certificate> peer_certs;  // the server's, as presented (leaf first)
    SessionId session_id;
    std::optional<SessionEvidence> evidence;
};

}  // namespace sc::client
