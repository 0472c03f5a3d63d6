// The full-screen terminal interface (ncurses): the conversation above with timestamps and a
// delivery mark per message, an input line with editing and history below, and a status bar
// (server and its certificate fingerprint, user, age of the session key). Slash commands,
// hidden password entry, redraw on resize, and the terminal restored on every exit path.
#pragma once

#include "client/client_settings.h"

namespace sc::client::tui {

// Runs until /quit (or Ctrl-C / SIGTERM, which quit properly too). 0 when the session ended
// with receipts saved, 1 otherwise.
int run_terminal_ui(ClientSettings settings, ClientCredentials credentials);

}  // namespace sc::client::tui
