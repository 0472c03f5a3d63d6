// A role's dispatch table for sealed messages (docs/PROTOCOL.md §3): one row per message type
// saying in which phases it is allowed, the least role of the principal that may send it, and
// whether it may come at most once per session. The session consults its row before any
// handler runs; a new request is one row and one handler.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <variant>

#include "proto/principal.h"

namespace sc::proto {

template <class Phase>
class PhaseSet {
  public:
    constexpr PhaseSet(std::initializer_list<Phase> phases) {
        for (auto phase : phases) {
            bits_ |= bit(phase);
        }
    }
    constexpr bool contains(Phase phase) const { return (bits_ & bit(phase)) != 0; }

  private:
    static constexpr std::uint32_t bit(Phase phase) {
        return std::uint32_t{1} << static_cast<unsigned>(phase);
    }
    std::uint32_t bits_ = 0;
};

template <class Phase>
struct DispatchRule {
    std::string_view type;           // the message's kType
    PhaseSet<Phase> phases;          // where it is allowed
    std::optional<Role> least_role;  // none: sent before authentication, with no principal
    bool once;                       // at most once per session
};

// True when every alternative of `Variant` has exactly one rule and no rule names anything else.
template <class Variant, class Phase, std::size_t N>
constexpr bool rules_cover(const std::array<DispatchRule<Phase>, N>& rules) {
    auto count = [&](std::string_view type) {
        std::size_t n = 0;
        for (const auto& rule : rules) {
            n += rule.type == type ? std::size_t{1} : std::size_t{0};
        }
        return n;
    };
    return std::variant_size_v<Variant> == N&& [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((count(std::variant_alternative_t<I, Variant>::kType) == 1) && ...);
    }
    (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

// The index of `type`'s rule (rules_cover guarantees one for every alternative).
template <class Phase, std::size_t N>
constexpr std::size_t rule_index(const std::array<DispatchRule<Phase>, N>& rules,
                                 std::string_view type) {
    for (std::size_t i = 0; i < N; ++i) {
        if (rules[i].type == type) {
            return i;
        }
    }
    return N;
}

}  // namespace sc::proto
