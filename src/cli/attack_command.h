// `securechat attack`: plays a malicious client against a running server, at one numeric
// address given explicitly, and says for each attempt whether the server stopped it (issue 13).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `attack` on `app`; `action` is set to its runner when it is chosen.
void add_attack_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
