#include "cli/attack_runs.h"

#include <algorithm>
#include <iostream>

#include "attack/bad_cert.h"
#include "attack/flood.h"
#include "attack/hostile_relay.h"
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

// The target, or a usage error printed.
std::optional<attack::Target> target_of(const std::string& text) {
    auto target = attack::parse_target(text);
    if (!target) {
        std::cerr << "securechat attack: " << target.error().message << "\n";
        return std::nullopt;
    }
    return std::move(target).value();
}

template <class Kind, class NameOf>
std::string joined(const std::vector<Kind>& kinds, NameOf name_of) {
    std::string out;
    for (auto kind : kinds) {
        out += (out.empty() ? "" : ", ") + std::string(name_of(kind));
    }
    return out;
}

// The CA certificate (from --ca, or the CA directory's), and its key when --ca-dir gave one;
// nothing (a usage error printed) when a file cannot be read.
struct CaFiles {
    pki::Certificate cert;
    std::optional<pki::CertificateAuthority> authority;
};
std::optional<CaFiles> ca_files(const std::filesystem::path& ca,
                                const std::filesystem::path& ca_dir) {
    auto chain = pki::load_certificate_chain(!ca.empty() ? ca : pki::CaLayout(ca_dir).cert);
    if (!chain) {
        std::cerr << "securechat attack: cannot load the CA certificate: " << chain.error().message
                  << "\n";
        return std::nullopt;
    }
    CaFiles out{chain->front(), std::nullopt};
    if (!ca_dir.empty()) {
        auto authority = pki::load_ca(pki::CaLayout(ca_dir));
        if (!authority) {
            std::cerr << "securechat attack: " << authority.error().message << "\n";
            return std::nullopt;
        }
        out.authority = std::move(authority).value();
    }
    return out;
}

void print_listening(std::uint16_t port) {
    std::cout << "listening on 127.0.0.1:" << port << " (point the client there)\n" << std::flush;
}

void print_verdict(const attack::Verdict& verdict, std::size_t& not_stopped) {
    if (verdict.stopped) {
        std::cout << "STOPPED " << verdict.code << "\n";
    } else {
        std::cout << "NOT STOPPED (" << verdict.code << ")\n";
        ++not_stopped;
    }
    std::cout << std::flush;
}

// Prints the verdict, or why the attempt could not run; false when it could not.
bool report(const Result<attack::Verdict>& verdict, std::size_t& not_stopped) {
    if (!verdict) {
        std::cout << "  cannot run it: " << verdict.error().message << "\n";
        return false;
    }
    print_verdict(*verdict, not_stopped);
    return true;
}

// Exit 0 only when every attempt was stopped.
int exit_code(std::size_t not_stopped) {
    return not_stopped == 0 ? kExitOk : kExitFailure;
}

}  // namespace

// Exit 0 only when every attempt was stopped.
int run_flood(const FloodArgs& args) {
    auto target = target_of(args.server);
    if (!target) {
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
        print_verdict(attack::run_flood(kind, *target, options, std::cout), not_stopped);
    }
    return exit_code(not_stopped);
}

// The target and the client configuration, or a usage error (printed).
struct SessionSetup {
    attack::Target target;
    proto::ClientConfig config;
};
std::optional<SessionSetup> session_setup(const SessionArgs& args) {
    auto target = target_of(args.server);
    if (!target) {
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

std::optional<attack::Account> account_of(const std::string& user,
                                          const std::filesystem::path& password_file) {
    auto text = read_file(password_file);
    if (!text) {
        std::cerr << "securechat attack: cannot read " << password_file << ": "
                  << text.error().message << "\n";
        return std::nullopt;
    }
    std::string password = std::move(text).value();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
    }
    return attack::Account{user, std::move(password)};
}

// Runs each kind named (all when none is), one header and verdict each; stops at the first that
// cannot run.
template <typename Kind, typename From, typename Name, typename Run>
int run_kinds(const std::vector<std::string>& names, std::vector<Kind> kinds, From from,
              Name name_of, const std::string& scenario, const std::string& target, Run run) {
    if (!names.empty()) {
        kinds.clear();
        for (const auto& k : names) {
            kinds.push_back(*from(k));  // checked by the option's validator
        }
    }
    std::size_t not_stopped = 0;
    for (auto kind : kinds) {
        std::cout << "attack " << scenario << " " << name_of(kind) << " against " << target << "\n"
                  << std::flush;
        if (!report(run(kind), not_stopped)) {
            return kExitFailure;
        }
    }
    return exit_code(not_stopped);
}

int run_session_attack(const std::string& name, const SessionArgs& args) {
    auto setup = session_setup(args);
    if (!setup) {
        return kExitUsage;
    }
    std::size_t not_stopped = 0;
    auto header = [&](const std::string& what) {
        std::cout << "attack " << what << " against " << setup->target.text() << "\n" << std::flush;
    };
    if (name == "guess") {
        header("guess");
        attack::GuessOptions options{args.attempts, std::chrono::seconds(args.patience_s)};
        if (!report(attack::run_guess(setup->target, setup->config, args.user, options, std::cout),
                    not_stopped)) {
            return kExitFailure;
        }
        return exit_code(not_stopped);
    }
    auto account = account_of(args.user, args.password_file);
    if (!account) {
        return kExitUsage;
    }
    const auto target = setup->target.text();
    if (name == "tamper") {
        return run_kinds(args.kinds, attack::all_tamper_kinds(), attack::tamper_kind_from,
                         attack::tamper_kind_name, name, target, [&](attack::TamperKind kind) {
                             return attack::run_tamper(kind, setup->target, setup->config, *account,
                                                       std::cout);
                         });
    }
    if (name == "impersonate") {
        // Without the victim's password, the login to its account tries the attacker's.
        auto victim = args.victim_password_file.empty()
                          ? std::optional(attack::Account{args.victim, account->password})
                          : account_of(args.victim, args.victim_password_file);
        if (!victim) {
            return kExitUsage;
        }
        return run_kinds(args.kinds, attack::all_impersonate_kinds(), attack::impersonate_kind_from,
                         attack::impersonate_kind_name, name, target,
                         [&](attack::ImpersonateKind kind) {
                             return attack::run_impersonate(kind, setup->target, setup->config,
                                                            *account, *victim, std::cout);
                         });
    }
    header(name);
    Result<attack::Verdict> verdict = fail("no such attack");
    if (name == "replay") {
        verdict = attack::run_replay(setup->target, setup->config, *account, std::cout);
    } else if (name == "reorder") {
        verdict = attack::run_reorder(setup->target, setup->config, *account, std::cout);
    } else if (name == "reflect") {
        verdict = attack::run_reflect(setup->target, setup->config, *account, std::cout);
    }
    if (!report(verdict, not_stopped)) {
        return kExitFailure;
    }
    return exit_code(not_stopped);
}

std::string bad_cert_names() {
    return joined(attack::all_bad_cert_kinds(), attack::bad_cert_kind_name);
}

int run_bad_cert(const BadCertArgs& args) {
    auto target = target_of(args.server);
    if (!target) {
        return kExitUsage;
    }
    auto ca = ca_files(args.ca, args.ca_dir);
    if (!ca) {
        return kExitUsage;
    }
    proto::Trust trust{ca->cert, {}, proto::kDefaultCertificateSkew, false};
    attack::BadCertSetup setup{
        std::move(trust), args.server_name, std::move(ca->authority), args.user, "", std::nullopt};
    if (!args.revoked_cert.empty()) {
        client::ClientSettings files;
        files.ca = !args.ca.empty() ? args.ca : pki::CaLayout(args.ca_dir).cert;
        files.cert = args.revoked_cert;
        files.key = args.revoked_key;
        auto revoked = client::load_credentials(files);
        if (!revoked) {
            std::cerr << "securechat attack: " << revoked.error().message << "\n";
            return kExitUsage;
        }
        setup.revoked = std::move(revoked->identity);
    }
    std::vector<attack::BadCertKind> kinds;
    for (const auto& k : args.kinds) {
        kinds.push_back(*attack::bad_cert_kind_from(k));  // checked by the option's validator
    }
    if (kinds.empty()) {  // every kind this run can make
        for (auto kind : attack::all_bad_cert_kinds()) {
            if ((!attack::needs_ca(kind) || setup.ca) &&
                (!attack::logs_in(kind) || !args.password_file.empty()) &&
                (kind != attack::BadCertKind::revoked || setup.revoked)) {
                kinds.push_back(kind);
            }
        }
    }
    if (std::any_of(kinds.begin(), kinds.end(), attack::logs_in)) {
        if (args.password_file.empty()) {
            std::cerr << "securechat attack: wrong-name and other-user need --password-file\n";
            return kExitUsage;
        }
        auto account = account_of(args.user, args.password_file);
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
        if (!report(attack::run_bad_cert(kind, *target, setup, std::cout), not_stopped)) {
            return kExitFailure;
        }
    }
    return exit_code(not_stopped);
}

int run_mitm(const MitmArgs& args) {
    auto target = target_of(args.server);
    if (!target) {
        return kExitUsage;
    }
    auto kind = *attack::mitm_kind_from(args.kind);  // checked by the option's validator
    std::cout << "attack mitm " << attack::mitm_kind_name(kind) << " between a client and "
              << target->text() << "\n";
    attack::MitmOptions options;
    options.patience = std::chrono::seconds(args.patience_s);
    options.listening = print_listening;
    auto verdict = attack::run_mitm(kind, *target, options, std::cout);
    std::size_t not_stopped = 0;
    return report(verdict, not_stopped) ? exit_code(not_stopped) : kExitFailure;
}

int run_hostile_server(const HostileArgs& args) {
    auto ca = ca_files(args.ca, args.ca_dir);
    if (!ca) {
        return kExitUsage;
    }
    attack::HostileServerSetup setup{ca->cert,
                                     std::move(ca->authority),
                                     args.name,
                                     "127.0.0.1",
                                     std::chrono::seconds(args.patience_s),
                                     {}};
    setup.listening = print_listening;
    std::cout << "attack hostile-server " << args.kind << "\n";
    Result<attack::Verdict> verdict = fail("no such kind");
    if (auto relay = attack::hostile_relay_kind_from(args.kind)) {
        if (args.peer_cert.empty()) {
            std::cerr << "securechat attack: " << args.kind
                      << " needs --peer-cert and --peer-key: the friend's device it plays\n";
            return kExitUsage;
        }
        client::ClientSettings files;
        files.ca = !args.ca.empty() ? args.ca : pki::CaLayout(args.ca_dir).cert;
        files.cert = args.peer_cert;
        files.key = args.peer_key;
        auto peer = client::load_credentials(files);
        if (!peer) {
            std::cerr << "securechat attack: " << peer.error().message << "\n";
            return kExitUsage;
        }
        attack::RelayOptions options{
            {peer->identity.chain, peer->identity.key}, args.client_data, args.client_output};
        verdict = attack::run_hostile_relay(*relay, setup, options, std::cout);
    } else {
        auto kind = *attack::hostile_server_kind_from(args.kind);  // checked by the validator
        verdict = attack::run_hostile_server(kind, setup, std::cout);
    }
    std::size_t not_stopped = 0;
    return report(verdict, not_stopped) ? exit_code(not_stopped) : kExitFailure;
}

std::string tamper_names() {
    return joined(attack::all_tamper_kinds(), attack::tamper_kind_name);
}

std::string impersonate_names() {
    return joined(attack::all_impersonate_kinds(), attack::impersonate_kind_name);
}

std::string flood_names() {
    return joined(attack::all_flood_kinds(), attack::flood_kind_name);
}

}  // namespace sc::cli
