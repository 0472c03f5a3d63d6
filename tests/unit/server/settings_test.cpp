// Settings without a server: TOML reading (every key of the field tables, unknown keys refused),
// the defaults coming from server/limits.h, listen addresses, and validate's problem list.
#include "server/settings.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sc::server {
namespace {

using namespace std::chrono_literals;

Settings loaded(std::string_view text) {
    Settings s;
    auto status = load_toml_text(text, "test.toml", s);
    EXPECT_TRUE(status) << status.error().message;
    return s;
}

std::string refusal(std::string_view text) {
    Settings s;
    auto status = load_toml_text(text, "test.toml", s);
    return status ? std::string() : status.error().message;
}

TEST(Settings, DefaultsAreTheNamedLimits) {
    Settings s;
    EXPECT_EQ(s.limits.hello_timeout, limits::kHelloTimeout);
    EXPECT_EQ(s.limits.max_queued_auth, limits::kMaxQueuedLogins);
    EXPECT_EQ(s.limits.max_transcript_bytes_per_account_per_day,
              limits::kMaxTranscriptBytesPerAccountPerDay);
    EXPECT_EQ(s.limits.friend_ops_burst, limits::kFriendOpsBurst);
    EXPECT_EQ(s.limits.friend_ops_per_minute, limits::kFriendOpsPerMinute);
    EXPECT_EQ(s.security.ts_window, proto::kDefaultTimestampWindow);
    EXPECT_EQ(s.security.crl_warn_before, limits::kCrlWarnBefore);
    EXPECT_EQ(s.listen, std::vector<std::string>{"127.0.0.1:6000"});
}

TEST(Settings, ReadsEveryTable) {
    auto s = loaded(R"(
listen = ["127.0.0.1:7000", "[::1]:7001"]
cert = "server.crt"
data_dir = "/var/lib/sc"
log_level = "warn"
[limits]
hello_timeout_s = 3
max_queued_registrations = 7
max_transcript_bytes_per_account_per_day = 1000
friend_ops_burst = 5
friend_ops_per_minute = 12
[security]
ts_window_ms = 1500
groups = ["ffdhe3072", "x25519"]
crl_warn_days = 2
allow_legacy_seed_certs = true
[database]
backend = "mysql"
port = 3307
)");
    EXPECT_EQ(s.listen, (std::vector<std::string>{"127.0.0.1:7000", "[::1]:7001"}));
    EXPECT_EQ(s.cert, "server.crt");
    EXPECT_EQ(s.data_dir, "/var/lib/sc");
    EXPECT_EQ(s.log_level, "warn");
    EXPECT_EQ(s.limits.hello_timeout, 3s);
    EXPECT_EQ(s.limits.max_queued_registrations, 7u);
    EXPECT_EQ(s.limits.max_transcript_bytes_per_account_per_day, 1000u);
    EXPECT_EQ(s.limits.friend_ops_burst, 5u);
    EXPECT_EQ(s.limits.friend_ops_per_minute, 12u);
    EXPECT_EQ(s.limits.idle_timeout, limits::kIdleTimeout);  // untouched keys keep defaults
    EXPECT_EQ(s.security.ts_window, 1500ms);
    EXPECT_EQ(s.security.groups, (std::vector<std::string>{"ffdhe3072", "x25519"}));
    EXPECT_EQ(s.security.crl_warn_before, std::chrono::days(2));
    EXPECT_TRUE(s.security.allow_legacy_seed_certs);
    EXPECT_EQ(s.database.mysql.port, 3307u);
}

TEST(Settings, LogFormatIsTextOrJson) {
    server::Settings s;
    EXPECT_EQ(s.log_format, "text");
    ASSERT_TRUE(server::load_toml_text("[log]\nformat = \"json\"\n", "t", s));
    EXPECT_EQ(s.log_format, "json");
    EXPECT_FALSE(server::load_toml_text("[log]\nlevel = \"info\"\n", "t", s));
    s.log_format = "xml";
    auto valid = server::validate(s);
    ASSERT_FALSE(valid);
    EXPECT_NE(valid.error().message.find("log.format must be \"text\" or \"json\""),
              std::string::npos)
        << valid.error().message;
}

TEST(Settings, ListenMayBeOneString) {
    EXPECT_EQ(loaded("listen = \"0.0.0.0:6001\"").listen, std::vector<std::string>{"0.0.0.0:6001"});
}

TEST(Settings, UnknownKeysAreRefusedInEveryTable) {
    EXPECT_NE(refusal("lisen = \"x\"").find("unknown setting 'lisen' in test.toml"),
              std::string::npos);
    EXPECT_NE(refusal("[limits]\nidle_timeout = 5")
                  .find("unknown setting 'idle_timeout' in "
                        "[limits]"),
              std::string::npos);
    EXPECT_NE(refusal("[security]\nts_window = 5").find("in [security]"), std::string::npos);
    EXPECT_NE(refusal("[database]\nhostname = \"x\"").find("in [database]"), std::string::npos);
}

TEST(Settings, WrongTypesAreRefused) {
    EXPECT_NE(refusal("[limits]\nidle_timeout_s = -1").find("non-negative integer"),
              std::string::npos);
    EXPECT_NE(refusal("[limits]\nmax_connections = \"many\"").find("non-negative integer"),
              std::string::npos);
    EXPECT_NE(refusal("cert = 5").find("'cert' must be a string"), std::string::npos);
    EXPECT_NE(refusal("[security]\ngroups = \"x25519\"").find("array of strings"),
              std::string::npos);
    EXPECT_NE(refusal("listen = 5").find("'listen' must be"), std::string::npos);
}

TEST(Settings, IdentityBindingIsOnUnlessTurnedOff) {
    EXPECT_TRUE(Settings{}.identity.bind_accounts);
    EXPECT_FALSE(loaded("[identity]\nbind_accounts = false").identity.bind_accounts);
    EXPECT_NE(refusal("[identity]\nbind = false").find("in [identity]"), std::string::npos);
    EXPECT_NE(refusal("[identity]\nbind_accounts = 0").find("true or false"), std::string::npos);
}

TEST(Settings, SyntaxErrorsAreStatusesNotExceptions) {
    EXPECT_NE(refusal("[limits\n").find("test.toml"), std::string::npos);
}

TEST(Settings, MissingFileIsRefused) {
    Settings s;
    auto status = load_toml(std::filesystem::path("/nonexistent/securechat.toml"), s);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("does not exist"), std::string::npos);
}

TEST(ParseEndpoint, IPv4AndIPv6) {
    auto v4 = parse_endpoint("127.0.0.1:6000");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->first, "127.0.0.1");
    EXPECT_EQ(v4->second, 6000);
    auto v6 = parse_endpoint("[::1]:65535");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->first, "::1");
    EXPECT_EQ(v6->second, 65535);
}

TEST(ParseEndpoint, BadForms) {
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:60x0",
                            "[::1]6000", "[::1", "[::1]:"}) {
        EXPECT_FALSE(parse_endpoint(bad)) << bad;
    }
}

TEST(Validate, ListsEveryProblem) {
    Settings s;
    s.listen = {"nowhere"};
    s.security.groups = {"x25519", "x25519", "p256"};
    s.limits.hello_timeout = 20s;  // longer than handshake_timeout
    s.limits.worker_threads = 0;
    s.log_level = "loud";
    auto status = validate(s);
    ASSERT_FALSE(status);
    const auto& text = status.error().message;
    for (const char* expected : {"must look like 127.0.0.1:6000", "'cert' is not set",
                                 "'key' is not set", "'ca' is not set", "lists 'x25519' twice",
                                 "unknown group 'p256'", "hello_timeout_s must be between",
                                 "worker_threads must be at least 1", "log_level must be"}) {
        EXPECT_NE(text.find(expected), std::string::npos) << expected << " in: " << text;
    }
}

// [limits] of the stored envelopes (issue 12): 10000 envelopes and 256 MiB per device, kept 336
// hours (14 days, the recipient's window, and at most that); expiry in hours, or in seconds.
TEST(Settings, StoredEnvelopeLimitsDefaultReadAndAreBounded) {
    Settings defaults;
    EXPECT_EQ(defaults.limits.held_per_device, 10000u);
    EXPECT_EQ(defaults.limits.held_bytes_per_device, std::uint64_t{256} << 20);
    EXPECT_EQ(defaults.limits.held_expiry, std::chrono::hours(336));
    EXPECT_EQ(
        std::chrono::duration_cast<std::chrono::milliseconds>(defaults.limits.held_expiry).count(),
        static_cast<std::int64_t>(proto::kE2eMaxAgeMs));
    auto s = loaded(R"(
[limits]
held_per_device = 5
held_bytes_per_device = 4096
held_expiry_hours = 24
held_sweep_interval_s = 60
)");
    EXPECT_EQ(s.limits.held_per_device, 5u);
    EXPECT_EQ(s.limits.held_bytes_per_device, 4096u);
    EXPECT_EQ(s.limits.held_expiry, std::chrono::hours(24));
    EXPECT_EQ(s.limits.held_sweep_interval, 60s);
    EXPECT_EQ(loaded("[limits]\nheld_expiry_s = 2\n").limits.held_expiry, 2s);
    Settings bad;
    bad.limits.held_expiry = std::chrono::hours(337);
    bad.limits.held_per_device = 0;
    bad.limits.held_sweep_interval = 0s;
    auto status = validate(bad);
    ASSERT_FALSE(status);
    for (const char* expected : {"held_expiry_hours must be between 1 and 336",
                                 "held_per_device and held_bytes_per_device must be >= 1",
                                 "held_sweep_interval_s must be at least 1"}) {
        EXPECT_NE(status.error().message.find(expected), std::string::npos) << expected;
    }
}

TEST(Validate, MissingFilesAreNamed) {
    Settings s;
    s.cert = "/nonexistent/server.crt";
    s.key = "/nonexistent/server.key";
    s.ca = "/nonexistent/ca.crt";
    auto status = validate(s);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("'cert' file /nonexistent/server.crt does not exist"),
              std::string::npos)
        << status.error().message;
}

}  // namespace
}  // namespace sc::server
