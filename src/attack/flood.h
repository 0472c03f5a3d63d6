// `securechat attack flood`: what a client without credentials can throw at the server before
// authentication (issue 13). Each kind prints what it sent and what the server did, and returns
// the verdict: stopped when the server ended the attempt itself, within its own deadlines.
//   oversized-frame  a frame header declaring more than the protocol's 65536 bytes
//   garbage-frame    a well-framed payload that is not JSON
//   slowloris        a hello sent one byte at a time, slower than any deadline allows
//   connections      many connections that never speak, opened at once
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "attack/target.h"

namespace sc::attack {

enum class FloodKind { oversized_frame, garbage_frame, slowloris, connections };

std::string_view flood_kind_name(FloodKind kind);
std::optional<FloodKind> flood_kind_from(std::string_view name);
std::vector<FloodKind> all_flood_kinds();

struct FloodOptions {
    std::size_t connections = 200;
    // Longest we wait for the server to end an attempt; past it the attack was not stopped.
    std::chrono::seconds patience{20};
    std::chrono::milliseconds byte_interval{250};  // slowloris
};

struct Verdict {
    bool stopped = false;
    std::string code;  // the server's error code, or "closed" when it closed without one
};

// Runs one kind against `target`, narrating to `out` ("sent: …", "server: …").
Verdict run_flood(FloodKind kind, const Target& target, const FloodOptions& options,
                  std::ostream& out);

}  // namespace sc::attack
