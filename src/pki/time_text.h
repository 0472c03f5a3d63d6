// Time points as certificates, CRLs and people see them.
#pragma once

#include <chrono>
#include <string>

namespace sc::pki {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-11-23 14:09:21 UTC"
std::string format_utc(TimePoint t);

}  // namespace sc::pki
