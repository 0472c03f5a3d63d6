// A conversation between two users (docs/PROTOCOL.md §10.5): their two canonical names, sorted.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace sc::e2e {

class Conversation {
  public:
    // Both must be valid usernames, and not the same one (case-insensitively).
    static Result<Conversation> between(std::string_view one, std::string_view other);
    Conversation() = default;

    const std::string& first() const { return first_; }    // the smaller canonical name
    const std::string& second() const { return second_; }  // the larger
    bool has(std::string_view user) const;                 // case-insensitive
    // The other user, seen from `me` (who must be in it).
    const std::string& peer_of(std::string_view me) const;
    // u8 len(a) ‖ a ‖ u8 len(b) ‖ b
    Bytes encode() const;
    friend bool operator==(const Conversation&, const Conversation&) = default;
    friend auto operator<=>(const Conversation&, const Conversation&) = default;

  private:
    std::string first_, second_;
};

}  // namespace sc::e2e
