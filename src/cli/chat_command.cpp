#include "cli/chat_command.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>
#include <optional>
#include <tuple>

#include "cli/cli.h"
#include "client/client_profile.h"
#include "client/client_settings.h"
#include "client/errors_text.h"
#include "client/event_format.h"
#include "client/line_commands.h"
#include "client/line_mode.h"
#include "client/tui/terminal_ui.h"
#include "common/display_text.h"
#include "common/files.h"

namespace sc::cli {
namespace {

namespace fs = std::filesystem;

struct ChatArgs {
    std::string server;
    std::string server_name;
    fs::path ca, crl, cert, key, data_dir;
    bool plain = false;
    bool json = false;
    bool allow_legacy_seed_certs = false;
    int timeout_seconds = 10;
    std::string profile;
};

// Problems with the files we were given, before any connection: in JSON mode as an `error`
// event, so a script reading stdout sees them too.
// `multiline` keeps the line feeds of our own help text (an example profile).
int report_error(const ChatArgs& args, const std::string& message, bool multiline = false) {
    if (args.json) {
        std::cout << client::json_line(client::note::Error{client::code::settings, message}, {})
                  << "\n";
    } else {
        std::cerr << "securechat chat: error: "
                  << (multiline ? display_text_multiline(message) : display_text(message)) << "\n";
    }
    return kExitFailure;
}

// A flag always wins; the profile fills in only what the command line left out.
template <class T, class V>
void fill_from(T& flag, const std::optional<V>& from_profile) {
    if (flag.empty() && from_profile) {
        flag = *from_profile;
    }
}

struct ProfileFailure {
    std::string message;
    bool multiline = false;
    // A setting that neither a flag nor a profile gives is missing, as a required flag was
    // before profiles: a usage error (exit 2). A profile file that does not read is exit 1.
    bool usage = false;
};

// The profile is read when one is named, or when a connection setting is missing: with
// --server, --ca, --cert and --key all given no file is read, as before profiles existed.
std::optional<ProfileFailure> apply_profile(ChatArgs& args) {
    bool complete =
        !args.server.empty() && !args.ca.empty() && !args.cert.empty() && !args.key.empty();
    if (complete && args.profile.empty()) {
        return std::nullopt;
    }
    auto file = client::default_profile_file();
    if (!file) {
        return ProfileFailure{file.error().message};
    }
    std::error_code ec;
    if (!fs::exists(*file, ec)) {
        return ProfileFailure{client::missing_profile_help(*file), true, true};
    }
    auto profile = client::load_profile(*file, args.profile);
    if (!profile) {
        return ProfileFailure{profile.error().message};
    }
    const auto& v = profile->values;
    fill_from(args.server, v.server);
    fill_from(args.server_name, v.server_name);
    fill_from(args.ca, v.ca);
    fill_from(args.crl, v.crl);
    fill_from(args.cert, v.cert);
    fill_from(args.key, v.key);
    fill_from(args.data_dir, v.data_dir);
    for (auto [value_missing, key, flag] : {std::tuple{args.server.empty(), "server", "--server"},
                                            std::tuple{args.ca.empty(), "ca", "--ca"},
                                            std::tuple{args.cert.empty(), "cert", "--cert"},
                                            std::tuple{args.key.empty(), "key", "--key"}}) {
        if (value_missing) {
            return ProfileFailure{"profile '" + profile->name + "' in " + file->string() +
                                      " sets no '" + key + "', and " + flag + " was not given",
                                  false, true};
        }
    }
    return std::nullopt;
}

Result<client::ClientSettings> build_settings(const ChatArgs& args) {
    client::ClientSettings s;
    SC_TRY_ASSIGN(s.server, client::parse_server_address(args.server));
    s.server_name = args.server_name.empty() ? s.server.host : args.server_name;
    // Absolute, because these paths are printed in commands meant to be pasted anywhere.
    s.ca = fs::absolute(args.ca);
    s.crl = args.crl.empty() ? fs::path() : fs::absolute(args.crl);
    s.cert = fs::absolute(args.cert);
    s.key = fs::absolute(args.key);
    if (args.data_dir.empty()) {
        SC_TRY_ASSIGN(s.data_dir, client::default_data_dir());
    } else {
        s.data_dir = fs::absolute(args.data_dir);
    }
    s.timeout = std::chrono::seconds(args.timeout_seconds);
    s.allow_legacy_seed_certs = args.allow_legacy_seed_certs;
    return s;
}

// Which interface runs. Scripts (stdin or stdout not a terminal, --plain, --json) get line mode;
// a person at a terminal gets the full-screen interface.
int run_chat(const ChatArgs& args, client::ClientSettings settings,
             client::ClientCredentials credentials) {
    bool scripted =
        args.plain || args.json || ::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0;
    if (!scripted) {
        return client::tui::run_terminal_ui(std::move(settings), std::move(credentials));
    }
    client::LineModeOptions options{.json = args.json, .terminal_note = false};
    bool ok = client::run_line_mode(std::move(settings), std::move(credentials), options);
    return ok ? kExitOk : kExitFailure;
}

// The client holds its private key, the passwords typed and every message in memory: no core
// file, and no other process of the same user may attach to it or read its memory through
// /proc (I3). First, before any secret is loaded; the server does the same.
Status protect_memory() {
    rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0 || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return fail("cannot turn off core dumps: " + errno_text(errno));
    }
    return {};
}

int run(const ChatArgs& args) {
    if (auto hidden = protect_memory(); !hidden) {
        return report_error(args, hidden.error().message);
    }
    ChatArgs merged = args;
    if (auto failed = apply_profile(merged)) {
        if (failed->usage) {
            std::cerr << "securechat chat: error: " << display_text_multiline(failed->message)
                      << "\n";
            return kExitUsage;
        }
        return report_error(args, failed->message, failed->multiline);
    }
    auto settings = build_settings(merged);
    if (!settings) {
        return report_error(args, settings.error().message);
    }
    auto credentials = client::load_credentials(*settings);
    if (!credentials) {
        return report_error(args, credentials.error().message);
    }
    if (auto made = client::ensure_private_dir(settings->transcripts_dir()); !made) {
        return report_error(args, made.error().message);
    }
    return run_chat(merged, std::move(settings).value(), std::move(credentials).value());
}

}  // namespace

void add_chat_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<ChatArgs>();
    auto* cmd = app.add_subcommand(
        "chat", "Chat with a SecureChat server (line mode: one command or message per line)");
    cmd->footer(std::string("\nLine mode ") + client::line_mode_help() + ".");
    cmd->add_option("--profile", args->profile,
                    "Profile to use from $XDG_CONFIG_HOME/securechat/client.toml (default: its "
                    "default_profile); every flag overrides the profile's value");
    cmd->add_option("--server", args->server, "HOST:PORT of the server ([::1]:6000 for IPv6)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                auto parsed = client::parse_server_address(value);
                return parsed ? "" : parsed.error().message;
            },
            ""))
        ->type_name("HOST:PORT");
    cmd->add_option("--ca", args->ca, "The CA certificate the server's certificate must chain to");
    cmd->add_option("--cert", args->cert, "Our client certificate (PEM, leaf first)");
    cmd->add_option("--key", args->key, "Our private key (PEM)");
    cmd->add_option("--server-name", args->server_name,
                    "Name the server's certificate must carry (default: the host of --server)");
    cmd->add_option("--crl", args->crl, "CRL to check the server's certificate against");
    cmd->add_option("--data-dir", args->data_dir,
                    "Where transcripts and receipts are kept (default: "
                    "$XDG_DATA_HOME/securechat or ~/.local/share/securechat)");
    cmd->add_flag("--plain", args->plain, "Line mode even at a terminal");
    cmd->add_flag("--allow-legacy-seed-certs", args->allow_legacy_seed_certs,
                  "Accept a server certificate without extendedKeyUsage (the seeds' certificates)");
    cmd->add_flag("--json", args->json, "Line mode, printing one JSON object per event");
    cmd->add_option("--timeout", args->timeout_seconds,
                    "Seconds to wait for the connection and for each answer")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->callback([args, &action] { action = [args] { return run(*args); }; });
}

}  // namespace sc::cli
