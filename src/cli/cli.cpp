#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>

#include "cli/attack_command.h"
#include "cli/bench_command.h"
#include "cli/chat_command.h"
#include "cli/pki_command.h"
#include "cli/server_command.h"
#include "cli/verify_command.h"

namespace sc::cli {

int run(int argc, char** argv) {
    CLI::App app{"SecureChat: a secure chat server and client with its own PKI", "securechat"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "securechat 0.1.0");
    std::function<int()> action;
    add_pki_command(app, action);
    add_verify_command(app, action);
    add_server_command(app, action);
    add_chat_command(app, action);
    add_attack_command(app, action);
    add_bench_command(app, action);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    if (!action) {
        std::cerr << app.help();
        return kExitUsage;
    }
    return action();
}

}  // namespace sc::cli
