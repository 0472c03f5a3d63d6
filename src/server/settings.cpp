#include "server/settings.h"

#include <toml++/toml.h>
#include <asio/ip/address.hpp>
#include <cstdlib>

#include <algorithm>
#include <array>
#include <functional>

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
    } else if constexpr (std::is_same_v<T, bool>) {
        auto v = node->value_exact<bool>();
        if (!v) {
            return fail("'" + std::string(key) + "' must be true or false");
        }
        out = *v;
    } else if constexpr (std::is_same_v<T, std::chrono::seconds> ||
                         std::is_same_v<T, std::chrono::milliseconds> ||
                         std::is_same_v<T, std::chrono::hours> ||
                         std::is_same_v<T, std::chrono::days>) {
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

// One row per TOML key: the key and the reader that puts it into its member, so that the
// unknown-key check and the reading come from the same list (review D4).
template <class Section>
struct Field {
    std::string_view key;
    Status (*read)(const toml::table&, std::string_view, Section&);
};

template <class>
struct MemberOf;
template <class S, class T>
struct MemberOf<T S::*> {
    using Section = S;
};

template <auto Member>
Status read_member(const toml::table& t, std::string_view key,
                   typename MemberOf<decltype(Member)>::Section& section) {
    return read_value(t, key, section.*Member);
}

Status check_keys(const toml::table& table, std::string_view where,
                  const std::function<bool(std::string_view)>& allowed) {
    for (const auto& [key, value] : table) {
        (void)value;
        if (!allowed(key.str())) {
            return fail("unknown setting '" + std::string(key.str()) + "' in " +
                        std::string(where));
        }
    }
    return {};
}

Status check_keys(const toml::table& table, std::string_view where,
                  std::initializer_list<std::string_view> allowed) {
    return check_keys(table, where, [&](std::string_view key) {
        return std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    });
}

template <class Section, std::size_t N>
bool has_field(const std::array<Field<Section>, N>& fields, std::string_view key) {
    return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.key == key; });
}

// Refuses keys the table does not list (typos), then reads every listed one that is present.
template <class Section, std::size_t N>
Status load_fields(const toml::table& t, std::string_view where,
                   const std::array<Field<Section>, N>& fields, Section& section) {
    SC_TRY(check_keys(t, where, [&](std::string_view key) { return has_field(fields, key); }));
    for (const auto& field : fields) {
        SC_TRY(field.read(t, field.key, section));
    }
    return {};
}

// held_expiry in hours (the operator's unit) or in seconds (tests); held_expiry_s wins.
Status read_held_expiry_hours(const toml::table& t, std::string_view key, Limits& limits) {
    if (t.contains(key)) {
        std::chrono::hours hours{};
        SC_TRY(read_value(t, key, hours));
        limits.held_expiry = hours;
    }
    return {};
}
Status read_held_expiry_s(const toml::table& t, std::string_view key, Limits& limits) {
    return read_value(t, key, limits.held_expiry);
}

#define SC_READ(table, key, field) SC_TRY(read_value(table, key, field))

constexpr std::array<Field<Limits>, 34> kLimitFields{{
    {"max_connections", &read_member<&Limits::max_connections>},
    {"max_handshakes_in_flight", &read_member<&Limits::max_handshakes_in_flight>},
    {"max_unauthenticated_per_ip", &read_member<&Limits::max_unauthenticated_per_ip>},
    {"hello_timeout_s", &read_member<&Limits::hello_timeout>},
    {"handshake_timeout_s", &read_member<&Limits::handshake_timeout>},
    {"handshakes_per_block_per_s", &read_member<&Limits::handshakes_per_block_per_s>},
    {"handshake_burst_per_block", &read_member<&Limits::handshake_burst_per_block>},
    {"idle_timeout_s", &read_member<&Limits::idle_timeout>},
    {"max_outbound_bytes", &read_member<&Limits::max_outbound_bytes>},
    {"worker_threads", &read_member<&Limits::worker_threads>},
    {"max_queued_auth", &read_member<&Limits::max_queued_auth>},
    {"max_queued_registrations", &read_member<&Limits::max_queued_registrations>},
    {"query_threads", &read_member<&Limits::query_threads>},
    {"max_queued_queries", &read_member<&Limits::max_queued_queries>},
    {"io_threads", &read_member<&Limits::io_threads>},
    {"shutdown_grace_s", &read_member<&Limits::shutdown_grace>},
    {"login_free_failures", &read_member<&Limits::login_free_failures>},
    {"login_free_failures_per_account", &read_member<&Limits::login_free_failures_per_account>},
    {"login_free_failures_per_block", &read_member<&Limits::login_free_failures_per_block>},
    {"login_max_delay_s", &read_member<&Limits::login_max_delay>},
    {"registrations_per_block_per_hour", &read_member<&Limits::registrations_per_block_per_hour>},
    {"registrations_per_certificate_per_hour",
     &read_member<&Limits::registrations_per_certificate_per_hour>},
    {"max_sessions_per_account", &read_member<&Limits::max_sessions_per_account>},
    {"max_authenticated_per_block", &read_member<&Limits::max_authenticated_per_block>},
    {"max_transcript_bytes_per_account_per_day",
     &read_member<&Limits::max_transcript_bytes_per_account_per_day>},
    {"friend_ops_burst", &read_member<&Limits::friend_ops_burst>},
    {"friend_ops_per_minute", &read_member<&Limits::friend_ops_per_minute>},
    {"relay_burst", &read_member<&Limits::relay_burst>},
    {"relay_per_minute", &read_member<&Limits::relay_per_minute>},
    {"held_per_device", &read_member<&Limits::held_per_device>},
    {"held_bytes_per_device", &read_member<&Limits::held_bytes_per_device>},
    {"held_expiry_hours", &read_held_expiry_hours},
    {"held_expiry_s", &read_held_expiry_s},
    {"held_sweep_interval_s", &read_member<&Limits::held_sweep_interval>},
}};

constexpr std::array<Field<Security>, 11> kSecurityFields{{
    {"clock_skew_s", &read_member<&Security::clock_skew>},
    {"ts_window_ms", &read_member<&Security::ts_window>},
    {"rekey_after_records", &read_member<&Security::rekey_after_records>},
    {"rekey_after_s", &read_member<&Security::rekey_after>},
    {"min_password_length", &read_member<&Security::min_password_length>},
    {"argon2_opslimit", &read_member<&Security::argon2_opslimit>},
    {"argon2_memlimit", &read_member<&Security::argon2_memlimit>},
    {"allowed_client_names", &read_member<&Security::allowed_client_names>},
    {"groups", &read_member<&Security::groups>},
    {"allow_legacy_seed_certs", &read_member<&Security::allow_legacy_seed_certs>},
    {"crl_warn_days", &read_member<&Security::crl_warn_before>},
}};

constexpr std::array<Field<IdentityBinding>, 1> kIdentityFields{{
    {"bind_accounts", &read_member<&IdentityBinding::bind_accounts>},
}};

// The top level's plain values; `listen` and the tables are read apart.
constexpr std::array<Field<Settings>, 6> kTopLevelFields{{
    {"cert", &read_member<&Settings::cert>},
    {"key", &read_member<&Settings::key>},
    {"ca", &read_member<&Settings::ca>},
    {"crl", &read_member<&Settings::crl>},
    {"data_dir", &read_member<&Settings::data_dir>},
    {"log_level", &read_member<&Settings::log_level>},
}};
constexpr std::array<std::string_view, 8> kTopLevelOthers{
    "listen", "database", "limits", "security", "users", "identity", "log", "metrics"};

Status load_metrics(const toml::table& t, MetricsSettings& m) {
    SC_TRY(check_keys(t, "[metrics]", {"listen", "allow_remote"}));
    SC_READ(t, "listen", m.listen);
    SC_READ(t, "allow_remote", m.allow_remote);
    return {};
}

Status load_log(const toml::table& t, Settings& s) {
    SC_TRY(check_keys(t, "[log]", {"format"}));
    SC_READ(t, "format", s.log_format);
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

Status load_users(const toml::table& t, Users& u) {
    SC_TRY(check_keys(t, "[users]", {"messages_from"}));
    std::string from(u.messages_from == MessagesFrom::anyone ? "anyone" : "friends");
    SC_READ(t, "messages_from", from);
    SC_TRY_ASSIGN(u.messages_from, parse_messages_from(from));
    return {};
}

}  // namespace

Result<MessagesFrom> parse_messages_from(std::string_view name) {
    if (name == "friends") {
        return MessagesFrom::friends;
    }
    if (name == "anyone") {
        return MessagesFrom::anyone;
    }
    return fail("users.messages_from must be \"friends\" or \"anyone\", not '" + std::string(name) +
                "'");
}

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
    SC_TRY(check_keys(t, source, [](std::string_view key) {
        return has_field(kTopLevelFields, key) ||
               std::find(kTopLevelOthers.begin(), kTopLevelOthers.end(), key) !=
                   kTopLevelOthers.end();
    }));
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
    for (const auto& field : kTopLevelFields) {
        SC_TRY(field.read(t, field.key, s));
    }
    if (auto* db = t.get_as<toml::table>("database")) {
        SC_TRY(load_database(*db, s.database));
    }
    if (auto* limits = t.get_as<toml::table>("limits")) {
        SC_TRY(load_fields(*limits, "[limits]", kLimitFields, s.limits));
    }
    if (auto* security = t.get_as<toml::table>("security")) {
        SC_TRY(load_fields(*security, "[security]", kSecurityFields, s.security));
    }
    if (auto* users = t.get_as<toml::table>("users")) {
        SC_TRY(load_users(*users, s.users));
    }
    if (auto* identity = t.get_as<toml::table>("identity")) {
        SC_TRY(load_fields(*identity, "[identity]", kIdentityFields, s.identity));
    }
    if (auto* log = t.get_as<toml::table>("log")) {
        SC_TRY(load_log(*log, s));
    }
    if (auto* metrics = t.get_as<toml::table>("metrics")) {
        SC_TRY(load_metrics(*metrics, s.metrics));
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
        if (auto c = pki::load_crls(s.crl); !c) {
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
    if (s.limits.friend_ops_burst == 0 || s.limits.friend_ops_per_minute == 0) {
        problem("limits.friend_ops_burst and friend_ops_per_minute must be >= 1");
    }
    if (s.limits.relay_burst == 0 || s.limits.relay_per_minute == 0) {
        problem("limits.relay_burst and relay_per_minute must be >= 1");
    }
    if (s.limits.held_per_device == 0 || s.limits.held_bytes_per_device == 0) {
        problem("limits.held_per_device and held_bytes_per_device must be >= 1");
    }
    if (s.limits.held_expiry.count() == 0 || s.limits.held_expiry > limits::kHeldExpiry) {
        problem(
            "limits.held_expiry_hours must be between 1 and 336 (14 days: a recipient refuses "
            "older messages)");
    }
    if (s.limits.held_sweep_interval.count() == 0) {
        problem("limits.held_sweep_interval_s must be at least 1");
    }
    if (s.limits.query_threads == 0) {
        problem("limits.query_threads must be at least 1");
    }
    if (s.limits.worker_threads == 0) {
        problem("limits.worker_threads must be at least 1");
    }
    if (s.log_level != "debug" && s.log_level != "info" && s.log_level != "warn" &&
        s.log_level != "error") {
        problem("log_level must be debug, info, warn or error");
    }
    if (!s.metrics.listen.empty()) {
        if (auto e = parse_endpoint(s.metrics.listen); !e) {
            problem("metrics.listen: " + e.error().message);
        } else if (asio::error_code ec;
                   !asio::ip::make_address(e->first, ec).is_loopback() && !s.metrics.allow_remote) {
            problem("metrics.listen " + s.metrics.listen +
                    " is not a loopback address; set metrics.allow_remote = true to serve the "
                    "metrics beyond this host");
        }
    }
    if (s.log_format != "text" && s.log_format != "json") {
        problem("log.format must be \"text\" or \"json\", not '" + s.log_format + "'");
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
