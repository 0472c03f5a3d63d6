#include "e2e/conversation.h"

#include "common/usernames.h"

namespace sc::e2e {

Result<Conversation> Conversation::between(std::string_view one, std::string_view other) {
    if (!is_valid_username(one) || !is_valid_username(other)) {
        return fail("a conversation is between two usernames");
    }
    auto a = canonical_username(one);
    auto b = canonical_username(other);
    if (a == b) {
        return fail("a conversation needs two different users");
    }
    Conversation c;
    c.first_ = std::min(a, b);
    c.second_ = std::max(a, b);
    return c;
}

bool Conversation::has(std::string_view user) const {
    auto name = canonical_username(user);
    return name == first_ || name == second_;
}

const std::string& Conversation::peer_of(std::string_view me) const {
    return canonical_username(me) == first_ ? second_ : first_;
}

Bytes Conversation::encode() const {
    Bytes out;
    for (const auto* name : {&first_, &second_}) {
        out.push_back(static_cast<std::uint8_t>(name->size()));
        out.insert(out.end(), name->begin(), name->end());
    }
    return out;
}

}  // namespace sc::e2e
