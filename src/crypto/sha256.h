// SHA-256, one-shot and incremental.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "common/bytes.h"

namespace sc::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(ByteView data);

// Incremental hash. Copying is explicit (clone()), so a running hash is never forked by accident.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(ByteView data);
    // The digest of everything so far; the hash can go on afterwards.
    Sha256Digest peek() const;
    Sha256 clone() const;

  private:
    struct State;
    explicit Sha256(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace sc::crypto
