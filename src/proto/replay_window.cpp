#include "proto/replay_window.h"

#include <algorithm>

#include "common/check.h"

namespace sc::proto {
namespace {

constexpr std::uint64_t kWordBits = 64;

}  // namespace

ReplayWindow::ReplayWindow(std::size_t size)
    : size_(size), bits_((size + kWordBits - 1) / kWordBits, 0) {
    SC_CHECK(size >= 1);
}

bool ReplayWindow::bit(std::uint64_t seq) const {
    auto ring = static_cast<std::uint64_t>(bits_.size()) * kWordBits;
    auto index = seq % ring;
    return ((bits_[index / kWordBits] >> (index % kWordBits)) & 1U) != 0;
}

void ReplayWindow::set_bit(std::uint64_t seq) {
    auto ring = static_cast<std::uint64_t>(bits_.size()) * kWordBits;
    auto index = seq % ring;
    bits_[index / kWordBits] |= std::uint64_t{1} << (index % kWordBits);
}

void ReplayWindow::clear_bit(std::uint64_t seq) {
    auto ring = static_cast<std::uint64_t>(bits_.size()) * kWordBits;
    auto index = seq % ring;
    bits_[index / kWordBits] &= ~(std::uint64_t{1} << (index % kWordBits));
}

ReplayWindow::Verdict ReplayWindow::check(std::uint64_t seq) const {
    if (!any_ || seq > highest_) {
        return Verdict::fresh;
    }
    if (highest_ - seq >= size_) {
        return Verdict::too_old;
    }
    return bit(seq) ? Verdict::duplicate : Verdict::fresh;
}

void ReplayWindow::mark(std::uint64_t seq) {
    SC_CHECK(check(seq) == Verdict::fresh);
    if (!any_) {
        any_ = true;
        highest_ = seq;
    } else if (seq > highest_) {
        // Slide: forget the numbers that leave the ring as the window moves up. Past a whole
        // ring every bit goes, so the loop runs at most one ring's worth of times.
        auto ring = static_cast<std::uint64_t>(bits_.size()) * kWordBits;
        auto steps = seq - highest_;
        if (steps >= ring) {
            std::fill(bits_.begin(), bits_.end(), 0);
        } else {
            for (std::uint64_t s = highest_ + 1; s <= seq; ++s) {
                clear_bit(s);
            }
        }
        highest_ = seq;
    }
    set_bit(seq);
}

std::string_view verdict_name(ReplayWindow::Verdict verdict) {
    switch (verdict) {
        case ReplayWindow::Verdict::fresh:
            return "fresh";
        case ReplayWindow::Verdict::duplicate:
            return "duplicate";
        case ReplayWindow::Verdict::too_old:
            return "too_old";
    }
    return "unknown";
}

}  // namespace sc::proto
