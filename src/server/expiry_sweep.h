// Stored envelopes past their `expires` (issue 12, docs/PROTOCOL.md §2.4) are deleted by a
// periodic sweep, every [limits] held_sweep_interval_s; held_for never returns one meanwhile.
// The store is asked off the I/O thread, on the query workers.
#pragma once

namespace sc::server {

struct ServerContext;

// Deletes every stored envelope whose expiry has passed. Returns at once; the work is queued.
void delete_expired_envelopes(ServerContext& ctx);

}  // namespace sc::server
