// The owner of a ServerSession whose store never fails, for tests and fuzz targets: each held ack
// (ServerSession::store_pending) is released at once, so an output is what the session sent
// before its acks waited for the store, frame for frame.
#pragma once

#include "common/bytes.h"
#include "proto/server_session.h"

namespace sc::test {

// Appends acknowledge_stored() to `out` for as long as a message awaits its store.
proto::Output acknowledge_every_store(proto::ServerSession& server, proto::Output out);

// receive(), then acknowledge_every_store().
proto::Output receive_storing(proto::ServerSession& server, ByteView bytes);

}  // namespace sc::test
