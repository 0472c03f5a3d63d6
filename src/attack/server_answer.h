// What a server did after an attack's bytes: the frames it sent (decoded with the protocol's
// framer and codec: an `error` frame names its code) and whether, and when, it closed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "net/blocking_socket.h"

namespace sc::attack {

struct ServerAnswer {
    std::vector<std::string>
        frame_types;  // in order; "<undecodable>" for a frame we could not read
    std::optional<std::string> error_code;     // of the first `error` frame
    std::optional<std::string> error_message;  // made displayable
    bool closed = false;                       // end of stream or a reset
    std::chrono::milliseconds after{0};        // from the start of the wait to the close
    // "error frame_too_large (\"…\"), then closed after 3 ms" and the like.
    std::string describe() const;
};

// Reads until the server closes or `limit` passes (then closed is false).
ServerAnswer read_answer(net::BlockingSocket& socket, std::chrono::milliseconds limit);

}  // namespace sc::attack
