#include "server/settings.h"

#include <toml++/toml.h>
#include <cstdlib>

#include <algorithm>

#include "crypto/key_exchange.h"
#include "pki/ca_directory.h"

namespace sc::server {
namespace {

template <class T>
Status read_value(const toml::table& table, std::string_view key, T& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return {};
    }
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        const auto* array = node->as_array();
        if (array == nullptr) {
            return fail("'" + std::string(key) + "' must be an array of strings");
        }
        out.clear();
        for (const auto& item : *array) {
            auto v = item.value<std::string>();
            if (!v) {
                return fail("'" + std::string(key) + "' must be an array of strings");
            }
            out.push_back(*v);
        }
    } else if constexpr (std::is_same_v<T, std::string> ||
                         std::is_same_v<T, std::filesystem::path>) {
        auto v = node->value<std::string>();
        if (!v) {
            return fail("'" + std::string(key) + "' must be a string");
        }
        out = *v;
    } else if constexpr (std::is_same_v<T, std::chrono::seconds> ||
                         std::is_same_v<T, std::chrono::milliseconds>) {
        auto v = node->value<std::int64_t>();
        if (!v || *v < 0) {
            return fail("'" + std::string(key) + "' must be a non-negative integer");
        }
        out = T(*v);
    } else {
        auto v = node->value<std::int64_t>();
        if (!v || *v < 0) {
            return fail("'" + std::string(key) + "' must be a non-negative integer");
        }
        out = static_cast<T>(*v);
    }
    return {};
}

Status check_keys(const toml::table& table, std::string_view where,
                  std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : table) {
        (void)value;
        if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
            return fail("unknown setting '" + std::string(key.str()) + "' in " +
                        std::string(where));
        }
    }
    return {};
}

#define SC_READ(table, key, field) SC_TRY(read_value(table, key, field))

Status load_limits(const toml::table& t, Limits& l) {
    SC_TRY(check_keys(t, "[limits]",
                      {"max_connections",
                       "max_handshakes_in_flight",
                       "max_unauthenticated_per_ip",
                       "hello_timeout_s",
                       "handshake_timeout_s",
                       "handshakes_per_block_per_s",
                       "handshake_burst_per_block",
                       "idle_timeout_s",
                       "max_outbound_bytes",
                       "worker_threads",
                       "max_queued_auth",
                       "max_queued_registrations",
                       "io_threads",
                       "shutdown_grace_s",
                       "login_free_failures",
                       "login_free_failures_per_account",
                       "login_free_failures_per_block",
                       "login_max_delay_s",
                       "registrations_per_block_per_hour",
                       "registrations_per_certificate_per_hour",
                       "max_sessions_per_account",
                       "max_authenticated_per_block",
                       "max_transcript_bytes_per_account_per_day"}));
    SC_READ(t, "max_connections", l.max_connections);
    SC_READ(t, "max_handshakes_in_flight", l.max_handshakes_in_flight);
    SC_READ(t, "max_unauthenticated_per_ip", l.max_unauthenticated_per_ip);
    SC_READ(t, "hello_timeout_s", l.hello_timeout);
    SC_READ(t, "handshake_timeout_s", l.handshake_timeout);
    SC_READ(t, "handshakes_per_block_per_s", l.handshakes_per_block_per_s);
    SC_READ(t, "handshake_burst_per_block", l.handshake_burst_per_block);
    SC_READ(t, "idle_timeout_s", l.idle_timeout);
    SC_READ(t, "max_outbound_bytes", l.max_outbound_bytes);
    SC_READ(t, "worker_threads", l.worker_threads);
    SC_READ(t, "max_queued_auth", l.max_queued_auth);
    SC_READ(t, "max_queued_registrations", l.max_queued_registrations);
    SC_READ(t, "io_threads", l.io_threads);
    SC_READ(t, "shutdown_grace_s", l.shutdown_grace);
    SC_READ(t, "login_free_failures", l.login_free_failures);
    SC_READ(t, "login_free_failures_per_account", l.login_free_failures_per_account);
    SC_READ(t, "login_free_failures_per_block", l.login_free_failures_per_block);
    SC_READ(t, "login_max_delay_s", l.login_max_delay);
    SC_READ(t, "registrations_per_block_per_hour", l.registrations_per_block_per_hour);
    SC_READ(t, "registrations_per_certificate_per_hour", l.registrations_per_certificate_per_hour);
    SC_READ(t, "max_sessions_per_account", l.max_sessions_per_account);
    SC_READ(t, "max_authenticated_per_block", l.max_authenticated_per_block);
    SC_READ(t, "max_transcript_bytes_per_account_per_day",
            l.max_transcript_bytes_per_account_per_day);
    return {};
}

Status load_security(const toml::table& t, Security& s) {
    SC_TRY(
        check_keys(t, "[security]",
                   {"clock_skew_s", "ts_window_ms", "rekey_after_records", "rekey_after_s",
                    "min_password_length", "argon2_opslimit", "argon2_memlimit",
                    "allowed_client_names", "groups", "crl_warn_days", "allow_legacy_seed_certs"}));
    SC_READ(t, "clock_skew_s", s.clock_skew);
    SC_READ(t, "ts_window_ms", s.ts_window);
    SC_READ(t, "rekey_after_records", s.rekey_after_records);
    SC_READ(t, "rekey_after_s", s.rekey_after);
    SC_READ(t, "min_password_length", s.min_password_length);
    SC_READ(t, "argon2_opslimit", s.argon2_opslimit);
    SC_READ(t, "argon2_memlimit", s.argon2_memlimit);
    SC_READ(t, "allowed_client_names", s.allowed_client_names);
    SC_READ(t, "groups", s.groups);
    SC_READ(t, "allow_legacy_seed_certs", s.allow_legacy_seed_certs);
    std::int64_t warn_days = s.crl_warn_before.count();
    SC_READ(t, "crl_warn_days", warn_days);
    s.crl_warn_before = std::chrono::days(warn_days);
    return {};
}

Status load_database(const toml::table& t, Database& d) {
    SC_TRY(check_keys(t, "[database]",
                      {"backend", "path", "host", "port", "socket", "user", "password", "name",
                       "tls_ca", "allow_cleartext_remote"}));
    std::string backend(store::backend_name(d.backend));
    SC_READ(t, "backend", backend);
    SC_TRY_ASSIGN(d.backend, parse_backend_setting(backend));
    SC_READ(t, "path", d.sqlite_path);
    SC_READ(t, "host", d.mysql.host);
    SC_READ(t, "port", d.mysql.port);
    SC_READ(t, "socket", d.mysql.unix_socket);
    SC_READ(t, "user", d.mysql.user);
    SC_READ(t, "password", d.mysql.password);
    SC_READ(t, "name", d.mysql.database);
    SC_READ(t, "tls_ca", d.mysql.tls_ca);
    SC_READ(t, "allow_cleartext_remote", d.mysql.allow_cleartext_remote);
    return {};
}

}  // namespace

Status load_table(const toml::table& t, const std::string& source, Settings& s);

// toml++ as packaged reports parse errors by exception; they stop at this boundary.
Status load_toml(const std::filesystem::path& file, Settings& s) {
    if (!std::filesystem::exists(file)) {
        return fail("config file " + file.string() + " does not exist");
    }
    try {
        toml::table table = toml::parse_file(file.string());
        return load_table(table, file.string(), s);
    } catch (const toml::parse_error& err) {
        return fail(file.string() + ":" + std::to_string(err.source().begin.line) + ": " +
                    std::string(err.description()));
    }
}

Status load_toml_text(std::string_view text, std::string_view source, Settings& s) {
    try {
        toml::table table = toml::parse(text, source);
        return load_table(table, std::string(source), s);
    } catch (const toml::parse_error& err) {
        return fail(std::string(source) + ": " + std::string(err.description()));
    }
}

Status load_table(const toml::table& t, const std::string& source, Settings& s) {
    SC_TRY(check_keys(t, source,
                      {"listen", "cert", "key", "ca", "crl", "data_dir", "log_level", "database",
                       "limits", "security"}));
    if (const toml::node* listen = t.get("listen")) {
        s.listen.clear();
        if (auto* one = listen->as_string()) {
            s.listen.push_back(one->get());
        } else if (auto* many = listen->as_array()) {
            for (const auto& item : *many) {
                auto v = item.value<std::string>();
                if (!v) {
                    return fail("'listen' must hold strings like \"127.0.0.1:6000\"");
                }
                s.listen.push_back(*v);
            }
        } else {
            return fail("'listen' must be a string or an array of strings");
        }
    }
    SC_READ(t, "cert", s.cert);
    SC_READ(t, "key", s.key);
    SC_READ(t, "ca", s.ca);
    SC_READ(t, "crl", s.crl);
    SC_READ(t, "data_dir", s.data_dir);
    SC_READ(t, "log_level", s.log_level);
    if (auto* db = t.get_as<toml::table>("database")) {
        SC_TRY(load_database(*db, s.database));
    }
    if (auto* limits = t.get_as<toml::table>("limits")) {
        SC_TRY(load_limits(*limits, s.limits));
    }
    if (auto* security = t.get_as<toml::table>("security")) {
        SC_TRY(load_security(*security, s.security));
    }
    return {};
}

void apply_environment(Settings& s) {
    auto env = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
    };
    bool any = false;
    if (auto v = env("DB_HOST")) {
        s.database.mysql.host = *v;
        any = true;
    }
    if (auto v = env("DB_USER")) {
        s.database.mysql.user = *v;
        any = true;
    }
    if (auto v = env("DB_PASS")) {
        s.database.mysql.password = *v;
        any = true;
    }
    if (auto v = env("DB_NAME")) {
        s.database.mysql.database = *v;
        any = true;
    }
    if (auto v = env("DB_PORT")) {
        s.database.mysql.port = static_cast<unsigned>(std::strtoul(v->c_str(), nullptr, 10));
        any = true;
    }
    if (auto v = env("DB_SOCKET")) {
        s.database.mysql.unix_socket = *v;
        any = true;
    }
    if (auto v = env("DB_TLS_CA")) {
        s.database.mysql.tls_ca = *v;
        any = true;
    }
    if (any) {
        s.database.backend = store::Backend::mysql;
    }
}

Result<std::pair<std::string, unsigned short>> parse_endpoint(const std::string& text) {
    std::string host;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail("listen address '" + text + "' must look like [::1]:6000");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) {
            return fail("listen address '" + text + "' must look like 127.0.0.1:6000");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    char* end = nullptr;
    unsigned long value = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || value > 65535) {
        return fail("listen address '" + text + "' has a bad port");
    }
    return std::make_pair(host, static_cast<unsigned short>(value));
}

Status validate(const Settings& s) {
    std::string problems;
    auto problem = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
    if (s.listen.empty()) {
        problem("no listen address");
    }
    for (const auto& l : s.listen) {
        if (auto e = parse_endpoint(l); !e) {
            problem(e.error().message);
        }
    }
    for (const auto& [name, path] :
         {std::pair<const char*, const std::filesystem::path&>{"cert", s.cert},
          {"key", s.key},
          {"ca", s.ca}}) {
        if (path.empty()) {
            problem(std::string("'") + name + "' is not set");
        } else if (!std::filesystem::exists(path)) {
            problem(std::string("'") + name + "' file " + path.string() + " does not exist");
        }
    }
    if (!s.cert.empty() && std::filesystem::exists(s.cert)) {
        if (auto c = pki::load_certificate_chain(s.cert); !c) {
            problem(c.error().message);
        }
    }
    if (!s.crl.empty()) {
        if (auto c = pki::load_crl(s.crl); !c) {
            problem(c.error().message);
        }
    }
    if (s.security.groups.empty()) {
        problem("security.groups must name at least one group");
    }
    for (auto it = s.security.groups.begin(); it != s.security.groups.end(); ++it) {
        const auto& g = *it;
        if (!crypto::parse_dh_group(g)) {
            problem("security.groups: unknown group '" + g + "' (x25519 or ffdhe3072)");
        }
        if (std::find(s.security.groups.begin(), it, g) != it) {
            problem("security.groups lists '" + g + "' twice");
        }
    }
    if (s.limits.hello_timeout.count() == 0 ||
        s.limits.hello_timeout > s.limits.handshake_timeout) {
        problem("limits.hello_timeout_s must be between 1 and handshake_timeout_s");
    }
    if (s.limits.handshakes_per_block_per_s == 0 || s.limits.handshake_burst_per_block == 0) {
        problem("limits.handshakes_per_block_per_s and handshake_burst_per_block must be >= 1");
    }
    if (s.limits.worker_threads == 0) {
        problem("limits.worker_threads must be at least 1");
    }
    if (s.log_level != "debug" && s.log_level != "info" && s.log_level != "warn" &&
        s.log_level != "error") {
        problem("log_level must be debug, info, warn or error");
    }
    if (!problems.empty()) {
        return fail(problems);
    }
    return {};
}

Result<store::Backend> parse_backend_setting(std::string_view name) {
    if (auto backend = store::parse_backend(name)) {
        return *backend;
    }
    return fail("database backend must be \"sqlite\" or \"mysql\"");
}

}  // namespace sc::server
