// The server's counters, served in the Prometheus text format by the metrics endpoint
// (`[metrics] listen`, off by default; docs/OPERATIONS.md). Labels take values from the
// server's own vocabulary only (error codes, outcomes, request names): a label value that is
// not [a-z0-9_] is counted as "other", so no username, address or message can reach a metric.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::server {

enum class Counter {
    connections_accepted,  // TCP connections taken by the acceptor
    connections_refused,   // {reason}
    handshakes,            // {outcome}: "ok" at handshake_done
    sessions_failed,       // {code}: the protocol error that ended a session
    logins,                // {kind = login|register, outcome = ok|<auth error>}
    chat_messages,         // msgs to the server, signed, stored in the transcript, acked
    e2e_requests,          // {op = send|bundle|prekeys|devices, code = ok|<error>}
    envelopes_pushed,      // stored envelopes sent to a device that logged in
    envelopes_released,    // stored envelopes the recipient acknowledged, deleted
    rekeys,
};

struct Gauge {
    std::string name;  // without the securechat_ prefix
    std::string help;
    double value = 0;
};

class Metrics {
  public:
    void count(Counter counter,
               std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {},
               std::uint64_t by = 1);
    // One store query's time on its worker: a summary (count and sum of seconds).
    void observe_store_query(std::chrono::nanoseconds took);
    // The text exposition format, version 0.0.4: every counter family (with HELP and TYPE, and
    // a zero sample when nothing was counted yet), the store query summary, then `gauges`.
    std::string render(const std::vector<Gauge>& gauges) const;

  private:
    mutable std::mutex mutex_;
    std::map<std::pair<Counter, std::string>, std::uint64_t> counts_;  // (family, labels text)
    std::uint64_t store_queries_ = 0;
    std::chrono::nanoseconds store_time_{0};
};

// `value` if it is [a-z0-9_]{1,64}, else "other".
std::string label_value(std::string_view value);

}  // namespace sc::server
