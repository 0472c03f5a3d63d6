#include "server/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sc::server::log {
namespace {

spdlog::logger& logger() {
    static auto instance = [] {
        auto l = spdlog::stderr_logger_mt("securechat");
        l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
        l->flush_on(spdlog::level::info);
        return l;
    }();
    return *instance;
}

std::string quoted(const std::string& v) {
    bool plain = !v.empty() && v.find_first_of(" \"=\n\t") == std::string::npos;
    if (plain) {
        return v;
    }
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

void set_level(std::string_view level) {
    auto l = level == "debug"   ? spdlog::level::debug
             : level == "warn"  ? spdlog::level::warn
             : level == "error" ? spdlog::level::err
                                : spdlog::level::info;
    logger().set_level(l);
}

void event(Level level, std::string_view name,
           std::initializer_list<std::pair<std::string_view, std::string>> fields) {
    std::string line = "event=" + std::string(name);
    for (const auto& [key, value] : fields) {
        line += " " + std::string(key) + "=" + quoted(value);
    }
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
