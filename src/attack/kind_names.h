// The names of an attack's kinds, as the command line spells them: one table per enum, looked
// up both ways.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::attack {

template <class Kind, std::size_t N>
struct KindNames {
    std::array<std::pair<Kind, std::string_view>, N> table;

    std::string_view name(Kind kind) const {
        for (const auto& [k, n] : table) {
            if (k == kind) {
                return n;
            }
        }
        return "?";
    }
    std::optional<Kind> from(std::string_view name) const {
        for (const auto& [k, n] : table) {
            if (n == name) {
                return k;
            }
        }
        return std::nullopt;
    }
    std::vector<Kind> all() const {
        std::vector<Kind> out;
        for (const auto& entry : table) {
            out.push_back(entry.first);
        }
        return out;
    }
};

}  // namespace sc::attack
