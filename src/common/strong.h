// Strong<Rep, Tag>: a byte string with a role. A session id, a fingerprint and a transcript hash
// are all 32 bytes, but one can never be passed where another is expected, and none is a plain
// Bytes (Botan's utils/strong_type.h, wireguard-go's noise-types.go).
//
// - Construction is explicit only, from the representation (std::array<uint8_t, N> or Bytes), or
//   checked from untrusted bytes or hex with `from_view`/`from_hex` (exact length for arrays).
//   A default-constructed value is all zero (arrays) or empty (Bytes), for structs filled field
//   by field.
// - Reading is explicit too: `view()` (a ByteView), `bytes()` (the representation), `hex()`.
// - Equality is constant-time for every tag. None of these values is a key, but they are compared
//   against values a peer sent (hashes that bind a session), and at 16–32 bytes it costs nothing,
//   so no tag has to decide.
// - There is no ordering and no operator<<: print with hex(). std::hash is defined, so a value
//   can key an unordered map (a router's sessions by id, say).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/bytes.h"

namespace sc {

// Compares in time that depends only on the lengths, never on where the first difference is.
bool equal_constant_time(ByteView a, ByteView b) noexcept;

namespace detail {
template <typename Rep>
struct IsByteArray : std::false_type {};
template <std::size_t N>
struct IsByteArray<std::array<std::uint8_t, N>> : std::true_type {};
}  // namespace detail

template <typename Rep, typename Tag>
class Strong {
    static_assert(std::is_same_v<Rep, Bytes> || detail::IsByteArray<Rep>::value,
                  "Strong holds Bytes or a std::array of bytes");

  public:
    using Representation = Rep;
    // The exact size for arrays; 0 (any size) for Bytes.
    static constexpr std::size_t kSize = [] {
        if constexpr (detail::IsByteArray<Rep>::value) {
            return std::tuple_size_v<Rep>;
        } else {
            return std::size_t{0};
        }
    }();

    Strong() = default;
    explicit Strong(Rep value) : value_(std::move(value)) {}

    // Nullopt if `bytes` is not exactly kSize bytes (arrays).
    static std::optional<Strong> from_view(ByteView bytes) {
        Rep rep{};
        if constexpr (detail::IsByteArray<Rep>::value) {
            if (bytes.size() != kSize) {
                return std::nullopt;
            }
            std::copy(bytes.begin(), bytes.end(), rep.begin());
        } else {
            rep.assign(bytes.begin(), bytes.end());
        }
        return Strong(std::move(rep));
    }
    // Accepts either case (as sc::from_hex); nullopt on bad hex or the wrong length.
    static std::optional<Strong> from_hex(std::string_view hex) {
        auto bytes = sc::from_hex(hex);
        if (!bytes) {
            return std::nullopt;
        }
        return from_view(*bytes);
    }

    ByteView view() const { return ByteView(value_.data(), value_.size()); }
    const Rep& bytes() const { return value_; }
    std::size_t size() const { return value_.size(); }
    // Lower case, as the evidence files spell it.
    std::string hex() const { return to_hex(view()); }

    friend bool operator==(const Strong& a, const Strong& b) {
        return equal_constant_time(a.view(), b.view());
    }
    friend bool operator!=(const Strong& a, const Strong& b) { return !(a == b); }

  private:
    Rep value_{};
};

// Lets display code say to_hex(id) for a strong value as it does for Bytes.
template <typename Rep, typename Tag>
std::string to_hex(const Strong<Rep, Tag>& value) {
    return value.hex();
}

template <typename Tag, std::size_t N>
using StrongArray = Strong<std::array<std::uint8_t, N>, Tag>;

// FNV-1a over the bytes: these values are public, so the hash need not resist anything.
std::size_t hash_bytes(ByteView bytes) noexcept;

}  // namespace sc

template <typename Rep, typename Tag>
struct std::hash<sc::Strong<Rep, Tag>> {
    std::size_t operator()(const sc::Strong<Rep, Tag>& value) const noexcept {
        return sc::hash_bytes(value.view());
    }
};
