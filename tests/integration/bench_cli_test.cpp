// `securechat bench handshake`, CI-sized: it starts its own server, runs every handshake it
// was asked for, sequential and concurrent, and reports each run in JSON with the server's CPU.
// Nothing here is timed: the figures must exist and be plausible, not fast.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_command.h"

namespace sc::test {
namespace {

using nlohmann::json;

std::vector<json> json_lines(const std::string& output) {
    std::vector<json> lines;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_object()) {
            lines.push_back(std::move(j));
        }
    }
    return lines;
}

TEST(BenchCli, HandshakeRunsEveryHandshakeSequentialAndConcurrentAndReportsTheServersCpu) {
    auto r =
        securechat({"bench", "handshake", "--count", "12", "--concurrency", "1", "--concurrency",
                    "3", "--key", "ed25519", "--key", "ecdsa-p256", "--group", "x25519", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto runs = json_lines(r.output);
    ASSERT_EQ(runs.size(), 4U) << r.output;
    for (const auto& run : runs) {
        EXPECT_EQ(run.value("scenario", ""), "handshake") << run.dump();
        EXPECT_EQ(run.value("handshakes", 0), 12) << run.dump();
        EXPECT_EQ(run.value("failed", -1), 0) << run.dump();
        EXPECT_EQ(run.value("group", ""), "x25519") << run.dump();
        EXPECT_GT(run.value("handshakes_per_s", 0.0), 0.0) << run.dump();
        // The server did real work for each: at least a signature and a verification.
        EXPECT_GT(run.value("server_cpu_ms_per_handshake", 0.0), 0.0) << run.dump();
    }
    EXPECT_EQ(runs[0].value("key", ""), "ed25519");
    EXPECT_EQ(runs[1].value("concurrency", 0), 3);
    EXPECT_EQ(runs[2].value("key", ""), "ecdsa-p256");
}

TEST(BenchCli, IdleOpensEverySessionKeepsThemServedAndReportsTheServersMemoryPerSession) {
    auto r = securechat(
        {"bench", "idle", "--sessions", "40", "--sessions", "8", "--idle-seconds", "1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto runs = json_lines(r.output);
    ASSERT_EQ(runs.size(), 2U) << r.output;
    EXPECT_EQ(runs[0].value("sessions", 0), 40) << runs[0].dump();
    EXPECT_EQ(runs[1].value("sessions", 0), 8) << runs[1].dump();
    for (const auto& run : runs) {
        EXPECT_EQ(run.value("scenario", ""), "idle") << run.dump();
        EXPECT_EQ(run.value("failed", -1), 0) << run.dump();
        // Every sampled session still got its message acknowledged after the idle time.
        EXPECT_GT(run.value("still_served_asked", 0), 0) << run.dump();
        EXPECT_EQ(run.value("still_served", -1), run.value("still_served_asked", 0)) << run.dump();
        // The server's memory was read from outside, before and after.
        EXPECT_GT(run.value("server_rss_before_bytes", 0.0), 0.0) << run.dump();
        EXPECT_GE(run.value("server_rss_after_bytes", 0.0),
                  run.value("server_rss_before_bytes", 0.0))
            << run.dump();
    }
}

TEST(BenchCli, IdleBeyondTheDescriptorLimitSaysSoPlainly) {
    // A shell whose hard limit is 512 and that may not raise it (no CAP_SYS_RESOURCE).
    auto r = run_command({"setpriv", "--bounding-set=-sys_resource", "/bin/sh", "-c",
                          "ulimit -n 512 && exec \"$0\" \"$@\"", securechat_binary(), "bench",
                          "idle", "--sessions", "1000"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("1000 sessions need 2288 file descriptors; the limit is 512"),
              std::string::npos)
        << r.output;
}

TEST(BenchCli, AnUnknownScenarioOrKeyIsAUsageError) {
    EXPECT_NE(securechat({"bench", "nothing"}).exit_code, 0);
    auto r = securechat({"bench", "handshake", "--key", "dsa-512"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("dsa-512"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sc::test
