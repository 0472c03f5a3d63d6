// Builds the exact byte strings that are signed, hashed or used as AEAD associated data.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"

namespace sc {

class ByteWriter {
  public:
    ByteWriter& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    ByteWriter& u16(std::uint16_t v) { return be(v, 2); }
    ByteWriter& u32(std::uint32_t v) { return be(v, 4); }
    ByteWriter& u64(std::uint64_t v) { return be(v, 8); }
    ByteWriter& raw(ByteView data) {
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        return *this;
    }
    ByteWriter& text(std::string_view s) { return raw(as_bytes(s)); }
    // A context string followed by a 0x00 separator: the prefix of every signed string.
    ByteWriter& context(std::string_view s) { return text(s).u8(0); }

    const Bytes& bytes() const& { return bytes_; }
    Bytes bytes() && { return std::move(bytes_); }

  private:
    ByteWriter& be(std::uint64_t v, int width) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            bytes_.push_back(static_cast<std::uint8_t>((v >> shift) & 0xff));
        }
        return *this;
    }
    Bytes bytes_;
};

}  // namespace sc
