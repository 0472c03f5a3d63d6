// Notifications for the client's tests, built field by field (the end-to-end fields of Sent and
// Message stay empty: a message to or from the server).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "client/chat_events.h"

namespace sc::test {

inline client::note::Sent sent_note(std::uint64_t seqno, std::uint64_t ts, std::string text) {
    client::note::Sent n;
    n.seqno = seqno;
    n.ts = ts;
    n.text = std::move(text);
    return n;
}

inline client::note::Message message_note(std::string from, std::uint64_t seqno, std::uint64_t ts,
                                          std::string text) {
    client::note::Message n;
    n.from = std::move(from);
    n.seqno = seqno;
    n.ts = ts;
    n.text = std::move(text);
    return n;
}

}  // namespace sc::test
