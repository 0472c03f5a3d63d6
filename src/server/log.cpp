#include "server/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "common/display_text.h"
#include "store/accounts.h"

namespace sc::server::log {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
constexpr const char* kJsonPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

std::atomic<bool> json_lines{false};

spdlog::logger& logger() {
    static auto instance = [] {
        auto l = spdlog::stderr_logger_mt("securechat");
        l->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
        l->flush_on(spdlog::level::info);
        return l;
    }();
    return *instance;
}

bool plain_value(const std::string& v) {
    if (v.empty()) {
        return false;
    }
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F || c == '"' || c == '=' || c == '\\') {
            return false;
        }
    }
    return true;
}

std::string quoted(const std::string& v) {
    if (plain_value(v)) {
        return v;
    }
    // '"' and '\' first, so that the quotes and display_text's own "\x1b" escapes stay
    // unambiguous; then display_text, the one renderer of untrusted text (L2).
    std::string escaped;
    escaped.reserve(v.size() + 2);
    for (char c : v) {
        if (c == '"' || c == '\\') {
            escaped += '\\';
        }
        escaped += c;
    }
    return "\"" + display_text(escaped) + "\"";
}

}  // namespace

void set_level(std::string_view level) {
    auto l = level == "debug"   ? spdlog::level::debug
             : level == "warn"  ? spdlog::level::warn
             : level == "error" ? spdlog::level::err
                                : spdlog::level::info;
    logger().set_level(l);
}

void set_format(std::string_view format) {
    json_lines = format == "json";
    logger().set_pattern(json_lines ? kJsonPattern : kTextPattern, spdlog::pattern_time_type::utc);
}

std::string loggable_username(const std::string& attempted) {
    if (attempted.empty() || store::validate_username(attempted)) {
        return attempted;  // empty: not logged in yet
    }
    return "<invalid>";
}

std::string format_event(std::string_view name, Fields fields) {
    std::string line = "event=" + std::string(name);
    for (const auto& [key, value] : fields) {
        line +=
            " " + std::string(key) + "=" + quoted(key == "user" ? loggable_username(value) : value);
    }
    return line;
}

std::string format_event_json(std::string_view name, Fields fields) {
    nlohmann::ordered_json object;
    object["event"] = std::string(name);
    for (const auto& [key, value] : fields) {
        object[std::string(key)] = key == "user" ? loggable_username(value) : value;
    }
    auto text =
        object.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
    return text.substr(1, text.size() - 2);  // the members, without the braces
}

void event(Level level, std::string_view name, Fields fields) {
    std::string line = json_lines ? format_event_json(name, fields) : format_event(name, fields);
    switch (level) {
        case Level::debug:
            logger().debug(line);
            break;
        case Level::info:
            logger().info(line);
            break;
        case Level::warn:
            logger().warn(line);
            break;
        case Level::error:
            logger().error(line);
            break;
    }
}

}  // namespace sc::server::log
