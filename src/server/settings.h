// Everything `securechat server` can be told, from a TOML file, flags and the seeds' DB_*
// environment variables (flags win over the environment, which wins over the file).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/limits.h"
#include "store/account_store.h"
#include "store/backend.h"

namespace sc::server {

struct Limits {
    std::size_t max_connections = limits::kMaxConnections;
    // Admission before login (docs/SECURITY.md, H2 and L10). Counted per address block: /24
    // for IPv4, /64 for IPv6. When a table is full, the oldest connection that has not sent a
    // complete frame yet is evicted instead of the newcomer being refused.
    std::size_t max_handshakes_in_flight = limits::kMaxHandshakesInFlight;         // server-wide
    std::size_t max_unauthenticated_per_ip = limits::kMaxUnauthenticatedPerBlock;  // per block
    std::chrono::seconds hello_timeout = limits::kHelloTimeout;  // → `hello` and `dh_client`
    std::chrono::seconds handshake_timeout = limits::kHandshakeTimeout;  // connect → logged in
    std::size_t handshakes_per_block_per_s = limits::kHandshakesPerBlockPerSecond;  // new ones
    std::size_t handshake_burst_per_block = limits::kHandshakeBurstPerBlock;
    std::chrono::seconds idle_timeout = limits::kIdleTimeout;
    std::size_t max_outbound_bytes = limits::kMaxOutboundBytes;  // per connection queue
    std::size_t read_chunk = limits::kReadChunk;
    std::size_t worker_threads = limits::kWorkerThreads;     // password hashing
    std::size_t max_queued_auth = limits::kMaxQueuedLogins;  // login jobs waiting
    std::size_t max_queued_registrations = limits::kMaxQueuedRegistrations;
    std::size_t query_threads = limits::kQueryThreads;  // store queries of requests
    std::size_t max_queued_queries = limits::kMaxQueuedQueries;
    std::size_t io_threads = limits::kIoThreads;  // 0 = one per core
    std::chrono::seconds shutdown_grace = limits::kShutdownGrace;
    // Failed logins (M2): delays start after this many failures of one account from one
    // address block, of one account from everywhere, and of one block for any account.
    unsigned login_free_failures = limits::kLoginFreeFailures;
    unsigned login_free_failures_per_account = limits::kLoginFreeFailuresPerAccount;
    unsigned login_free_failures_per_block = limits::kLoginFreeFailuresPerBlock;
    std::chrono::seconds login_max_delay = limits::kLoginMaxDelay;
    // Registrations (M6), token buckets: this many per hour, and as a burst.
    std::size_t registrations_per_block_per_hour = limits::kRegistrationsPerBlockPerHour;
    std::size_t registrations_per_certificate_per_hour =
        limits::kRegistrationsPerCertificatePerHour;
    // Logged-in connections (L15).
    std::size_t max_sessions_per_account = limits::kMaxSessionsPerAccount;
    std::size_t max_authenticated_per_block = limits::kMaxAuthenticatedPerBlock;
    // Transcript bytes one account may write per UTC day (L4); the session ends past it.
    std::uint64_t max_transcript_bytes_per_account_per_day =
        limits::kMaxTranscriptBytesPerAccountPerDay;
    // Friend commands per account (request, accept, decline, remove): a burst, then per minute.
    std::size_t friend_ops_burst = limits::kFriendOpsBurst;
    std::size_t friend_ops_per_minute = limits::kFriendOpsPerMinute;
    // The relay (send and bundle) per account: a burst, then per minute.
    std::size_t relay_burst = limits::kRelayBurst;
    std::size_t relay_per_minute = limits::kRelayPerMinute;
    // Stored envelopes per recipient device (issue 12): `send` is answered quota_exceeded past
    // either bound. held_expiry is [limits] held_expiry_hours (or held_expiry_s, for tests and
    // short-lived deployments), at most 336 hours; the sweep deletes expired ones this often.
    std::uint64_t held_per_device = limits::kHeldPerDevice;
    std::uint64_t held_bytes_per_device = limits::kHeldBytesPerDevice;
    std::chrono::seconds held_expiry = limits::kHeldExpiry;
    std::chrono::seconds held_sweep_interval = limits::kHeldSweepInterval;
};
struct Security {
    std::chrono::seconds clock_skew = proto::kDefaultCertificateSkew;
    std::chrono::milliseconds ts_window = proto::kDefaultTimestampWindow;
    std::uint64_t rekey_after_records = proto::kDefaultRekeyAfterRecords;
    std::chrono::seconds rekey_after = proto::kDefaultRekeyAfter;
    std::size_t min_password_length = limits::kMinPasswordLength;
    std::uint64_t argon2_opslimit = limits::kArgon2OpsLimit;
    std::uint64_t argon2_memlimit = limits::kArgon2MemLimit;
    // Client certificates must carry one of these names; empty = any certificate from the CA.
    std::vector<std::string> allowed_client_names{};
    // Accept client certificates without extendedKeyUsage (the seeds' certificates; review L11).
    bool allow_legacy_seed_certs = false;
    // Key-exchange groups the server accepts, in preference order. ffdhe3072 costs ~8 ms of
    // I/O-thread CPU per operation, so it is off unless listed.
    std::vector<std::string> groups{"x25519"};
    // Warn this many days before the CRL's nextUpdate (and log an error once it has passed).
    std::chrono::days crl_warn_before = limits::kCrlWarnBefore;
};

// Who may send a message to whom (issue 10; MessagePolicy, message_policy.h).
enum class MessagesFrom { friends, anyone };
struct Users {
    // "friends" (the default): only friends can message each other; "anyone": every user.
    MessagesFrom messages_from = MessagesFrom::friends;
};

// Identity binding (docs/PROTOCOL.md §2.2): register and login only for the username the client
// certificate names. Off only for seed-style deployments where every client shares one
// certificate; then messages between users cannot be end-to-end authenticated.
struct IdentityBinding {
    bool bind_accounts = true;
};

struct Database {
    store::Backend backend = store::Backend::sqlite;  // "sqlite" or "mysql" in files and flags
    std::filesystem::path sqlite_path;                // default: <data_dir>/securechat.db
    store::MariaDbConfig mysql;
};

// [metrics]: the Prometheus endpoint (metrics_endpoint.h). Off while `listen` is empty; a
// listen address that is not loopback is refused unless allow_remote (the counters say how
// busy and how attacked the server is, which is not for everyone to read).
struct MetricsSettings {
    std::string listen;  // e.g. "127.0.0.1:9464"
    bool allow_remote = false;
};

struct Settings {
    std::vector<std::string> listen{"127.0.0.1:6000"};  // "host:port", IPv6 as "[::1]:6000"
    std::filesystem::path cert;
    std::filesystem::path key;
    std::filesystem::path ca;
    std::filesystem::path crl;  // optional
    std::filesystem::path data_dir = "securechat-data";
    std::string log_level = "info";
    std::string log_format = "text";    // [log] format: "text" (event=… key=value) or "json"
    std::filesystem::path config_file;  // re-read on SIGHUP for the reloadable parts
    Database database;
    Limits limits;
    Security security;
    Users users;
    IdentityBinding identity;  // [identity]
    MetricsSettings metrics;   // [metrics]
};

// Reads a TOML file into `settings` (unknown keys are errors, so typos are caught).
Status load_toml(const std::filesystem::path& file, Settings& settings);
// The same for TOML text; `--set limits.idle_timeout_s=60` is applied this way.
Status load_toml_text(std::string_view text, std::string_view source, Settings& settings);
// DB_HOST, DB_USER, DB_PASS, DB_NAME (and DB_PORT, DB_SOCKET): any of them selects MySQL.
void apply_environment(Settings& settings);
// The [database] backend / --db value: "sqlite" or "mysql".
Result<store::Backend> parse_backend_setting(std::string_view name);
// Checks completeness and that the files exist and load; returns the list of problems.
Status validate(const Settings& settings);
// The [users] messages_from value: "friends" or "anyone".
Result<MessagesFrom> parse_messages_from(std::string_view name);
// host:port → (host, port); "[::1]:6000" → ("::1", 6000).
Result<std::pair<std::string, unsigned short>> parse_endpoint(const std::string& text);

}  // namespace sc::server
