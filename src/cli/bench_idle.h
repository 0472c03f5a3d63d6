// `securechat bench idle`: N authenticated sessions left idle, and the server's resident memory
// per session (issue 14).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

// Registers `idle` on the `bench` command; `action` is set to its runner when it is chosen.
void add_bench_idle(CLI::App& bench, std::function<int()>& action);

}  // namespace sc::cli
