#include "server/metrics.h"

#include <array>
#include <cstdio>

namespace sc::server {
namespace {

struct Family {
    Counter counter;
    const char* name;
    const char* help;
};

constexpr std::array<Family, 10> kFamilies{{
    {Counter::connections_accepted, "connections_accepted_total",
     "TCP connections taken by the acceptor"},
    {Counter::connections_refused, "connections_refused_total",
     "Connections refused before the handshake, by reason"},
    {Counter::handshakes, "handshakes_total", "Handshakes completed, by outcome"},
    {Counter::sessions_failed, "sessions_failed_total",
     "Sessions ended by a protocol error, by error code"},
    {Counter::logins, "logins_total", "Logins and registrations, by kind and outcome"},
    {Counter::chat_messages, "chat_messages_total",
     "Signed messages to the server, stored in the transcript and acknowledged"},
    {Counter::e2e_requests, "e2e_requests_total",
     "End-to-end requests (send stores and relays an envelope), by operation and code"},
    {Counter::envelopes_pushed, "envelopes_pushed_total",
     "Stored envelopes delivered to a device that logged in"},
    {Counter::envelopes_released, "envelopes_released_total",
     "Stored envelopes the recipient acknowledged, then deleted"},
    {Counter::rekeys, "rekeys_total", "Chat key updates (DH exchanges after the first)"},
}};

bool plain(std::string_view v) {
    if (v.empty() || v.size() > 64) {
        return false;
    }
    for (char c : v) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

std::string number(double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", v);
    return text;
}

}  // namespace

std::string label_value(std::string_view value) {
    return plain(value) ? std::string(value) : std::string("other");
}

void Metrics::count(Counter counter,
                    std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                    std::uint64_t by) {
    std::string text;
    for (const auto& [key, value] : labels) {
        text += (text.empty() ? "" : ",") + std::string(key) + "=\"" + label_value(value) + "\"";
    }
    std::lock_guard lock(mutex_);
    counts_[{counter, text}] += by;
}

void Metrics::observe_store_query(std::chrono::nanoseconds took) {
    std::lock_guard lock(mutex_);
    ++store_queries_;
    store_time_ += took;
}

std::string Metrics::render(const std::vector<Gauge>& gauges) const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& family : kFamilies) {
        const std::string name = std::string("securechat_") + family.name;
        out += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " counter\n";
        bool any = false;
        for (const auto& [key, value] : counts_) {
            if (key.first != family.counter) {
                continue;
            }
            any = true;
            out += name + (key.second.empty() ? "" : "{" + key.second + "}") + " " +
                   std::to_string(value) + "\n";
        }
        if (!any) {
            out += name + " 0\n";
        }
    }
    out +=
        "# HELP securechat_store_query_seconds Store queries of requests, time on a worker\n"
        "# TYPE securechat_store_query_seconds summary\n"
        "securechat_store_query_seconds_sum " +
        number(std::chrono::duration<double>(store_time_).count()) +
        "\nsecurechat_store_query_seconds_count " + std::to_string(store_queries_) + "\n";
    for (const auto& gauge : gauges) {
        const std::string name = "securechat_" + gauge.name;
        out += "# HELP " + name + " " + gauge.help + "\n# TYPE " + name + " gauge\n" + name + " " +
               number(gauge.value) + "\n";
    }
    return out;
}

}  // namespace sc::server
