// `securechat pki`: the operator's CA tool (init, issue, revoke, crl, show, verify).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `pki` on `app`; `action` is set to the chosen subcommand's runner.
void add_pki_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
