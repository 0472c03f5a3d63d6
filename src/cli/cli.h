// The `securechat` command line: subcommands like git or openssl. main() only calls run().
#pragma once

namespace sc::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation ran and failed (e.g. a certificate refused)
inline constexpr int kExitUsage = 2;    // bad arguments

int run(int argc, char** argv);

}  // namespace sc::cli
