// Who a server connection speaks for, from accept_auth on: what the dispatch table's role
// column and, later, friends, admin commands and relayed envelopes are decided by.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sc::proto {

// Ordered: a rule's least role admits it and every role after it.
enum class Role { user, admin };

struct Principal {
    std::int64_t account_id = 0;  // the store's id (store::Account::id); 0 = not from a store
    std::string username{};
    Role role = Role::user;
    // The device is the client certificate: ServerSession::accept_auth fills in its SHA-256
    // fingerprint ("AB:CD:..."), whatever the caller put here. (A device is named by its
    // certificate fingerprint: common/ids.h.)
    std::string device{};
};

}  // namespace sc::proto
