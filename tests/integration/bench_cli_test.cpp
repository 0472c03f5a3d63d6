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

TEST(BenchCli, AnUnknownScenarioOrKeyIsAUsageError) {
    EXPECT_NE(securechat({"bench", "nothing"}).exit_code, 0);
    auto r = securechat({"bench", "handshake", "--key", "dsa-512"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("dsa-512"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sc::test
