// Line mode, for scripts, tests and (until the full-screen interface) people: one command or
// message per input line (client/line_commands.h), run strictly in order — each starts when the
// previous one has completed, so a message typed after /login waits for the login's answer —
// while whatever arrives meanwhile is printed at once. The end of input is /quit.
#pragma once

#include "client/client_settings.h"

namespace sc::client {

struct LineModeOptions {
    bool json = false;           // one JSON object per line per notification, all on stdout
    bool terminal_note = false;  // say that this is line mode at a terminal, and the commands
};

// Connects, then runs stdin's commands until /quit, the end of input, SIGINT or SIGTERM (a
// second one drops the connection). True only if the connection, every command and the quit
// succeeded and no error was reported.
bool run_line_mode(ClientSettings settings, ClientCredentials credentials,
                   const LineModeOptions& options);

}  // namespace sc::client
