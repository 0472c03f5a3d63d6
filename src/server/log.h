// Structured logs: one line per event on stderr (for the journal), `event=<name> key=value ...`,
// or with `[log] format = "json"` one JSON object per line. Never secrets, passwords or message
// bodies — callers pass only identifiers, sizes, codes and reasons.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sc::server::log {

enum class Level { debug, info, warn, error };

using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

void set_level(std::string_view level);
// "text" (the default) or "json"; set once, at start-up, before other threads log.
void set_format(std::string_view format);
void event(Level level, std::string_view name, Fields fields = {});

// The line event() writes (without the time and level spdlog adds). Values are written as is
// when they are printable ASCII without space, '"', '=' or '\'; otherwise in quotes, with '"'
// and '\' escaped first and then every control, bidi override and invalid UTF-8 byte made
// visible by display_text, so a peer cannot forge or hide log lines (L2). A `user` field holds
// only names the account rules accept: anything else is logged as `<invalid>`, because an
// attempted username is often a mistyped password.
std::string format_event(std::string_view name, Fields fields);
// The same event as the members of a JSON object, `"event":"<name>","key":"value",...` without
// the braces (the time and level come first, from spdlog's pattern). Every byte that is not
// printable ASCII is escaped (\uXXXX; invalid UTF-8 as U+FFFD), so no control or bidi
// character reaches a terminal that shows the journal; `user` as in format_event.
std::string format_event_json(std::string_view name, Fields fields);
std::string loggable_username(const std::string& attempted);

}  // namespace sc::server::log
