// `securechat chat`: the chat client (line mode for now; the full-screen interface comes next).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

void add_chat_command(CLI::App& app, std::function<int()>& action);

}  // namespace sc::cli
