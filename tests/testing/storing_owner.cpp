#include "testing/storing_owner.h"

namespace sc::test {

proto::Output acknowledge_every_store(proto::ServerSession& server, proto::Output out) {
    while (auto seqno = server.store_pending()) {
        out.append(server.acknowledge_stored(*seqno));
    }
    return out;
}

proto::Output receive_storing(proto::ServerSession& server, ByteView bytes) {
    return acknowledge_every_store(server, server.receive(bytes));
}

}  // namespace sc::test
