#include "cli/server_command.h"

#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/server_admin_command.h"
#include "server/server.h"
#include "server/settings.h"
#include "server/startup.h"

namespace sc::cli {
namespace {

struct ServerArgs {
    std::filesystem::path config;
    std::vector<std::string> sets;
    std::vector<std::string> listen;
    std::vector<std::string> allow_clients;
    std::string cert, key, ca, crl, data_dir, log_level, log_format, db, db_path, db_host, db_user,
        db_name, db_socket;
    unsigned db_port = 0;
    bool check_config = false;
    bool allow_legacy_seed_certs = false;
};

// Flags win over the environment, which wins over the file.
Result<server::Settings> build_settings(const ServerArgs& a) {
    server::Settings s;
    if (!a.config.empty()) {
        SC_TRY(server::load_toml(a.config, s));
        s.config_file = a.config;
    }
    server::apply_environment(s);
    for (const auto& set : a.sets) {
        SC_TRY(server::load_toml_text(set, "--set " + set, s));
    }
    if (!a.listen.empty()) {
        s.listen = a.listen;
    }
    if (a.allow_legacy_seed_certs) {
        s.security.allow_legacy_seed_certs = true;
    }
    if (!a.allow_clients.empty()) {
        s.security.allowed_client_names = a.allow_clients;
    }
    auto take = [](const std::string& flag, auto& field) {
        if (!flag.empty()) {
            field = flag;
        }
    };
    take(a.cert, s.cert);
    take(a.key, s.key);
    take(a.ca, s.ca);
    take(a.crl, s.crl);
    take(a.data_dir, s.data_dir);
    take(a.log_level, s.log_level);
    take(a.log_format, s.log_format);
    if (!a.db.empty()) {
        SC_TRY_ASSIGN(s.database.backend, server::parse_backend_setting(a.db));
    }
    take(a.db_path, s.database.sqlite_path);
    take(a.db_host, s.database.mysql.host);
    take(a.db_user, s.database.mysql.user);
    take(a.db_name, s.database.mysql.database);
    take(a.db_socket, s.database.mysql.unix_socket);
    if (a.db_port != 0) {
        s.database.mysql.port = a.db_port;
    }
    return s;
}

int run_server(const ServerArgs& args) {
    auto settings = build_settings(args);
    if (!settings) {
        std::cerr << "securechat server: error: " << settings.error().message << "\n";
        return kExitFailure;
    }
    if (args.check_config) {
        // Everything a start would need, tried without starting; every problem, one a line.
        const auto problems = server::check_startup(*settings);
        if (!problems.empty()) {
            std::cerr << "securechat server: configuration is invalid (" << problems.size()
                      << (problems.size() == 1 ? " problem" : " problems") << "):\n";
            for (const auto& problem : problems) {
                std::cerr << "  - " << problem << "\n";
            }
            return kExitFailure;
        }
        std::cout << "configuration OK\n";
        return kExitOk;
    }
    server::disable_core_dumps();
    auto server = server::Server::create(std::move(settings).value());
    if (!server) {
        std::cerr << "securechat server: error: " << server.error().message << "\n";
        return kExitFailure;
    }
    (*server)->install_signal_handlers();  // before anyone learns that we listen
    if (auto metrics = (*server)->metrics_endpoint()) {
        std::cout << "metrics on " << *metrics << "\n" << std::flush;
    }
    for (const auto& ep : (*server)->endpoints()) {
        std::cout << "listening on " << ep << "\n" << std::flush;
    }
    return (*server)->run();
}

}  // namespace

void add_server_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<ServerArgs>();
    auto* cmd = app.add_subcommand("server", "Run the SecureChat server");
    cmd->add_option("--config", args->config, "TOML settings file");
    cmd->add_option("--set", args->sets,
                    "Any setting as TOML, e.g. --set limits.idle_timeout_s=60 (repeatable)");
    cmd->add_option("--listen", args->listen, "host:port to listen on (repeatable; [::1]:6000)");
    cmd->add_option("--cert", args->cert, "Server certificate (PEM, leaf first)");
    cmd->add_option("--key", args->key, "Server private key (PEM)");
    cmd->add_option("--ca", args->ca, "The CA that client certificates must chain to");
    cmd->add_option("--crl", args->crl, "CRL to check client certificates against");
    cmd->add_option("--allow-client", args->allow_clients,
                    "Accept only client certificates with this name (repeatable; default: any "
                    "certificate from the CA)");
    cmd->add_flag("--allow-legacy-seed-certs", args->allow_legacy_seed_certs,
                  "Accept client certificates without extendedKeyUsage (the seeds' certificates)");
    cmd->add_option("--data-dir", args->data_dir, "Where the database and transcripts live");
    cmd->add_option("--log-level", args->log_level, "debug, info, warn or error");
    cmd->add_option("--log-format", args->log_format,
                    "text (event=... key=value) or json (one object per line)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--db", args->db, "sqlite (default) or mysql");
    cmd->add_option("--db-path", args->db_path, "SQLite file (default DATA_DIR/securechat.db)");
    cmd->add_option("--db-host", args->db_host, "MySQL/MariaDB host (or DB_HOST)");
    cmd->add_option("--db-port", args->db_port, "MySQL/MariaDB port");
    cmd->add_option("--db-socket", args->db_socket, "MySQL/MariaDB unix socket");
    cmd->add_option("--db-user", args->db_user,
                    "MySQL/MariaDB user (or DB_USER; password: DB_PASS)");
    cmd->add_option("--db-name", args->db_name, "MySQL/MariaDB database (or DB_NAME)");
    cmd->add_flag("--check-config", args->check_config, "Validate the settings and exit");
    auto* admin = add_server_admin_command(
        *cmd, [args] { return build_settings(*args); }, action);
    cmd->callback([args, admin, &action] {
        if (!admin->parsed()) {  // `server admin ...` chose its own action
            action = [args] { return run_server(*args); };
        }
    });
}

}  // namespace sc::cli
