// The load of `securechat bench handshake`: full handshakes against a running server, each on a
// new connection (hello, certificates both ways, DH #1, both handshake signatures, the keys),
// from `concurrency` threads. A handshake counts once the server has processed all of it: the
// client then sends one frame the server must refuse after it (garbage), and waits for the
// server to close. No login follows: that is Argon2id's time, measured by `bench login`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "proto/client_session.h"

namespace sc::load {

struct HandshakeLoad {
    std::uint16_t port = 0;
    proto::ClientConfig config;
    std::size_t count = 0;
    std::size_t concurrency = 1;
    // Called now and then from one of the threads with the handshakes done so far.
    std::function<void(std::size_t)> progress;
};

struct HandshakeResult {
    std::size_t done = 0;
    std::size_t failed = 0;
    std::chrono::nanoseconds wall{0};
    std::string first_failure;  // why the first failed one failed
};

HandshakeResult run_handshakes(const HandshakeLoad& load);

}  // namespace sc::load
