// Anti-replay for sequence numbers that may arrive out of order (RFC 4303 §3.4.3, RFC 9147
// §4.5.1; wireguard-go replay/replay.go): a sliding window of the last `size` numbers below the
// highest one accepted, one bit each. Ready for end-to-end messages relayed through several
// devices and nodes, where late and duplicate arrivals are normal. The record layer and the
// in-session msg seqnos (TCP, one sender) still demand exactly the next number.
//
// Use it as boringtun does: check() before the expensive or authenticating work, mark() only
// after the message authenticated, so that a forged number never moves the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sc::proto {

class ReplayWindow {
  public:
    enum class Verdict {
        fresh,      // never seen, and within the window (or ahead of it)
        duplicate,  // already marked
        too_old,    // `size` or more below the highest mark: it cannot be told from a duplicate
    };

    // `size` ≥ 1 numbers are remembered, the highest accepted one included. Numbers start at 0.
    explicit ReplayWindow(std::size_t size);

    Verdict check(std::uint64_t seq) const;
    // Records `seq` as received. SC_CHECKs that check(seq) is fresh: mark only what passed.
    void mark(std::uint64_t seq);

    std::size_t size() const { return size_; }
    // The highest number marked; meaningless before the first mark (see any_marked()).
    std::uint64_t highest() const { return highest_; }
    bool any_marked() const { return any_; }

  private:
    bool bit(std::uint64_t seq) const;
    void set_bit(std::uint64_t seq);
    void clear_bit(std::uint64_t seq);

    std::size_t size_;
    std::vector<std::uint64_t> bits_;  // a ring: seq's bit is at seq mod (64 · bits_.size())
    std::uint64_t highest_ = 0;
    bool any_ = false;
};

std::string_view verdict_name(ReplayWindow::Verdict verdict);  // "fresh", "duplicate", "too_old"

}  // namespace sc::proto
