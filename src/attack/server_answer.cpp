#include "attack/server_answer.h"

#include <variant>

#include "common/display_text.h"
#include "proto/messages.h"
#include "proto/wire/framer.h"

namespace sc::attack {

using Clock = std::chrono::steady_clock;

std::string ServerAnswer::describe() const {
    std::string out;
    for (const auto& type : frame_types) {
        out += (out.empty() ? "" : ", ") + type;
    }
    if (error_code) {
        out += " (" + *error_code + (error_message ? ": \"" + *error_message + "\"" : "") + ")";
    }
    if (out.empty()) {
        out = "no frame";
    }
    out += closed ? ", then closed after " + std::to_string(after.count()) + " ms"
                  : ", and kept the connection open for " + std::to_string(after.count()) + " ms";
    return out;
}

ServerAnswer read_answer(net::BlockingSocket& socket, std::chrono::milliseconds limit) {
    ServerAnswer answer;
    proto::FrameReader reader;
    const auto start = Clock::now();
    const auto deadline = start + limit;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            break;
        }
        auto bytes = socket.read_some(left);
        if (!bytes && bytes.error().kind == net::IoError::Kind::timed_out) {
            break;
        }
        if (!bytes || bytes->empty()) {  // a reset or the server's FIN
            answer.closed = true;
            break;
        }
        reader.feed(*bytes);
        while (true) {
            auto next = reader.next();
            if (!std::holds_alternative<proto::Frame>(next)) {
                break;
            }
            auto decoded = proto::msg::decode_outer(std::get<proto::Frame>(next).payload_text());
            if (!decoded) {
                answer.frame_types.push_back("<undecodable>");
                continue;
            }
            answer.frame_types.emplace_back(proto::msg::type_name(*decoded));
            if (auto* e = std::get_if<proto::msg::Error>(&*decoded); e && !answer.error_code) {
                answer.error_code = display_text(e->code);
                answer.error_message = display_text(e->message);
            }
        }
    }
    answer.after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return answer;
}

}  // namespace sc::attack
