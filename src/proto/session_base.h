// What both roles share: the frame loop, the channel, and failing safely — on any bad input a
// session sends `error` (sealed when keys exist), reports Failed, asks to close, and then ignores
// everything else.
#pragma once

#include <memory>

#include "pki/verify.h"
#include "proto/channel.h"
#include "proto/environment.h"
#include "proto/events.h"
#include "proto/wire/framer.h"

namespace sc::proto {

class SessionBase {
  public:
    virtual ~SessionBase() = default;
    SessionBase(const SessionBase&) = delete;
    SessionBase& operator=(const SessionBase&) = delete;

    // Feeds bytes received from the peer.
    Output receive(ByteView bytes);
    bool finished() const { return finished_; }
    // Ends the session on our side's initiative (timeout, revoked peer, shutdown before chat):
    // sends `error` with this code and asks to close.
    Output terminate(ErrorCode code, const std::string& message);
    // Seals any inner message regardless of the phase: lets tests play a misbehaving peer.
    Output send_inner_for_test(const msg::Inner& message);
    // Nullptr until the handshake completes.
    const SecureChannel* channel() const { return channel_.get(); }

  protected:
    SessionBase(const Clock& clock, Entropy& entropy) : clock_(clock), entropy_(entropy) {}

    virtual ProtoResult<bool> on_handshake(const Frame& frame, msg::Outer message, Output& out) = 0;
    virtual ProtoResult<bool> on_inner(msg::Inner message, Output& out) = 0;

    // Input stops after the current frame; later frames wait, in order, in the frame reader
    // until resume_input() (the server's store-pending state).
    void pause_input() { paused_ = true; }
    // Handles the frames buffered while paused, as receive() would have.
    void resume_input(Output& out);

    // Sends `message` sealed; on failure the session fails.
    ProtoResult<bool> send_sealed(const msg::Inner& message, Output& out);
    static void send_plain(const msg::Outer& message, Output& out);
    // Records a failure of ours or the peer's input: `error` out, Failed event, close.
    void fail(const ProtocolError& error, Output& out);
    void finish(Output& out);
    std::uint64_t now_ms() const { return unix_millis(clock_.now()); }

    const Clock& clock_;
    Entropy& entropy_;
    std::unique_ptr<SecureChannel> channel_;

  private:
    ProtoResult<bool> on_frame(const Frame& frame, Output& out);
    void process_buffered(Output& out);

    FrameReader reader_;
    bool finished_ = false;
    bool paused_ = false;
};

// Verifies a peer's chain (DER, leaf first) as the handshake must (docs/PROTOCOL.md §3.1).
ProtoResult<pki::VerifiedCertificate> verify_peer_chain(const std::vector<Bytes>& ders,
                                                        const Trust& trust, pki::Purpose purpose,
                                                        std::optional<std::string> name,
                                                        std::chrono::system_clock::time_point now);
std::vector<Bytes> chain_der(const Identity& identity);

// `what` arrived when the role's dispatch table does not allow it (`unexpected_message`).
Failure<ProtocolError> unexpected_message(std::string_view what, std::string_view when);

// Turns an Error from a lower layer into a protocol error of the given code.
Failure<ProtocolError> as_protocol_error(ErrorCode code, const Error& error);

}  // namespace sc::proto
