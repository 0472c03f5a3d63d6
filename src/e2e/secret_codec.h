// The byte codec of the e2e state (a ratchet, the state file): written straight into wiped
// memory and read with a bound on every field, so that a private key never passes through a
// buffer that is not wiped, and a damaged file is refused rather than misread. Integers are
// big-endian; variable fields are u32 length-prefixed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

namespace sc::e2e {

class SecretWriter {
  public:
    SecretWriter& u8(std::uint8_t v) { return be(v, 1); }
    SecretWriter& u32(std::uint32_t v) { return be(v, 4); }
    SecretWriter& u64(std::uint64_t v) { return be(v, 8); }
    SecretWriter& raw(ByteView data) {
        out_.append(data);
        return *this;
    }
    SecretWriter& secret(const crypto::SecretBytes& s) {
        return raw(s.reveal(crypto::SecretAccess{}));
    }
    // u32 length ‖ data
    SecretWriter& blob(ByteView data) {
        u32(static_cast<std::uint32_t>(data.size()));
        return raw(data);
    }
    SecretWriter& text(std::string_view s) { return blob(as_bytes(s)); }
    crypto::SecretBytes take() && { return std::move(out_); }

  private:
    SecretWriter& be(std::uint64_t v, int width) {
        std::uint8_t buf[8];
        for (int i = 0; i < width; ++i) {
            buf[i] = static_cast<std::uint8_t>(v >> (8 * (width - 1 - i)));
        }
        out_.append(ByteView(buf, static_cast<std::size_t>(width)));
        return *this;
    }
    crypto::SecretBytes out_;
};

class SecretReader {
  public:
    explicit SecretReader(ByteView in) : in_(in) {}

    Result<std::uint8_t> u8() {
        SC_TRY_ASSIGN(auto v, be(1));
        return static_cast<std::uint8_t>(v);
    }
    Result<std::uint32_t> u32() {
        SC_TRY_ASSIGN(auto v, be(4));
        return static_cast<std::uint32_t>(v);
    }
    Result<std::uint64_t> u64() { return be(8); }
    Result<ByteView> raw(std::size_t n) {
        if (in_.size() - pos_ < n) {
            return fail("the e2e state is truncated");
        }
        ByteView out = in_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    Result<crypto::SecretBytes> secret(std::size_t n) {
        SC_TRY_ASSIGN(auto view, raw(n));
        return crypto::SecretBytes(view);
    }
    Result<ByteView> blob(std::size_t max_bytes) {
        SC_TRY_ASSIGN(auto n, u32());
        if (n > max_bytes) {
            return fail("the e2e state has a field over its bound");
        }
        return raw(n);
    }
    Result<std::string> text(std::size_t max_bytes) {
        SC_TRY_ASSIGN(auto view, blob(max_bytes));
        return std::string(view.begin(), view.end());
    }
    // A count of items, each at least `min_item_bytes` long, that must fit what is left.
    Result<std::uint32_t> count(std::size_t max_items, std::size_t min_item_bytes) {
        SC_TRY_ASSIGN(auto n, u32());
        if (n > max_items || n * min_item_bytes > in_.size() - pos_) {
            return fail("the e2e state has an impossible count");
        }
        return n;
    }
    bool done() const { return pos_ == in_.size(); }

  private:
    Result<std::uint64_t> be(std::size_t width) {
        SC_TRY_ASSIGN(auto bytes, raw(width));
        std::uint64_t v = 0;
        for (auto b : bytes) {
            v = (v << 8) | b;
        }
        return v;
    }
    ByteView in_;
    std::size_t pos_ = 0;
};

}  // namespace sc::e2e
