// Who may send a message to whom (issue 10, item 7): by default only friends, and with
// `[users] messages_from = "anyone"` every user. The end-to-end requests (issue 11,
// connection_e2e.cpp) ask it on the query workers (it reads the store) before `devices`,
// `bundle` and `send` about another user.
#pragma once

#include <string>

#include "server/settings.h"
#include "store/social_store.h"

namespace sc::server {

class MessagePolicy {
  public:
    MessagePolicy(MessagesFrom from, store::FriendStore& friends)
        : from_(from), friends_(friends) {}

    // True when `from` may message `to`. Blocking (a store query): call it off the I/O threads.
    // A store failure is an error, never a yes.
    store::StoreResult<bool> may_message(const std::string& from, const std::string& to) const;
    MessagesFrom messages_from() const { return from_; }

  private:
    MessagesFrom from_;
    store::FriendStore& friends_;
};

}  // namespace sc::server
