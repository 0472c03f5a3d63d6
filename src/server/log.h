// Structured logs: one line per event, `event=<name> key=value ...`. Never secrets, passwords or
// message bodies — callers pass only identifiers, sizes, codes and reasons.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sc::server::log {

enum class Level { debug, info, warn, error };

void set_level(std::string_view level);
void event(Level level, std::string_view name,
           std::initializer_list<std::pair<std::string_view, std::string>> fields = {});

}  // namespace sc::server::log
