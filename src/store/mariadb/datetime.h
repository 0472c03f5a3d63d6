// MariaDB DATETIME(3) text <-> TimePoint, in UTC (every session runs with time_zone '+00:00').
#pragma once

#include <optional>
#include <string>

#include "store/account_store.h"

namespace sc::store::mariadb {

// "2024-05-01 12:34:56.789"
std::string to_datetime_text(TimePoint when);
// Accepts any number of fractional digits (as many as the column has) and keeps milliseconds;
// nullopt for anything that is not a date and time.
std::optional<TimePoint> from_datetime_text(const std::string& text);

}  // namespace sc::store::mariadb
