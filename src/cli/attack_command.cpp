#include "cli/attack_command.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "attack/bad_cert.h"
#include "attack/flood.h"
#include "attack/hostile_server.h"
#include "attack/mitm.h"
#include "attack/session_attacks.h"
#include "attack/target.h"
#include "cli/cli.h"
#include "client/client_settings.h"
#include "common/files.h"
#include "pki/ca_directory.h"

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

// What the attacks of a client with a certificate need: where, as whom, and its files.
struct SessionArgs {
    std::string server;
    std::string server_name = "server";
    std::filesystem::path ca, cert, key, password_file;
    std::string user;
    std::string victim;              // impersonate
    std::vector<std::string> kinds;  // tamper
    std::size_t attempts = 8;        // guess
    unsigned patience_s = 30;        // guess
};

void print_verdict(const attack::Verdict& verdict, std::size_t& not_stopped) {
    if (verdict.stopped) {
        std::cout << "STOPPED " << verdict.code << "\n";
    } else {
        std::cout << "NOT STOPPED (" << verdict.code << ")\n";
        ++not_stopped;
    }
    std::cout << std::flush;
}

// The target and the client configuration, or a usage error (printed).
struct SessionSetup {
    attack::Target target;
    proto::ClientConfig config;
};
std::optional<SessionSetup> session_setup(const SessionArgs& args) {
    auto target = attack::parse_target(args.server);
    if (!target) {
        std::cerr << "securechat attack: " << target.error().message << "\n";
        return std::nullopt;
    }
    client::ClientSettings settings;
    settings.ca = args.ca;
    settings.cert = args.cert;
    settings.key = args.key;
    auto credentials = client::load_credentials(settings);
    if (!credentials) {
        std::cerr << "securechat attack: " << credentials.error().message << "\n";
        return std::nullopt;
    }
    proto::ClientConfig config{credentials->identity, credentials->trust, args.server_name};
    return SessionSetup{*target, std::move(config)};
}

std::optional<attack::Account> account_of(const SessionArgs& args) {
    auto text = read_file(args.password_file);
    if (!text) {
        std::cerr << "securechat attack: cannot read " << args.password_file << ": "
                  << text.error().message << "\n";
        return std::nullopt;
    }
    std::string password = std::move(text).value();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
    }
    return attack::Account{args.user, std::move(password)};
}

int run_session_attack(const std::string& name, const SessionArgs& args) {
    auto setup = session_setup(args);
    if (!setup) {
        return kExitUsage;
    }
    std::size_t not_stopped = 0;
    auto report = [&](const std::string& title, Result<attack::Verdict> verdict) {
        if (!verdict) {
            std::cout << "  cannot run it: " << verdict.error().message << "\n";
            return false;
        }
        (void)title;
        print_verdict(*verdict, not_stopped);
        return true;
    };
    auto header = [&](const std::string& what) {
        std::cout << "attack " << what << " against " << setup->target.text() << "\n" << std::flush;
    };
    if (name == "guess") {
        header("guess");
        attack::GuessOptions options{args.attempts, std::chrono::seconds(args.patience_s)};
        if (!report("guess", attack::run_guess(setup->target, setup->config, args.user, options,
                                               std::cout))) {
            return kExitFailure;
        }
        return not_stopped == 0 ? kExitOk : kExitFailure;
    }
    auto account = account_of(args);
    if (!account) {
        return kExitUsage;
    }
    if (name != "tamper") {
        header(name);
        Result<attack::Verdict> verdict = fail("no such attack");
        if (name == "replay") {
            verdict = attack::run_replay(setup->target, setup->config, *account, std::cout);
        } else if (name == "reorder") {
            verdict = attack::run_reorder(setup->target, setup->config, *account, std::cout);
        } else if (name == "reflect") {
            verdict = attack::run_reflect(setup->target, setup->config, *account, std::cout);
        } else if (name == "impersonate") {
            verdict = attack::run_impersonate(setup->target, setup->config, *account, args.victim,
                                              std::cout);
        }
        if (!report(name, std::move(verdict))) {
            return kExitFailure;
        }
        return not_stopped == 0 ? kExitOk : kExitFailure;
    }
    std::vector<attack::TamperKind> kinds;
    for (const auto& k : args.kinds) {
        kinds.push_back(*attack::tamper_kind_from(k));  // checked by the option's validator
    }
    if (kinds.empty()) {
        kinds = attack::all_tamper_kinds();
    }
    for (auto kind : kinds) {
        header("tamper " + std::string(attack::tamper_kind_name(kind)));
        if (!report("tamper",
                    attack::run_tamper(kind, setup->target, setup->config, *account, std::cout))) {
            return kExitFailure;
        }
    }
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

void add_session_options(CLI::App* cmd, SessionArgs& args, bool needs_password) {
    cmd->add_option("--server", args.server, "ADDRESS:PORT of the server (numeric)")->required();
    cmd->add_option("--server-name", args.server_name, "The name its certificate must carry")
        ->capture_default_str();
    cmd->add_option("--ca", args.ca, "The CA certificate (PEM)")->required();
    cmd->add_option("--cert", args.cert, "The attacker's client certificate (PEM)")->required();
    cmd->add_option("--key", args.key, "Its private key (PEM)")->required();
    cmd->add_option(
           "--user", args.user,
           needs_password ? "The account to log in as" : "The account whose password is guessed")
        ->required();
    if (needs_password) {
        cmd->add_option("--password-file", args.password_file,
                        "A file holding the account's password (not on the command line, where "
                        "other users could read it)")
            ->required();
    }
}

struct BadCertArgs {
    std::string server;
    std::string server_name = "server";
    std::filesystem::path ca, ca_dir, password_file;
    std::string user;
    std::vector<std::string> kinds;
};

std::string bad_cert_names() {
    std::string out;
    for (auto kind : attack::all_bad_cert_kinds()) {
        out += (out.empty() ? "" : ", ") + std::string(attack::bad_cert_kind_name(kind));
    }
    return out;
}

int run_bad_cert(const BadCertArgs& args) {
    auto target = attack::parse_target(args.server);
    if (!target) {
        std::cerr << "securechat attack: " << target.error().message << "\n";
        return kExitUsage;
    }
    auto ca_file = !args.ca.empty() ? args.ca : pki::CaLayout(args.ca_dir).cert;
    auto ca = pki::load_certificate_chain(ca_file);
    if (!ca) {
        std::cerr << "securechat attack: cannot load the CA certificate: " << ca.error().message
                  << "\n";
        return kExitUsage;
    }
    proto::Trust trust{ca->front(), {}, proto::kDefaultCertificateSkew, false};
    attack::BadCertSetup setup{std::move(trust), args.server_name, std::nullopt, args.user, ""};
    if (!args.ca_dir.empty()) {
        auto authority = pki::load_ca(pki::CaLayout(args.ca_dir));
        if (!authority) {
            std::cerr << "securechat attack: " << authority.error().message << "\n";
            return kExitUsage;
        }
        setup.ca = std::move(authority).value();
    }
    std::vector<attack::BadCertKind> kinds;
    for (const auto& k : args.kinds) {
        kinds.push_back(*attack::bad_cert_kind_from(k));  // checked by the option's validator
    }
    if (kinds.empty()) {  // every kind this run can make
        for (auto kind : attack::all_bad_cert_kinds()) {
            if ((!attack::needs_ca(kind) || setup.ca) &&
                (kind != attack::BadCertKind::other_user || !args.password_file.empty())) {
                kinds.push_back(kind);
            }
        }
    }
    if (std::find(kinds.begin(), kinds.end(), attack::BadCertKind::other_user) != kinds.end()) {
        SessionArgs session;
        session.user = args.user;
        session.password_file = args.password_file;
        if (args.password_file.empty()) {
            std::cerr << "securechat attack: other-user needs --password-file\n";
            return kExitUsage;
        }
        auto account = account_of(session);
        if (!account) {
            return kExitUsage;
        }
        setup.password = account->password;
    }
    std::size_t not_stopped = 0;
    for (auto kind : kinds) {
        std::cout << "attack bad-cert " << attack::bad_cert_kind_name(kind) << " against "
                  << target->text() << "\n"
                  << std::flush;
        auto verdict = attack::run_bad_cert(kind, *target, setup, std::cout);
        if (!verdict) {
            std::cout << "  cannot run it: " << verdict.error().message << "\n";
            return kExitFailure;
        }
        print_verdict(*verdict, not_stopped);
    }
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

struct MitmArgs {
    std::string server;
    std::string kind;
    unsigned patience_s = 30;
};

int run_mitm(const MitmArgs& args) {
    auto target = attack::parse_target(args.server);
    if (!target) {
        std::cerr << "securechat attack: " << target.error().message << "\n";
        return kExitUsage;
    }
    auto kind = *attack::mitm_kind_from(args.kind);  // checked by the option's validator
    std::cout << "attack mitm " << attack::mitm_kind_name(kind) << " between a client and "
              << target->text() << "\n";
    attack::MitmOptions options;
    options.patience = std::chrono::seconds(args.patience_s);
    options.listening = [](std::uint16_t port) {
        std::cout << "listening on 127.0.0.1:" << port << " (point the client there)\n"
                  << std::flush;
    };
    auto verdict = attack::run_mitm(kind, *target, options, std::cout);
    if (!verdict) {
        std::cout << "  cannot run it: " << verdict.error().message << "\n";
        return kExitFailure;
    }
    std::size_t not_stopped = 0;
    print_verdict(*verdict, not_stopped);
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

struct HostileArgs {
    std::string kind;
    std::string name = "server";
    std::filesystem::path ca, ca_dir;
    unsigned patience_s = 30;
};

int run_hostile_server(const HostileArgs& args) {
    auto kind = *attack::hostile_server_kind_from(args.kind);  // checked by the validator
    auto ca_file = !args.ca.empty() ? args.ca : pki::CaLayout(args.ca_dir).cert;
    auto ca = pki::load_certificate_chain(ca_file);
    if (!ca) {
        std::cerr << "securechat attack: cannot load the CA certificate: " << ca.error().message
                  << "\n";
        return kExitUsage;
    }
    attack::HostileServerSetup setup{
        ca->front(), std::nullopt, args.name, "127.0.0.1", std::chrono::seconds(args.patience_s),
        {}};
    if (!args.ca_dir.empty()) {
        auto authority = pki::load_ca(pki::CaLayout(args.ca_dir));
        if (!authority) {
            std::cerr << "securechat attack: " << authority.error().message << "\n";
            return kExitUsage;
        }
        setup.ca = std::move(authority).value();
    }
    setup.listening = [](std::uint16_t port) {
        std::cout << "listening on 127.0.0.1:" << port << " (point the client there)\n"
                  << std::flush;
    };
    std::cout << "attack hostile-server " << attack::hostile_server_kind_name(kind) << "\n";
    auto verdict = attack::run_hostile_server(kind, setup, std::cout);
    if (!verdict) {
        std::cout << "  cannot run it: " << verdict.error().message << "\n";
        return kExitFailure;
    }
    std::size_t not_stopped = 0;
    print_verdict(*verdict, not_stopped);
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

std::string tamper_names() {
    std::string out;
    for (auto kind : attack::all_tamper_kinds()) {
        out += (out.empty() ? "" : ", ") + std::string(attack::tamper_kind_name(kind));
    }
    return out;
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

    struct Simple {
        const char* name;
        const char* help;
    };
    for (const auto& [name, help] :
         {Simple{"replay", "Log in, send a message, then send its record again"},
          Simple{"reorder", "Log in, then send two records in the wrong order"},
          Simple{"reflect", "Log in, then send the server's own record back to it as ours"},
          Simple{"impersonate", "Log in, then relay an envelope to a user who is not a friend"}}) {
        auto args = std::make_shared<SessionArgs>();
        auto* sub = cmd->add_subcommand(name, help);
        add_session_options(sub, *args, true);
        if (std::string(name) == "impersonate") {
            sub->add_option("--victim", args->victim, "A user the account is not friends with")
                ->required();
        }
        sub->callback([args, &action, scenario = std::string(name)] {
            action = [args, scenario] { return run_session_attack(scenario, *args); };
        });
    }

    auto tamper = std::make_shared<SessionArgs>();
    auto* t = cmd->add_subcommand(
        "tamper", "Log in, then send a record with a flipped ciphertext bit or a moved seq");
    add_session_options(t, *tamper, true);
    t->add_option("--kind", tamper->kinds,
                  "Which change (repeatable; default all): " + tamper_names())
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                return attack::tamper_kind_from(value)
                           ? ""
                           : "'" + value + "' is not one of " + tamper_names();
            },
            "KIND"));
    t->callback(
        [tamper, &action] { action = [tamper] { return run_session_attack("tamper", *tamper); }; });

    auto bad = std::make_shared<BadCertArgs>();
    auto* b = cmd->add_subcommand(
        "bad-cert", "Handshakes with certificates the server must refuse: " + bad_cert_names());
    b->add_option("--server", bad->server, "ADDRESS:PORT of the server (numeric)")->required();
    b->add_option("--server-name", bad->server_name, "The name its certificate must carry")
        ->capture_default_str();
    auto* ca = b->add_option("--ca", bad->ca, "The CA certificate (PEM)");
    auto* ca_dir = b->add_option("--ca-dir", bad->ca_dir,
                                 "The CA's directory (securechat pki): signs the expired, "
                                 "wrong-purpose and other-user certificates");
    b->add_option("--user", bad->user, "The account the certificates name")->required();
    b->add_option("--password-file", bad->password_file,
                  "The account's password, for other-user (a file, not the command line)");
    b->add_option("--kind", bad->kinds, "Which (repeatable; default all it can make)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                return attack::bad_cert_kind_from(value)
                           ? ""
                           : "'" + value + "' is not one of " + bad_cert_names();
            },
            "KIND"));
    ca->excludes(ca_dir);
    b->callback([bad, &action, b] {
        if (bad->ca.empty() && bad->ca_dir.empty()) {
            throw CLI::RequiredError("--ca or --ca-dir");
        }
        (void)b;
        action = [bad] { return run_bad_cert(*bad); };
    });

    auto mitm = std::make_shared<MitmArgs>();
    auto* m = cmd->add_subcommand(
        "mitm",
        "A man in the middle for one client: relays the real certificates, changes the "
        "handshake (swap-share: the server's DH share; drop-group: a group of the offer)");
    m->add_option("--server", mitm->server, "ADDRESS:PORT of the server (numeric)")->required();
    m->add_option("--kind", mitm->kind, "swap-share or drop-group")
        ->required()
        ->check(CLI::IsMember({"swap-share", "drop-group"}));
    m->add_option("--patience", mitm->patience_s,
                  "Seconds to wait for the client, and for the relay to end")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    m->callback([mitm, &action] { action = [mitm] { return run_mitm(*mitm); }; });

    auto hostile = std::make_shared<HostileArgs>();
    auto* h = cmd->add_subcommand(
        "hostile-server",
        "A server for a real client that presents a certificate the client must refuse "
        "(other-ca; with --ca-dir: wrong-name, expired, client-cert)");
    h->add_option("--kind", hostile->kind, "other-ca, wrong-name, expired or client-cert")
        ->required()
        ->check(CLI::IsMember({"other-ca", "wrong-name", "expired", "client-cert"}));
    h->add_option("--name", hostile->name, "The server name the client expects")
        ->capture_default_str();
    auto* h_ca = h->add_option("--ca", hostile->ca, "The CA certificate the client trusts");
    auto* h_dir = h->add_option("--ca-dir", hostile->ca_dir,
                                "The CA's directory, to sign wrong-name, expired and client-cert");
    h_ca->excludes(h_dir);
    h->add_option("--patience", hostile->patience_s, "Seconds to wait for the client")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    h->callback([hostile, &action] {
        if (hostile->ca.empty() && hostile->ca_dir.empty()) {
            throw CLI::RequiredError("--ca or --ca-dir");
        }
        action = [hostile] { return run_hostile_server(*hostile); };
    });

    auto guess = std::make_shared<SessionArgs>();
    auto* g = cmd->add_subcommand(
        "guess",
        "Guess one account's password, waiting out each delay named, to show the "
        "throttle grow");
    add_session_options(g, *guess, false);
    g->add_option("--attempts", guess->attempts, "Guesses to make")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    g->add_option("--patience", guess->patience_s, "Longest total wait, in seconds, for the delays")
        ->capture_default_str()
        ->check(CLI::Range(0, 3600));
    g->callback(
        [guess, &action] { action = [guess] { return run_session_attack("guess", *guess); }; });
}

}  // namespace sc::cli
