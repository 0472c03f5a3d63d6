// `securechat server`: runs the chat server (settings from --config, --set and flags).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

void add_server_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
