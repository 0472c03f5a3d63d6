// Friends (issue 10): request, accept, decline, remove, list.
#include "server/connection.h"

namespace sc::server {

void Connection::on_request(proto::msg::FriendCommand& m) {
    answer_result(m.id, proto::ErrorCode::internal, "friends are not served yet");
}

void Connection::on_request(proto::msg::ListFriends& m) {
    answer_result(m.id, proto::ErrorCode::internal, "friends are not served yet");
}

}  // namespace sc::server
