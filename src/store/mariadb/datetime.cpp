#include "store/mariadb/datetime.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "store/store_internal.h"

namespace sc::store::mariadb {

std::string to_datetime_text(TimePoint when) {
    std::int64_t ms = detail::to_unix_ms(when);
    std::int64_t seconds = ms / 1000;
    std::int64_t millis = ms % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    return text;
}

std::optional<TimePoint> from_datetime_text(const std::string& text) {
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::int64_t millis = 0;
    std::size_t pos = static_cast<std::size_t>(consumed);
    if (pos < text.size() && text[pos] == '.') {
        int digits = 0;
        for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
            if (digits < 3) {
                millis = millis * 10 + (text[pos] - '0');
            }
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    std::int64_t seconds = static_cast<std::int64_t>(timegm(&tm));
    return detail::from_unix_ms(seconds * 1000 + millis);
}

}  // namespace sc::store::mariadb
