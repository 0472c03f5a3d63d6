// `securechat server admin add|list|promote|demote|disable|enable|devices`: account
// administration on the server host, with no network, straight on the store the server is
// configured with (so the first admin can be made). The settings come from the same flags as
// `securechat server` (--config, --set, --db, --db-path, --data-dir, DB_*), before or after the
// subcommand.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "common/result.h"
#include "server/settings.h"

namespace sc::cli {

using SettingsBuilder = std::function<Result<server::Settings>()>;

// Adds `admin` under `server` (the parent whose flags build_settings reads) and returns it, so
// that the parent's own callback can step aside when it ran.
CLI::App* add_server_admin_command(CLI::App& server, SettingsBuilder build_settings,
                                   std::function<int()>& action);

}  // namespace sc::cli
