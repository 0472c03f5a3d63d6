// `securechat verify conversation`: checks a conversation transcript offline, with the root CA
// certificate (and CRLs) only (docs/PROTOCOL.md §11).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `conversation` under `verify`; `action` is set to its runner when it is chosen.
// Returns the subcommand, so that `verify` can tell whether it was given.
CLI::App* add_verify_conversation_command(CLI::App& verify, std::function<int()>& action);

}  // namespace sc::cli
