// The one deterministic entropy of the tests. Random bytes are SHA-256(label ‖ 0x00 ‖ u64
// counter) blocks, so two instances with the same label produce the same sequence; X25519 key
// pairs come from those bytes (other groups are generated normally). Values a test scripts
// (the protocol vectors' nonces and DH keys) are handed out first, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "common/bytes.h"
#include "proto/environment.h"

namespace sc::test {

class DeterministicEntropy final : public proto::Entropy {
  public:
    explicit DeterministicEntropy(std::string label = "securechat test")
        : label_(std::move(label)) {}

    Result<Bytes> random(std::size_t count) override;
    Result<crypto::EphemeralKeyPair> ephemeral(crypto::DhGroup group) override;

    // The next random() returns exactly `bytes` (a request of another size fails).
    void script_random(Bytes bytes) { randoms_.push_back(std::move(bytes)); }
    // The next ephemeral() uses `private_key` (raw, for the requested group).
    void script_ephemeral(Bytes private_key) { privates_.push_back(std::move(private_key)); }
    bool script_used_up() const { return randoms_.empty() && privates_.empty(); }

  private:
    Bytes stream(std::size_t count);

    std::string label_;
    std::uint64_t counter_ = 0;
    std::deque<Bytes> randoms_;
    std::deque<Bytes> privates_;
};

}  // namespace sc::test
