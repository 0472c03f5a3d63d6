// The text of the terminal UI's security views, as plain lines: `/details` of one message (what
// protects it, docs/PROTOCOL.md §10.5: its ciphertext shortened, its size and SHA-256, the
// signature, the commitment, the sender's key fingerprint and the ratchet step, and where each
// copy went), and the answer to `/devices`. They show what proves a message, never a key:
// note::Protection holds none. No ncurses in it, so it can be tested directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/chat_events.h"
#include "client/tui/conversation_list.h"

namespace sc::client::tui {

// Hex longer than `keep` digits as its first keep - 8 and last 8 digits around "…"; anything
// but hex digits (and ':') is dropped first, so the field can only ever show hex.
std::string short_hex(std::string_view hex, std::size_t keep = 32);

// The lines of `/details` for one message of the conversation with `user`.
std::vector<std::string> details_lines(const MessageInfo& m, const std::string& user);

// The lines for the answer to `/devices USER`: each device, its fingerprint, its state and
// when it was first seen.
std::vector<std::string> devices_lines(const note::Devices& d);

}  // namespace sc::client::tui
