// At a reload (SIGHUP): the sessions of accounts that were disabled on the host
// (`securechat server admin disable`, straight in the store) end as an admin's disable ends
// them. The store is asked off the I/O thread, on the query workers.
#pragma once

namespace sc::server {

struct ServerContext;

// Looks up every logged-in user and ends the sessions of the disabled ones
// (`session_end account_disabled`, then receipts). Returns at once; the work is queued.
void close_sessions_of_disabled_accounts(ServerContext& ctx);

}  // namespace sc::server
