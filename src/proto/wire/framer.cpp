#include "proto/wire/framer.h"

#include <utility>

#include "common/check.h"
#include "proto/limits.h"

namespace sc::proto {

void FrameReader::feed(ByteView bytes) {
    if (consumed_ > 0 && consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

FrameOrNeed FrameReader::next() {
    std::size_t available = buffer_.size() - consumed_;
    if (available < kFrameHeaderBytes) {
        return NeedMore{kFrameHeaderBytes - available};
    }
    const std::uint8_t* p = buffer_.data() + consumed_;
    std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                         (std::size_t{p[2]} << 8) | std::size_t{p[3]};
    if (length == 0) {
        return ProtocolError{ErrorCode::malformed, "empty frame"};
    }
    if (length > kMaxFramePayload) {
        return ProtocolError{ErrorCode::frame_too_large, "frame of " + std::to_string(length) +
                                                             " bytes exceeds the limit of " +
                                                             std::to_string(kMaxFramePayload)};
    }
    if (available < kFrameHeaderBytes + length) {
        return NeedMore{kFrameHeaderBytes + length - available};
    }
    // Drained, the buffer is given away or freed, not kept: an idle session holds none.
    if (consumed_ == 0 && available == kFrameHeaderBytes + length) {
        return Frame(std::exchange(buffer_, Bytes{}));
    }
    Bytes wire(p, p + kFrameHeaderBytes + length);
    consumed_ += wire.size();
    if (consumed_ == buffer_.size()) {
        buffer_ = Bytes{};
        consumed_ = 0;
    } else if (consumed_ > kMaxFramePayload) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
    return Frame(std::move(wire));
}

Frame make_frame(std::string_view payload) {
    SC_CHECK(!payload.empty() && payload.size() <= kMaxFramePayload);
    Bytes wire;
    wire.reserve(kFrameHeaderBytes + payload.size());
    auto n = static_cast<std::uint32_t>(payload.size());
    wire.push_back(static_cast<std::uint8_t>(n >> 24));
    wire.push_back(static_cast<std::uint8_t>(n >> 16));
    wire.push_back(static_cast<std::uint8_t>(n >> 8));
    wire.push_back(static_cast<std::uint8_t>(n));
    wire.insert(wire.end(), payload.begin(), payload.end());
    return Frame(std::move(wire));
}

}  // namespace sc::proto
