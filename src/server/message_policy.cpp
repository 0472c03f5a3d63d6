#include "server/message_policy.h"

namespace sc::server {

store::StoreResult<bool> MessagePolicy::may_message(const std::string& from,
                                                    const std::string& to) const {
    if (from_ == MessagesFrom::anyone) {
        return true;
    }
    return friends_.are_friends(from, to);
}

}  // namespace sc::server
