// The load of `securechat bench idle`: N sessions logged in as one account (each a full
// handshake, login and DH #2 on its own connection), opened from a few threads and then left
// open and silent, so that the server's memory per idle authenticated session can be read from
// outside. Afterwards a sample of them sends a message each: an idle session must still be served.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/blocking_client.h"
#include "proto/client_session.h"

namespace sc::load {

struct IdleLoad {
    std::uint16_t port = 0;
    proto::ClientConfig config;
    std::string username;
    std::string password;
    std::size_t count = 0;
    std::size_t concurrency = 1;
    // Called now and then from one of the threads with the sessions opened so far.
    std::function<void(std::size_t)> progress;
};

struct IdleSessions {
    std::vector<std::unique_ptr<net::BlockingClient>> clients;  // logged in, chat ready
    std::size_t failed = 0;
    std::chrono::nanoseconds wall{0};
    std::string first_failure;
};

IdleSessions open_idle_sessions(const IdleLoad& load);

struct ServedCheck {
    std::size_t asked = 0;
    std::size_t answered = 0;  // acknowledged
    std::string first_failure;
};

// Sends one chat message on every `stride`-th session and on the last one, and waits for each
// acknowledgement.
ServedCheck check_still_served(IdleSessions& sessions, std::size_t stride);

}  // namespace sc::load
