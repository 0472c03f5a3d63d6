// `securechat verify`: checks a saved transcript and receipt offline (docs/PROTOCOL.md §7).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `verify` on `app`; `action` is set to its runner when it is chosen.
void add_verify_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
