// Runs a real command (the securechat binary, the openssl CLI) and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace sc::test {

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr, interleaved
};

// argv[0] is looked up in PATH. No shell is involved, so arguments need no quoting.
CommandResult run_command(const std::vector<std::string>& argv);

// The same, with `input` as the command's stdin (a pipe, closed after the last byte).
CommandResult run_command_with_input(const std::vector<std::string>& argv,
                                     const std::string& input);

// Path of the securechat binary under test (set by CMake).
std::string securechat_binary();

// `securechat ARGS...`, the binary under test, with `input` as its stdin.
CommandResult securechat(std::vector<std::string> args, const std::string& input = "");

}  // namespace sc::test
