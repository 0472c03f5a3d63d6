// `securechat bench`: runs a `securechat server` and a load against it on loopback, and prints
// one result line per run (JSON with --json), with a progress bar on a terminal (issue 14).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `bench` on `app`; `action` is set to its runner when it is chosen.
void add_bench_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
