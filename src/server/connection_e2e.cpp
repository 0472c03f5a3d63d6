// The end-to-end requests (docs/PROTOCOL.md §2.4): the server keeps public prekeys and relays
// envelopes it cannot read.
#include "server/connection.h"

namespace sc::server {

using proto::ErrorCode;

void Connection::on_request(proto::msg::PublishPrekeys& m) {
    answer_result(m.id, ErrorCode::unavailable, "prekeys are not served yet");
}

void Connection::on_request(proto::msg::ListDevices& m) {
    answer_result(m.id, ErrorCode::unavailable, "devices are not served yet");
}

void Connection::on_request(proto::msg::FetchBundle& m) {
    answer_result(m.id, ErrorCode::unavailable, "bundles are not served yet");
}

void Connection::on_request(proto::msg::Relay& m) {
    answer_result(m.id, ErrorCode::unavailable, "the relay is not served yet");
}

}  // namespace sc::server
