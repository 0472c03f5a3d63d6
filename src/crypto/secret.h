// Containers for secret bytes: wiped when freed, compared in constant time, never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace sc::crypto {

// Overwrites memory in a way the compiler may not remove (OPENSSL_cleanse).
void secure_wipe(void* data, std::size_t size) noexcept;

// Constant-time equality of two byte strings (the length is not secret).
bool ct_equal(ByteView a, ByteView b) noexcept;

template <class T>
struct WipingAllocator {
    static_assert(std::is_integral_v<T>, "only plain bytes are wiped");
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <class U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        secure_wipe(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const WipingAllocator<U>&) const noexcept {
        return true;
    }
};

// A greppable token: every place that reads a secret's bytes says `SecretAccess{}`.
struct SecretAccess {
    explicit SecretAccess() = default;
};

class SecretBytes {
  public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size) : bytes_(size) {}
    explicit SecretBytes(ByteView data) : bytes_(data.begin(), data.end()) {}
    SecretBytes(const SecretBytes&) = default;
    SecretBytes(SecretBytes&&) noexcept = default;
    SecretBytes& operator=(const SecretBytes&) = default;
    SecretBytes& operator=(SecretBytes&& other) noexcept = default;
    ~SecretBytes() = default;  // the allocator wipes

    std::size_t size() const noexcept { return bytes_.size(); }
    bool empty() const noexcept { return bytes_.empty(); }
    ByteView reveal(SecretAccess) const noexcept { return {bytes_.data(), bytes_.size()}; }
    std::span<std::uint8_t> reveal_mut(SecretAccess) noexcept {
        return {bytes_.data(), bytes_.size()};
    }
    std::string_view reveal_text(SecretAccess) const noexcept {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }
    void append(ByteView data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }

    friend bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept {
        return ct_equal(a.reveal(SecretAccess{}), b.reveal(SecretAccess{}));
    }

  private:
    std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes_;
};

}  // namespace sc::crypto
