// Requests (docs/PROTOCOL.md §2.3): the session has checked the role and paused its input;
// each handler answers exactly once, on the strand, and the input goes on after the answer.
#include <utility>

#include "server/connection.h"

namespace sc::server {

void Connection::on_request(proto::msg::Request& request) {
    std::visit([this](auto& m) { on_request(m); }, request);
}

void Connection::answer(proto::msg::Answer answer) {
    if (closed_ || !session_ || !session_->request_pending()) {
        return;  // the session ended while the request was being served
    }
    handle(session().answer(std::move(answer)));
}

void Connection::answer_result(std::uint64_t id, std::optional<proto::ErrorCode> code,
                               std::string message) {
    answer(proto::msg::Answer{proto::msg::Result{id, code, std::move(message)}});
}

}  // namespace sc::server
