// What the terminal UI needs from the controller for messages between users (docs/PROTOCOL.md
// §10), in one place: the call that sends TEXT to USER end to end (line mode's /msg). The
// controller reports it as note::Sent (with `to`, `mid`, `devices`, `protection`), then
// note::Relayed per device copy and note::Delivered per signed delivered statement; `done` fails
// (after a note::Error) when nothing was sent.
#pragma once

#include <string>

#include "client/chat_controller.h"

namespace sc::client::tui {

void send_to_user(asio::io_context& io, ChatController& controller, std::string user,
                  std::string text, ChatController::Completion done);

}  // namespace sc::client::tui
