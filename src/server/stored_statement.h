// The server's stored statement (docs/PROTOCOL.md §10.6): made only for a row the store has
// committed, over what the store holds (for a retried send: the first row), signed with the key
// of the server certificate the client checked in its handshake.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "crypto/keys.h"
#include "proto/messages.h"
#include "store/envelope_store.h"

namespace sc::server {

// The `stored` answer to the send `id` for the committed `held` row.
Result<proto::msg::Stored> sign_stored(const crypto::PrivateKey& server_key,
                                       const store::HeldEnvelope& held, std::uint64_t id);

}  // namespace sc::server
