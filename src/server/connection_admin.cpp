// Administration over the network (issue 10): who, user_add, disable, enable, kick. The
// session has already refused these to regular users (`forbidden`).
#include "server/connection.h"

namespace sc::server {

void Connection::on_request(proto::msg::Who& m) {
    answer_result(m.id, proto::ErrorCode::internal, "administration is not served yet");
}

void Connection::on_request(proto::msg::UserAdd& m) {
    answer_result(m.id, proto::ErrorCode::internal, "administration is not served yet");
}

void Connection::on_request(proto::msg::UserCommand& m) {
    answer_result(m.id, proto::ErrorCode::internal, "administration is not served yet");
}

}  // namespace sc::server
