// Framing (docs/PROTOCOL.md §1): u32 big-endian length, then that many payload bytes.
// The reader checks the declared length against the limit before it buffers the payload.
#pragma once

#include <cstddef>
#include <variant>

#include "common/bytes.h"
#include "proto/errors.h"

namespace sc::proto {

// One whole frame: header and payload, exactly as on the wire (the handshake hashes these bytes).
class Frame {
  public:
    explicit Frame(Bytes wire) : wire_(std::move(wire)) {}
    const Bytes& wire() const { return wire_; }
    ByteView payload() const { return ByteView(wire_).subspan(4); }
    std::string_view payload_text() const {
        return {reinterpret_cast<const char*>(wire_.data() + 4), wire_.size() - 4};
    }

  private:
    Bytes wire_;
};

struct NeedMore {
    std::size_t bytes;  // at least this many more bytes are needed
};

using FrameOrNeed = std::variant<NeedMore, Frame, ProtocolError>;

class FrameReader {
  public:
    // Appends received bytes. Callers drain with next() after each feed (a session paused for
    // its owner drains when the owner answers, at once), so the buffer holds at most one partial
    // frame plus what one read returned.
    void feed(ByteView bytes);
    FrameOrNeed next();
    std::size_t buffered() const { return buffer_.size() - consumed_; }

  private:
    Bytes buffer_;
    std::size_t consumed_ = 0;
};

// A frame around `payload` (which must be 1..kMaxFramePayload bytes; checked by SC_CHECK in every
// build).
Frame make_frame(std::string_view payload);

}  // namespace sc::proto
