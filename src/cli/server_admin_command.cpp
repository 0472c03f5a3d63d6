#include "cli/server_admin_command.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "common/display_text.h"
#include "crypto/secret.h"
#include "server/limits.h"
#include "store/accounts.h"
#include "store/social_store.h"

namespace sc::cli {
namespace {

struct AdminArgs {
    std::string email;
    std::string username;
    std::string remove_fingerprint;
    bool admin = false;
};

// The store `securechat server` would open with these settings, migrated like the server does.
Result<std::unique_ptr<store::Store>> open_configured_store(const server::Settings& s) {
    const store::HashCost wrap_cost{s.security.argon2_opslimit, s.security.argon2_memlimit};
    if (s.database.backend == store::Backend::mysql) {
        auto opened = store::open_mariadb(s.database.mysql, wrap_cost);
        if (!opened) {
            return fail("cannot open the MySQL/MariaDB store: " + opened.error().message);
        }
        return std::move(opened).value();
    }
    std::filesystem::path path = s.database.sqlite_path;
    if (path.empty()) {
        // The first admin may come before the server's first start: make its data directory
        // as the server would (owner only).
        path = s.data_dir / "securechat.db";
        std::error_code ec;
        if (std::filesystem::create_directories(s.data_dir, ec)) {
            std::filesystem::permissions(s.data_dir, std::filesystem::perms::owner_all,
                                         std::filesystem::perm_options::replace, ec);
        }
    }
    auto opened = store::open_sqlite(path, wrap_cost);
    if (!opened) {
        return fail("cannot open the SQLite store " + path.string() + ": " +
                    opened.error().message);
    }
    return std::move(opened).value();
}

store::PasswordPolicy password_policy(const server::Settings& s) {
    return {s.security.min_password_length, server::limits::kMaxPasswordBytes,
            s.security.argon2_opslimit, s.security.argon2_memlimit};
}

// Echo off on the terminal for as long as it lives.
class EchoOff {
  public:
    EchoOff() {
        if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios quiet = saved_;
            quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
            active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~EchoOff() {
        if (active_) {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

// One line of stdin, without its line end, read straight into wiped memory; at most `max`
// bytes are kept (one more says "too long" to the policy check).
Result<crypto::SecretBytes> read_line_secret(std::size_t max) {
    crypto::SecretBytes buffer(max + 1);
    std::size_t used = 0;
    for (;;) {
        unsigned char c = 0;
        ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail("cannot read the password from stdin");
        }
        if (n == 0 || c == '\n') {
            if (n == 0 && used == 0) {
                return fail("no password on stdin (give it as one line)");
            }
            break;
        }
        if (used < buffer.size()) {
            buffer.reveal_mut(crypto::SecretAccess{})[used++] = c;
        }
    }
    if (used > 0 && buffer.reveal(crypto::SecretAccess{})[used - 1] == '\r') {
        --used;
    }
    return crypto::SecretBytes(buffer.reveal(crypto::SecretAccess{}).first(used));
}

// Never from argv (other users see it in ps): a line from stdin, or on a terminal typed twice
// without echo.
Result<crypto::SecretBytes> read_password(const std::string& username) {
    const std::size_t max = server::limits::kMaxPasswordBytes;
    if (isatty(STDIN_FILENO) == 0) {
        return read_line_secret(max);
    }
    EchoOff quiet;
    std::cerr << "Password for " << display_text(username) << ": " << std::flush;
    SC_TRY_ASSIGN(auto first, read_line_secret(max));
    std::cerr << "\nAgain: " << std::flush;
    SC_TRY_ASSIGN(auto second, read_line_secret(max));
    std::cerr << "\n";
    if (!(first == second)) {
        return fail("the two passwords differ");
    }
    return first;
}

std::string utc_time(store::TimePoint when) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &parts);
    return text;
}

// Columns padded to their widest cell; every cell is already display_text.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        widths[i] = header[i].size();
        for (const auto& row : rows) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            text += cells[i];
            if (i + 1 < cells.size()) {
                text += std::string(widths[i] - cells[i].size() + 2, ' ');
            }
        }
        out << text << "\n";
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
}

Result<store::Account> find(store::Store& store, const std::string& username) {
    auto found = store.find_account(username);
    if (!found) {
        return fail(found.error().message);
    }
    if (!found->has_value()) {
        return fail("no account named '" + display_text(username) + "'");
    }
    return std::move(**found);
}

Status check(const store::StoreResult<bool>& changed, const std::string& username) {
    if (!changed) {
        return fail(changed.error().message);
    }
    if (!*changed) {
        return fail("no account named '" + display_text(username) + "'");
    }
    return {};
}

Status add(store::Store& store, const server::Settings& s, const AdminArgs& a) {
    SC_TRY_ASSIGN(auto password, read_password(a.username));
    store::Accounts accounts(store, password_policy(s));
    const store::Role role = a.admin ? store::Role::admin : store::Role::user;
    auto added = accounts.add_account(a.email, a.username, password, role);
    if (!added) {
        return fail(added.error().message);
    }
    std::cout << "added " << (a.admin ? "admin " : "user ") << display_text(added->username) << " ("
              << display_text(added->email)
              << "); they log in with a certificate issued for this name\n";
    return {};
}

Status list(store::Store& store) {
    auto accounts = store.list_accounts();
    if (!accounts) {
        return fail(accounts.error().message);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& account : *accounts) {
        rows.push_back({display_text(account.username), display_text(account.email),
                        std::string(store::role_name(account.role)),
                        account.disabled ? "yes" : "no", utc_time(account.created_at),
                        account.last_login ? utc_time(*account.last_login) : "never"});
    }
    if (rows.empty()) {
        std::cout << "no accounts yet\n";
        return {};
    }
    print_table(std::cout, {"USERNAME", "EMAIL", "ROLE", "DISABLED", "CREATED", "LAST LOGIN"},
                rows);
    if (accounts->size() >= store::kMaxListedAccounts) {
        std::cerr << "(the first " << store::kMaxListedAccounts
                  << " accounts only; there may be more)\n";
    }
    return {};
}

Status set_role(store::Store& store, const AdminArgs& a, store::Role role) {
    SC_TRY_ASSIGN(auto account, find(store, a.username));
    SC_TRY(check(store.set_role(account.id, role), a.username));
    std::cout << display_text(account.username) << " is now "
              << (role == store::Role::admin ? "an admin" : "a regular user") << "\n";
    return {};
}

Status set_disabled(store::Store& store, const AdminArgs& a, bool disabled) {
    SC_TRY_ASSIGN(auto account, find(store, a.username));
    SC_TRY(check(store.set_disabled(account.id, disabled), a.username));
    if (disabled) {
        std::cout << display_text(account.username)
                  << " is disabled: logins are refused from now on (sessions already open on a "
                     "running server end at its next reload, kill -HUP, or with /disable there)\n";
    } else {
        std::cout << display_text(account.username) << " is enabled again\n";
    }
    return {};
}

Status devices(store::Store& store, const AdminArgs& a) {
    SC_TRY_ASSIGN(auto account, find(store, a.username));
    if (!a.remove_fingerprint.empty()) {
        auto removed = store.remove_device(account.id, a.remove_fingerprint);
        if (!removed) {
            return fail(removed.error().message);
        }
        if (!*removed) {
            return fail(display_text(account.username) + " has no device " +
                        display_text(a.remove_fingerprint));
        }
        std::cout << "removed device " << display_text(a.remove_fingerprint) << " of "
                  << display_text(account.username)
                  << " (revoke its certificate with securechat pki revoke to refuse it)\n";
        return {};
    }
    auto listed = store.devices(account.id);
    if (!listed) {
        return fail(listed.error().message);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& device : *listed) {
        rows.push_back({display_text(device.fingerprint), display_text(device.name),
                        utc_time(device.first_seen), utc_time(device.last_seen)});
    }
    if (rows.empty()) {
        std::cout << display_text(account.username) << " has no devices recorded yet\n";
        return {};
    }
    print_table(std::cout, {"FINGERPRINT", "NAME", "FIRST SEEN", "LAST SEEN"}, rows);
    return {};
}

enum class Verb { add, list, promote, demote, disable, enable, devices };

int run_admin(const SettingsBuilder& build_settings, Verb verb, const AdminArgs& a) {
    auto done = [&]() -> Status {
        SC_TRY_ASSIGN(auto settings, build_settings());
        SC_TRY_ASSIGN(auto store, open_configured_store(settings));
        switch (verb) {
            case Verb::add:
                return add(*store, settings, a);
            case Verb::list:
                return list(*store);
            case Verb::promote:
                return set_role(*store, a, store::Role::admin);
            case Verb::demote:
                return set_role(*store, a, store::Role::user);
            case Verb::disable:
                return set_disabled(*store, a, true);
            case Verb::enable:
                return set_disabled(*store, a, false);
            case Verb::devices:
                return devices(*store, a);
        }
        return fail("unknown admin command");
    }();
    if (!done) {
        std::cerr << "securechat server admin: error: " << done.error().message << "\n";
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace

CLI::App* add_server_admin_command(CLI::App& server, SettingsBuilder build_settings,
                                   std::function<int()>& action) {
    auto args = std::make_shared<AdminArgs>();
    auto settings = std::make_shared<SettingsBuilder>(std::move(build_settings));
    auto* admin = server.add_subcommand(
        "admin", "Manage accounts on this host, straight on the configured store (no network)");
    admin->require_subcommand(1);
    // The server's flags (--config, --db, ...) may also come after the subcommand; inherited by
    // the subcommands added below.
    admin->fallthrough();
    auto verb = [&](const char* name, const char* help, Verb which) {
        auto* cmd = admin->add_subcommand(name, help);
        cmd->callback([settings, args, which, &action] {
            action = [settings, args, which] { return run_admin(*settings, which, *args); };
        });
        return cmd;
    };
    auto* add_cmd =
        verb("add", "Add an account (password: one line on stdin, or asked for)", Verb::add);
    add_cmd->add_option("EMAIL", args->email, "Email address")->required();
    add_cmd->add_option("USERNAME", args->username, "Username")->required();
    add_cmd->add_flag("--admin", args->admin, "Make the account an admin");
    verb("list", "List the accounts", Verb::list);
    const std::pair<const char*, std::pair<const char*, Verb>> on_user[] = {
        {"promote", {"Make USER an admin", Verb::promote}},
        {"demote", {"Make USER a regular user", Verb::demote}},
        {"disable", {"Refuse USER's logins", Verb::disable}},
        {"enable", {"Allow USER's logins again", Verb::enable}},
    };
    for (const auto& [name, what] : on_user) {
        verb(name, what.first, what.second)
            ->add_option("USER", args->username, "Username")
            ->required();
    }
    auto* devices_cmd = verb("devices", "List USER's devices (certificates seen)", Verb::devices);
    devices_cmd->add_option("USER", args->username, "Username")->required();
    devices_cmd->add_option("--remove", args->remove_fingerprint,
                            "Forget the device with this fingerprint (64 hex digits)");
    return admin;
}

}  // namespace sc::cli
