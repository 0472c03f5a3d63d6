#include "cli/attack_command.h"

#include <memory>

#include "attack/bad_cert.h"
#include "attack/flood.h"
#include "attack/session_attacks.h"
#include "cli/attack_runs.h"

namespace sc::cli {
namespace {

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

template <typename From>
void add_kind_option(CLI::App* cmd, std::vector<std::string>& kinds, const std::string& names,
                     From from) {
    cmd->add_option("--kind", kinds, "Which attack (repeatable; default all): " + names)
        ->check(CLI::Validator(
            [names, from](std::string& value) -> std::string {
                return from(value) ? "" : "'" + value + "' is not one of " + names;
            },
            "KIND"));
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
    add_kind_option(f, flood->kinds, flood_names(), attack::flood_kind_from);
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
          Simple{"impersonate",
                 "Act as another user: log in to their account (with their password) under "
                 "this certificate, relay to a non-friend, make an administrator's request"}}) {
        auto args = std::make_shared<SessionArgs>();
        auto* sub = cmd->add_subcommand(name, help);
        add_session_options(sub, *args, true);
        if (std::string(name) == "impersonate") {
            sub->add_option("--victim", args->victim, "A user the account is not friends with")
                ->required();
            sub->add_option("--victim-password-file", args->victim_password_file,
                            "The victim's password (as if stolen), for the login to its account; "
                            "without it, the account's own is tried");
            add_kind_option(sub, args->kinds, impersonate_names(), attack::impersonate_kind_from);
        }
        sub->callback([args, &action, scenario = std::string(name)] {
            action = [args, scenario] { return run_session_attack(scenario, *args); };
        });
    }

    auto tamper = std::make_shared<SessionArgs>();
    auto* t = cmd->add_subcommand(
        "tamper",
        "Log in, then send a record with a flipped ciphertext bit or a moved seq, or a msg "
        "with a flipped bit in its signature, timestamp or seqno, or a stale one");
    add_session_options(t, *tamper, true);
    add_kind_option(t, tamper->kinds, tamper_names(), attack::tamper_kind_from);
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
                                 "wrong-purpose, wrong-name and other-user certificates");
    b->add_option("--user", bad->user, "The account the certificates name")->required();
    b->add_option("--password-file", bad->password_file,
                  "The account's password, for wrong-name and other-user (a file, not the command "
                  "line)");
    auto* revoked_cert =
        b->add_option("--revoked-cert", bad->revoked_cert,
                      "For revoked: a certificate revoked in the server's CRL (PEM)");
    auto* revoked_key = b->add_option("--revoked-key", bad->revoked_key, "Its private key (PEM)");
    revoked_cert->needs(revoked_key);
    revoked_key->needs(revoked_cert);
    b->add_option("--kind", bad->kinds, "Which (repeatable; default all it can make)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                return attack::bad_cert_kind_from(value)
                           ? ""
                           : "'" + value + "' is not one of " + bad_cert_names();
            },
            "KIND"));
    ca->excludes(ca_dir);
    b->callback([bad, &action] {
        if (bad->ca.empty() && bad->ca_dir.empty()) {
            throw CLI::RequiredError("--ca or --ca-dir");
        }
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
        "A server for a real client: it presents a certificate the client must refuse "
        "(other-ca; with --ca-dir: wrong-name, expired, client-cert), or, with a genuine one "
        "(--ca-dir), mishandles a friend's keys, envelopes or statements (swap-prekey, "
        "swap-device, replay, reorder, drop, forge-stored, forge-delivered, escapes; the "
        "friend's device from --peer-cert and --peer-key)");
    h->add_option("--kind", hostile->kind,
                  "other-ca, wrong-name, expired, client-cert, swap-prekey, swap-device, replay, "
                  "reorder, drop, forge-stored, forge-delivered or escapes")
        ->required()
        ->check(CLI::IsMember({"other-ca", "wrong-name", "expired", "client-cert", "swap-prekey",
                               "swap-device", "replay", "reorder", "drop", "forge-stored",
                               "forge-delivered", "escapes"}));
    h->add_option("--client-data", hostile->client_data,
                  "The client's data directory, to read the warnings it recorded (reorder, drop, "
                  "forge-stored, forge-delivered)");
    h->add_option("--client-output", hostile->client_output,
                  "The file the client's line-mode output (chat --plain or --json) goes to, to "
                  "see what reached its screen (escapes)");
    auto* peer_cert = h->add_option("--peer-cert", hostile->peer_cert,
                                    "The friend's device certificate (PEM), for the relay kinds");
    auto* peer_key = h->add_option("--peer-key", hostile->peer_key, "Its private key (PEM)");
    peer_cert->needs(peer_key);
    peer_key->needs(peer_cert);
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
