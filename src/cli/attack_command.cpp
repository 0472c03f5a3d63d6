#include "cli/attack_command.h"

#include <iostream>
#include <memory>

#include "attack/flood.h"
#include "attack/target.h"
#include "cli/cli.h"

namespace sc::cli {
namespace {

struct FloodArgs {
    std::string server;
    std::vector<std::string> kinds;
    std::size_t connections = 200;
    unsigned patience_s = 20;
};

// Exit 0 only when every attempt was stopped.
int run_flood(const FloodArgs& args) {
    auto target = attack::parse_target(args.server);
    if (!target) {
        std::cerr << "securechat attack: " << target.error().message << "\n";
        return kExitUsage;
    }
    std::vector<attack::FloodKind> kinds;
    for (const auto& name : args.kinds) {
        kinds.push_back(*attack::flood_kind_from(name));  // checked by the option's validator
    }
    if (kinds.empty()) {
        kinds = attack::all_flood_kinds();
    }
    attack::FloodOptions options;
    options.connections = args.connections;
    options.patience = std::chrono::seconds(args.patience_s);
    if (!target->loopback) {
        std::cout << "note: " << target->text()
                  << " is not a loopback address; attacking it because it was given explicitly\n";
    }
    std::size_t not_stopped = 0;
    for (auto kind : kinds) {
        std::cout << "attack flood " << attack::flood_kind_name(kind) << " against "
                  << target->text() << "\n"
                  << std::flush;
        auto verdict = attack::run_flood(kind, *target, options, std::cout);
        if (verdict.stopped) {
            std::cout << "STOPPED " << verdict.code << "\n";
        } else {
            std::cout << "NOT STOPPED (" << verdict.code << ")\n";
            ++not_stopped;
        }
        std::cout << std::flush;
    }
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

std::string kind_names() {
    std::string out;
    for (auto kind : attack::all_flood_kinds()) {
        out += (out.empty() ? "" : ", ") + std::string(attack::flood_kind_name(kind));
    }
    return out;
}

}  // namespace

void add_attack_command(CLI::App& app, std::function<int()>& action) {
    auto* cmd = app.add_subcommand(
        "attack",
        "Play a malicious client against a running server (at a numeric address given "
        "explicitly) and say whether each attack was stopped; exit 0 only when all were");
    cmd->require_subcommand(1);

    auto flood = std::make_shared<FloodArgs>();
    auto* f = cmd->add_subcommand("flood",
                                  "Before authentication: an oversized frame, a frame of garbage, "
                                  "a slowloris hello, a flood of silent connections");
    f->add_option("--server", flood->server,
                  "ADDRESS:PORT of the server (numeric, e.g. 127.0.0.1:6000)")
        ->required();
    f->add_option("--kind", flood->kinds, "Which attack (repeatable; default all): " + kind_names())
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                return attack::flood_kind_from(value)
                           ? ""
                           : "'" + value + "' is not one of " + kind_names();
            },
            "KIND"));
    f->add_option("--connections", flood->connections, "Silent connections to open (connections)")
        ->capture_default_str()
        ->check(CLI::Range(1, 5000));
    f->add_option("--patience", flood->patience_s,
                  "Seconds to wait for the server to end an attempt before calling it not stopped")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    f->callback([flood, &action] { action = [flood] { return run_flood(*flood); }; });
}

}  // namespace sc::cli
